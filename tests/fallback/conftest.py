"""Fixtures for the fallback path: an app whose database is unreachable, and signed posts."""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.orm import sessionmaker
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from app import create_app
from app.db import make_engine
from app.runtime import Runtime
from app.settings import Settings
from tests.plugins.twilio_webhooks import BASE_URL


def closed_port() -> int:
    """A TCP port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class DatabaseTouched(AssertionError):
    pass


@pytest.fixture
def db_touches() -> list[str]:
    return []


@pytest.fixture
def down_settings(settings: Settings, tmp_path: Path) -> Settings:
    """The test settings, with a PostgreSQL URL on a closed port and a fresh journal dir."""
    url = f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/nothing?connect_timeout=1"
    return dataclasses.replace(settings, database_url=url, instance_path=tmp_path / "instance",
                               council_phone_number="01632 960123")


@pytest.fixture
def down_app(down_settings: Settings, db_touches: list[str]):
    """An app whose database is down; any attempt to use it is recorded and fails loudly."""
    engine = make_engine(down_settings.database_url)

    @event.listens_for(engine, "do_connect")
    def _refuse(*_args):
        db_touches.append("connect")
        raise DatabaseTouched("the fallback touched the database")

    def no_session():
        db_touches.append("session")
        raise DatabaseTouched("the fallback opened a session")

    runtime = Runtime(settings=down_settings, engine=engine,
                      session_factory=sessionmaker(bind=engine))
    runtime.session_factory = no_session  # type: ignore[assignment]
    app = create_app(runtime=runtime)
    yield app
    engine.dispose()


@pytest.fixture
def fallback_post(down_app, down_settings: Settings) -> Callable:
    """POST a form (a list of pairs keeps repeated keys) to /twilio/fallback, signed."""
    client = down_app.test_client()

    def post(params: Mapping[str, str] | list[tuple[str, str]], *, signature: str | None = None,
             path: str = "/twilio/fallback"):
        pairs = list(params.items()) if isinstance(params, Mapping) else list(params)
        multi: dict[str, list[str]] = {}
        for key, value in pairs:
            multi.setdefault(key, []).append(value)
        sig = signature
        if sig is None:
            sig = RequestValidator(down_settings.twilio_auth_token).compute_signature(
                BASE_URL + path, MultiDict(pairs))
        return client.post(path, data=multi, headers={"X-Twilio-Signature": sig})

    return post


@pytest.fixture
def unreachable_app(down_settings: Settings):
    """The real app on a database that refuses connections (the primary webhooks will fail)."""
    runtime = Runtime.build(down_settings)
    app = create_app(runtime=runtime)
    yield app
    runtime.engine.dispose()


@pytest.fixture
def primary_post(unreachable_app, down_settings: Settings) -> Callable:
    client = unreachable_app.test_client()

    def post(path: str, params: Mapping[str, str]):
        sig = RequestValidator(down_settings.twilio_auth_token).compute_signature(
            BASE_URL + path, dict(params)
        )
        return client.post(path, data=dict(params), headers={"X-Twilio-Signature": sig})

    return post
