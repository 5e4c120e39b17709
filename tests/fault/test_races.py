"""Races between Twilio's own requests, on committed data with real separate sessions."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from app.models.base import utcnow
from app.models.message import Call
from app.services.conversations.calls import record_call_status
from app.services.conversations.voice import call_for

pytestmark = [pytest.mark.slow, pytest.mark.fault]
THREADS = 8


def test_status_callbacks_racing_the_voice_webhook_store_one_call(committed_runtime) -> None:
    """Half the threads are the voice webhook, half the call's status callbacks, all for a call
    nobody has stored yet: none fails, one row, with the caller's number and final status."""
    barrier = threading.Barrier(THREADS)
    settings = committed_runtime.settings
    sid = "CA" + "7" * 32

    def arrive(n: int) -> str:
        barrier.wait()
        with committed_runtime.write_session_factory() as session:
            if n % 2:
                call_for(session, sid, "+447700900777", "+441632960000", settings, utcnow())
            else:
                record_call_status(session, call_sid=sid, status="completed", duration=30,
                                   price=None, price_unit=None, now=utcnow(),
                                   flows_dir=settings.flows_dir)
            session.commit()
        return "ok"

    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = list(pool.map(arrive, range(THREADS)))
    assert outcomes == ["ok"] * THREADS
    with committed_runtime.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Call)) == 1
        call = session.scalar(select(Call))
    assert (call.from_phone, call.status) == ("+447700900777", "completed")
