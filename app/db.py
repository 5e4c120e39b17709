"""Engine and sessions (plain SQLAlchemy 2; workers use them without Flask)."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
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
                               "check_same_thread": False, "factory": _QueuedWriterConnection},
            hide_parameters=True, **kwargs
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
    if not conn.get_execution_options().get(WRITE_INTENT, False):
        conn.exec_driver_sql("BEGIN")
        return
    dbapi_connection = conn.connection.dbapi_connection
    queued = isinstance(dbapi_connection, _QueuedWriterConnection)
    if queued:
        try:
            dbapi_connection.wait_for_writer_turn()
        except sqlite3.OperationalError as exc:  # as SQLAlchemy wraps SQLite's own time-out
            raise OperationalError("BEGIN IMMEDIATE", None, exc, hide_parameters=True) from exc
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        if queued:
            dbapi_connection.end_writer_turn()
        raise


#: One queue per database file: this process's writers take turns on it before BEGIN IMMEDIATE.
_writer_locks: dict[str, threading.Lock] = {}
_writer_locks_guard = threading.Lock()
#: This process's descriptor of each database's writer-queue file (`_take_process_turn`).
_queue_files: dict[str, int | None] = {}


def _forget_queue_files() -> None:
    """In a forked child: the parent's descriptors share the parent's locks, so drop them
    (closing a copy never releases a lock the parent holds) and open our own when needed."""
    for fd in _queue_files.values():
        if fd is not None:
            try:
                os.close(fd)
            except OSError:
                pass
    _queue_files.clear()


os.register_at_fork(after_in_child=_forget_queue_files)


def _queue_file(database: str) -> int | None:
    """This process's descriptor of `database`'s writer-queue file, or None if it cannot be
    made (a read-only folder): then writers meet only SQLite's own wait, as before."""
    if database not in _queue_files:
        try:
            _queue_files[database] = os.open(f"{database}-writers", os.O_RDWR | os.O_CREAT,
                                             0o600)
        except OSError:
            _queue_files[database] = None
    return _queue_files[database]


#: How often a writer looks again while another process writes: from 0.2 ms, doubling, to 2 ms.
_QUEUE_FIRST_LOOK_S = 0.0002
_QUEUE_LONGEST_LOOK_S = 0.002


def _take_process_turn(fd: int, deadline: float) -> bool:
    """Hold the writer-queue file's lock (flock) by `deadline`, or say False.

    Between processes the queue is this lock, not SQLite's: SQLite's busy handler sleeps up to
    100 ms between looks, so a writer of one process waits far longer than the lock is held
    whenever another process writes often. The kernel frees a flock when its holder exits, so a
    killed worker never blocks the others."""
    pause = _QUEUE_FIRST_LOOK_S
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(pause)
            pause = min(pause * 2, _QUEUE_LONGEST_LOOK_S)


class _QueuedWriterConnection(sqlite3.Connection):
    """A SQLite connection whose write transactions queue in-process before BEGIN IMMEDIATE.

    SQLite has one write lock per database. A writer that finds it taken polls, sleeping
    longer each time (up to 100 ms a try), so with several threads of one process waiting,
    the lock sits free while they sleep: throughput falls and the slowest webhooks wait
    seconds. Threads of one process therefore queue on a lock of their own (handed over the
    moment a commit or rollback ends), and the one at the head then queues with other
    processes' heads on a lock file beside the database (`<database>-writers`, flock), so
    BEGIN IMMEDIATE rarely meets a busy database at all. The whole wait stays within
    SQLITE_BUSY_TIMEOUT_MS and ends as SQLite's own does ("database is locked"); reads never
    queue. A process that does not take part (the sqlite3 shell) still meets SQLite's own wait.
    """

    _writer_lock: threading.Lock | None = None
    _database = ""
    _holds_turn = False
    #: (process id, descriptor) of the queue file's lock this connection holds, if any.
    _process_turn: tuple[int, int] | None = None
    _shortened_timeout = False

    def wait_for_writer_turn(self) -> None:
        if self._writer_lock is None:
            self._database = self.execute("PRAGMA database_list").fetchone()[2]
            path = self._database or f":memory:{id(self)}"
            with _writer_locks_guard:
                self._writer_lock = _writer_locks.setdefault(path, threading.Lock())
        started = time.monotonic()
        if not self._writer_lock.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
            raise sqlite3.OperationalError("database is locked")
        self._holds_turn = True
        fd = _queue_file(self._database) if self._database else None
        if fd is not None:
            if not _take_process_turn(fd, started + SQLITE_BUSY_TIMEOUT_MS / 1000):
                self.end_writer_turn()
                raise sqlite3.OperationalError("database is locked")
            self._process_turn = (os.getpid(), fd)
        waited_ms = int((time.monotonic() - started) * 1000)
        if waited_ms:  # what is left of the budget is for SQLite's own wait
            self.execute(f"PRAGMA busy_timeout={max(1, SQLITE_BUSY_TIMEOUT_MS - waited_ms)}")
            self._shortened_timeout = True

    def end_writer_turn(self) -> None:
        if not self._holds_turn:
            return
        self._holds_turn = False
        if self._shortened_timeout:
            self._shortened_timeout = False
            try:
                self.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            except sqlite3.Error:
                pass  # a closed connection needs no time-out
        self._end_process_turn()
        if self._writer_lock is not None:
            self._writer_lock.release()

    def _end_process_turn(self) -> None:
        turn, self._process_turn = self._process_turn, None
        # A connection inherited across a fork names a descriptor the child closed, whose number
        # the child may since have given to its own queue file: only the process that took the
        # turn ends it.
        if turn is not None and turn[0] == os.getpid():
            fcntl.flock(turn[1], fcntl.LOCK_UN)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.end_writer_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.end_writer_turn()

    def close(self) -> None:
        try:
            self.end_writer_turn()
        finally:
            super().close()

    def __del__(self) -> None:
        # A connection dropped mid-transaction without close() (a pool discarded whole) must
        # not keep this process's writers queued behind it for ever.
        if self._holds_turn and self._writer_lock is not None:
            self._holds_turn = False
            self._end_process_turn()
            self._writer_lock.release()


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
