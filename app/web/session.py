"""The request's database session: opened on first use, closed when the request ends."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from app.runtime import Runtime


def runtime() -> Runtime:
    return current_app.extensions["here2help"]


def db_session() -> Session:
    if "db_session" not in g:
        g.db_session = runtime().session_factory()
    return g.db_session


def init_app(app: Flask) -> None:
    @app.teardown_appcontext
    def close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()
