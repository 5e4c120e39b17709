"""`hold_key_for_transaction`: the transactions that work on one key (an SMS turn's number)
take turns, on PostgreSQL by an advisory lock, on SQLite by the write transaction's lock."""

from __future__ import annotations

import sqlite3

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from app.db import hold_key_for_transaction, is_writing, make_session_factory, writer_factory

NAMESPACE = 4242
KEY, OTHER_KEY = "+447700900123", "+447700900124"


def _try_lock(connection, key: str) -> bool:
    return connection.execute(text("SELECT pg_try_advisory_xact_lock(:n, hashtext(:k))"),
                              {"n": NAMESPACE, "k": key}).scalar_one()


def test_a_held_key_waits_for_the_holder_to_end(engine):
    writers: sessionmaker = writer_factory(make_session_factory(engine))
    with writers() as session:
        hold_key_for_transaction(session, NAMESPACE, KEY)
        assert is_writing(session)
        if engine.dialect.name == "postgresql":
            with engine.connect() as other:
                assert not _try_lock(other, KEY)  # the same number waits
                assert _try_lock(other, OTHER_KEY)  # another number does not
                other.rollback()
                session.commit()
                assert _try_lock(other, KEY)  # free once the holder ended
                other.rollback()
            return
        # SQLite: the holder's write transaction holds the one write lock.
        path = make_url(str(engine.url)).database
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            try:
                other.execute("BEGIN IMMEDIATE")
                raise AssertionError("a second writer began while the key was held")
            except sqlite3.OperationalError as exc:
                assert "locked" in str(exc)
            session.commit()
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
        finally:
            other.close()


def test_holding_a_key_in_a_reading_session_starts_writing(engine):
    """A deferred (reading) transaction is turned into a writer first (SQLite) so the lock is
    held from the first read; PostgreSQL needs no writer transaction."""
    with make_session_factory(engine)() as session:
        session.execute(text("SELECT 1"))
        hold_key_for_transaction(session, NAMESPACE, KEY)
        assert is_writing(session)
        session.rollback()
