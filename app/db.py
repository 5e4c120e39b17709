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
#: How long a SQLite writer waits for the write lock before giving up ("database is locked").
#: Below gunicorn's 12 s worker timeout with room for the request's own work, and below
#: Twilio's 15 s, so a webhook that waits its turn still answers (or degrades to the fallback
#: journal) in time.
SQLITE_BUSY_TIMEOUT_MS = 8000


def make_engine(database_url: str, **kwargs: Any) -> Engine:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            # 0600 before SQLite opens it: its -wal and -shm files take the same mode.
            private_file(Path(url.database))
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
                               "check_same_thread": False}, hide_parameters=True, **kwargs
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
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose transactions begin deferred: for reads (a read may still upgrade with
    `start_writing`)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def writer_factory(readers: sessionmaker[Session]) -> sessionmaker[Session]:
    """Sessions for a unit of work that writes: EVERY transaction begins as a writer.

    On SQLite each transaction of such a session begins `BEGIN IMMEDIATE` (after a commit too),
    so a read-then-write (look up, then insert) waits its turn on busy_timeout instead of
    failing at once when another process commits in between (see `begin_write`). PostgreSQL
    ignores the option and keeps its row locks (`SELECT ... FOR UPDATE` where the code asks).
    A factory bound to a connection (tests' rolled-back transaction) is returned as it is.
    """
    bind = readers.kw.get("bind")
    if not isinstance(bind, Engine):
        return readers
    return sessionmaker(bind=bind.execution_options(**{WRITE_INTENT: True}),
                        expire_on_commit=False)


def is_writing(session: Session) -> bool:
    """Whether the session's current transaction began as a writer (always true off SQLite)."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return True
    return bool(connection.get_execution_options().get(WRITE_INTENT, False))


def start_writing(session: Session) -> None:
    """Make sure what follows runs in a write transaction, ending a pure read if need be.

    For the few writes a read request makes (an audit row, a token's last use): the read
    transaction so far is committed (it holds nothing to write) and a writer transaction
    begins. A no-op in a transaction that already began as a writer and on PostgreSQL.
    """
    if session.in_transaction():
        if is_writing(session):
            return
        session.commit()
    begin_write(session)


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
