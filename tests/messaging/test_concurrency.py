"""Races on committed data, with real separate sessions (threads): the same outbox key queued at
once, and the same message delivered by several jobs at once (rq duplicate, sweeper + retry)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from app.adapters.record_sms import RecordingSmsSender
from app.models.base import utcnow
from app.models.message import Message
from app.services.delivery import sending
from app.services.messaging.outbox import queue_sms
from tests.messaging.conftest import VOLUNTEER_PHONE

THREADS = 8


def _all_at_once(fn):
    barrier = threading.Barrier(THREADS)

    def run(_):
        barrier.wait()
        return fn()

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(run, range(THREADS)))


@pytest.mark.slow
def test_the_same_key_queued_at_once_gives_one_row(committed_runtime):
    factory = committed_runtime.session_factory
    if committed_runtime.engine.dialect.name == "sqlite":
        pytest.skip("SQLite serialises writers per database; the race needs PostgreSQL")

    def queue():
        with factory() as session, session.begin():
            return queue_sms(
                session,
                to_phone=VOLUNTEER_PHONE,
                body="offer",
                purpose="offer",
                idempotency_key="race",
                now=utcnow(),
            ).id

    ids = _all_at_once(queue)
    assert len(set(ids)) == 1
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Message)) == 1


@pytest.mark.slow
def test_one_message_delivered_by_many_jobs_at_once_is_sent_once(committed_runtime):
    factory = committed_runtime.session_factory
    with factory() as session, session.begin():
        message_id = queue_sms(
            session, to_phone=VOLUNTEER_PHONE, body="offer", purpose="offer", idempotency_key="one",
            now=utcnow()
        ).id
    sender = RecordingSmsSender()
    outcomes = _all_at_once(lambda: sending.deliver(factory, sender, message_id, utcnow()).outcome)
    assert sorted(outcomes) == ["sent"] + ["skipped"] * (THREADS - 1)
    assert len(sender.sent) == 1
