"""`take_turn`: the transactions that work on one number (an SMS turn) take turns, on
PostgreSQL by the lock on the number's `sms_turns` row, on SQLite by the write transaction's
lock. (A plain answer that checks its count instead: tests/conversations/test_sms_planned_turn.)
"""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker

from app.db import is_writing, make_session_factory, writer_factory
from app.models.conversation import SmsTurn
from app.services.conversations.turns import BUCKETS, bucket_of, take_turn

KEY, OTHER_KEY = "+447700900123", "+447700900124"


def _try_lock(connection, key: str) -> bool:
    """Whether another transaction could take `key`'s turn now (without waiting)."""
    try:
        connection.execute(text("SELECT turn FROM sms_turns WHERE bucket = :b FOR UPDATE NOWAIT"),
                           {"b": bucket_of(key)})
        return True
    except OperationalError as exc:
        assert "lock" in str(exc).lower()
        return False
    finally:
        connection.rollback()


def test_a_turn_taken_waits_for_the_holder_to_end(engine):
    writers: sessionmaker = writer_factory(make_session_factory(engine))
    assert bucket_of(KEY) != bucket_of(OTHER_KEY)
    if engine.dialect.name == "postgresql":
        for phone in (KEY, OTHER_KEY):  # each number has its row, counted once
            with writers() as session:
                take_turn(session, phone)
                session.commit()
    with writers() as session:
        take_turn(session, KEY)
        assert is_writing(session)
        if engine.dialect.name == "postgresql":
            with engine.connect() as other:
                assert not _try_lock(other, KEY)  # the same number waits
                assert _try_lock(other, OTHER_KEY)  # another number does not
                session.commit()
                assert _try_lock(other, KEY)  # free once the holder ended
            with writers() as check:
                assert check.scalar(select(SmsTurn.turn).where(
                    SmsTurn.bucket == bucket_of(KEY))) == 2
            return
        # SQLite: the holder's write transaction holds the one write lock.
        path = make_url(str(engine.url)).database
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            session.commit()
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
        finally:
            other.close()


def test_taking_a_turn_in_a_reading_session_starts_writing(engine):
    """A deferred (reading) transaction is turned into a writer first (SQLite) so the lock is
    held from the first read; PostgreSQL needs no writer transaction."""
    with make_session_factory(engine)() as session:
        session.execute(text("SELECT 1"))
        take_turn(session, KEY)
        assert is_writing(session)
        session.rollback()


def test_buckets_spread_numbers_and_keep_none():
    numbers = [f"+4477009{n:05d}" for n in range(2000)]
    buckets = {bucket_of(number) for number in numbers}
    assert len(buckets) >= 1990  # a few share a bucket; they only wait for each other
    assert all(0 <= bucket < BUCKETS for bucket in buckets)
    assert bucket_of(KEY) == bucket_of(KEY)
