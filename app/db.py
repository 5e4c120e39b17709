"""Engine and sessions (plain SQLAlchemy 2; workers use them without Flask)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from app.private_files import private_file

#: Webhooks answer within Twilio's 15 s; a statement that takes longer than this is abandoned.
STATEMENT_TIMEOUT_MS = 5000


def make_engine(database_url: str, **kwargs: Any) -> Engine:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            # 0600 before SQLite opens it: its -wal and -shm files take the same mode.
            private_file(Path(url.database))
        engine = create_engine(
            url, connect_args={"timeout": 15, "check_same_thread": False}, hide_parameters=True,
            **kwargs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling breaks SAVEPOINT; let SQLAlchemy emit BEGIN itself
        # (the recipe in SQLAlchemy's "Serializable isolation / Savepoints" notes for pysqlite).
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    connect_args = {
        "connect_timeout": 5,
        "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
    }
    # hide_parameters: an error message (logged, or kept in rq's failed-job record) must not
    # carry the phone numbers and message bodies that were being written.
    engine = create_engine(url, pool_pre_ping=True, connect_args=connect_args,
                           hide_parameters=True, **kwargs)
    event.listen(engine, "handle_error", _without_row_details)
    return engine


def _without_row_details(context: ExceptionContext) -> BaseException | None:
    """PostgreSQL's errors add the values themselves ("DETAIL: Failing row contains (...)",
    "Key (phone)=(+44...) already exists"), which hide_parameters cannot hide: keep only the
    first line of the server's message. The error keeps its types, so callers catch it as before.
    """
    original, wrapped = context.original_exception, context.sqlalchemy_exception
    if original is None or not isinstance(wrapped, DBAPIError):
        return None
    first_line = str(original).split("\n", 1)[0]
    if first_line == str(original):
        return None
    try:
        cleaned = type(original)(first_line)
    except Exception:  # an error type that cannot be rebuilt from a message alone
        cleaned = Exception(first_line)
    return type(wrapped)(wrapped.statement, None, cleaned, hide_parameters=True,
                         connection_invalidated=wrapped.connection_invalidated)


#: Execution option that `begin_write` sets: the transaction will write, so lock first.
WRITE_INTENT = "here2help_write_intent"


def begin_write(session: Session) -> None:
    """Start the session's transaction as a writer, before its first read.

    SQLite in WAL mode lets a transaction read from a snapshot and only asks for the write lock
    at its first write; if another process committed in between, that upgrade fails at once with
    "database is locked" (busy_timeout does not apply: waiting could not help the old snapshot).
    `BEGIN IMMEDIATE` takes the write lock up front and waits on busy_timeout like any writer,
    so read-then-write work (the sweeper, jobs) cannot fail that way. PostgreSQL needs nothing:
    the option is ignored there. Call it at the start of each transaction (after a commit too).
    """
    session.connection(execution_options={WRITE_INTENT: True})


def _sqlite_begin(conn: Any) -> None:
    immediate = conn.get_execution_options().get(WRITE_INTENT, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error, always close."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
