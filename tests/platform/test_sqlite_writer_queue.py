"""SQLite writers queue before BEGIN IMMEDIATE (app.db): in-process, then between processes.

The queue must never lose a write, must be handed on by every way a transaction ends (commit,
rollback, a session closed without either), and a writer that cannot get its turn within the
busy timeout fails as SQLite itself would ("database is locked"). Between processes the queue
is a flock on `<database>-writers`: each process (a forked one too) holds its own.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from app import db


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "queue.sqlite3"


@pytest.fixture
def writers(database: Path):
    engine = db.make_engine(f"sqlite:///{database}")
    factory = db.writer_factory(db.make_session_factory(engine))
    with factory() as session:
        session.execute(text("CREATE TABLE t (n INTEGER)"))
        session.commit()
    yield factory
    engine.dispose()


def _count(factory) -> int:
    with factory() as session:
        return session.execute(text("SELECT count(*) FROM t")).scalar_one()


def test_eight_threads_writing_at_once_lose_nothing(writers) -> None:
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for _ in range(25):
                with writers() as session:
                    session.execute(text("INSERT INTO t VALUES (1)"))
                    session.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=write) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert _count(writers) == 200


def test_rollback_and_close_without_commit_hand_the_turn_on(writers) -> None:
    with writers() as session:
        session.execute(text("INSERT INTO t VALUES (1)"))
        session.rollback()
    with writers() as session:
        session.execute(text("INSERT INTO t VALUES (2)"))  # closed without commit
    with writers() as session:
        session.execute(text("INSERT INTO t VALUES (3)"))
        session.commit()
    assert _count(writers) == 1


def test_a_writer_that_never_gets_its_turn_fails_as_sqlite_would(writers, monkeypatch) -> None:
    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_MS", 200)
    holder = writers()
    holder.execute(text("INSERT INTO t VALUES (1)"))  # holds the write turn
    failed: list[BaseException] = []

    def wait() -> None:
        try:
            with writers() as session:
                session.execute(text("INSERT INTO t VALUES (2)"))
        except OperationalError as exc:
            failed.append(exc)

    thread = threading.Thread(target=wait)
    thread.start()
    thread.join(timeout=10)
    holder.commit()
    holder.close()
    assert len(failed) == 1 and "database is locked" in str(failed[0])
    assert _count(writers) == 1


def _hold_queue_in_another_process(database: Path) -> subprocess.Popen:
    """A process that takes the writers' queue (and nothing of SQLite's) until its stdin closes."""
    script = ("import fcntl, os, sys\n"
              f"fd = os.open({str(database) + '-writers'!r}, os.O_RDWR | os.O_CREAT, 0o600)\n"
              "fcntl.flock(fd, fcntl.LOCK_EX)\n"
              "print('held', flush=True)\n"
              "sys.stdin.read()\n")
    holder = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def test_a_writer_waits_its_turn_behind_another_process(writers, database,
                                                         monkeypatch) -> None:
    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_MS", 200)
    holder = _hold_queue_in_another_process(database)
    try:
        with pytest.raises(OperationalError, match="database is locked"), writers() as session:
            session.execute(text("INSERT INTO t VALUES (1)"))
    finally:
        holder.communicate("")
    with writers() as session:  # the holder exited: the kernel freed its turn
        session.execute(text("INSERT INTO t VALUES (2)"))
        session.commit()
    assert _count(writers) == 1


def test_processes_writing_at_once_lose_nothing(writers, database) -> None:
    script = ("import sys\n"
              "from sqlalchemy import text\n"
              "from app import db\n"
              "engine = db.make_engine(sys.argv[1])\n"
              "factory = db.writer_factory(db.make_session_factory(engine))\n"
              "for _ in range(40):\n"
              "    with factory() as session:\n"
              "        session.execute(text('INSERT INTO t VALUES (1)'))\n"
              "        session.commit()\n")
    root = Path(__file__).resolve().parents[2]
    processes = [subprocess.Popen([sys.executable, "-c", script, f"sqlite:///{database}"],
                                  cwd=root, stderr=subprocess.PIPE, text=True)
                 for _ in range(3)]
    errors = [process.communicate(timeout=120)[1] for process in processes]
    assert [process.returncode for process in processes] == [0, 0, 0], errors
    assert _count(writers) == 120


def test_a_forked_process_queues_behind_its_parent(writers, database, monkeypatch) -> None:
    with writers() as session:  # this process has opened its queue file
        session.execute(text("INSERT INTO t VALUES (1)"))
        session.commit()
    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_MS", 200)
    parent_queue = db._queue_file(str(database))
    assert parent_queue is not None
    fcntl.flock(parent_queue, fcntl.LOCK_EX)  # the parent's turn, on the queue's own file
    try:
        child = os.fork()
        if child == 0:  # pragma: no cover - runs in the child
            code = 0
            try:
                with writers() as session:
                    session.execute(text("INSERT INTO t VALUES (2)"))
                    session.commit()
            except OperationalError as exc:
                code = 3 if "database is locked" in str(exc) else 4
            except BaseException:
                code = 5
            os._exit(code)
        _, status = os.waitpid(child, 0)
    finally:
        fcntl.flock(parent_queue, fcntl.LOCK_UN)
    assert os.waitstatus_to_exitcode(status) == 3  # the child waited on its own, then gave up
    assert _count(writers) == 1


def test_a_turn_inherited_across_a_fork_never_ends_the_childs_own(writers, database) -> None:
    """The child closes the parent's queue descriptor and may reuse its number for its own:
    ending the inherited connection's turn there must not unlock the child's."""
    holder = writers()
    holder.execute(text("INSERT INTO t VALUES (1)"))  # the parent holds the turn
    inherited = holder.connection().connection.dbapi_connection
    parent_done = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        code = 1
        try:
            os.read(parent_done[0], 1)  # the parent has committed
            number = inherited._process_turn[1]  # closed at the fork: free to reuse
            own = os.open(f"{database}-writers", os.O_RDWR)
            os.dup2(own, number)  # the child's own queue file, under the reused number
            os.close(own)
            fcntl.flock(number, fcntl.LOCK_EX | fcntl.LOCK_NB)  # the child's own turn
            inherited._end_process_turn()
            other = os.open(f"{database}-writers", os.O_RDWR)
            try:
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
                code = 4  # the child's turn was ended by the inherited connection
            except BlockingIOError:
                code = 0
        finally:
            os._exit(code)
    holder.commit()
    holder.close()
    os.write(parent_done[1], b"x")
    _, status = os.waitpid(child, 0)
    for fd in parent_done:
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0
