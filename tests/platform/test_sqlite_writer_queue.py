"""SQLite writers of one process queue in-process before BEGIN IMMEDIATE (app.db).

The queue must never lose a write, must be handed on by every way a transaction ends (commit,
rollback, a session closed without either), and a writer that cannot get its turn within the
busy timeout fails as SQLite itself would ("database is locked").
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from app import db


@pytest.fixture
def writers(tmp_path: Path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'queue.sqlite3'}")
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
