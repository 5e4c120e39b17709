"""Fault test: the worker is SIGKILLed in the middle of a send and Redis restarts empty.

After a new worker starts and the sweeper runs, every case has been offered exactly once and
every offer SMS reached Twilio exactly once (the one caught mid-send is reconciled against
Twilio's message list, not resent).

Time is simulated the honest way: the sweeper only re-enqueues work whose job has been missing
for minutes (sweeper.STALE_ENQUEUE, sending.STALE_CLAIM), so the test moves the rows' stamps
back by ten minutes instead of sleeping.
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.models.base import utcnow
from app.models.case import Case
from app.models.message import Message
from app.models.volunteer import Offer
from app.runtime import Runtime
from app.settings import load_settings
from tests.fault.conftest import report
from tests.matching.e2e import World, wait_for
from workers import bootstrap

pytestmark = [pytest.mark.slow, pytest.mark.fault]
CASES = 8


def _age_everything(runtime: Runtime) -> None:
    """Pretend ten minutes passed for every unfinished row (see module docstring)."""
    past = utcnow() - timedelta(minutes=10)
    with runtime.session_factory() as session:
        session.execute(update(Case).where(Case.needs_matching.is_(True))
                        .values(matching_enqueued_at=past, updated_at=past))
        session.execute(update(Message).where(Message.status == "pending")
                        .values(send_enqueued_at=past, created_at=past))
        session.execute(update(Message).where(Message.status == "sending").values(sent_at=past))
        session.execute(update(Message).where(Message.status == "unknown")
                        .values(status_updated_at=past))
        session.commit()


def _all_done(runtime: Runtime) -> bool:
    with runtime.session_factory() as session:
        unmatched = session.scalar(select(func.count()).select_from(Case)
                                   .where(Case.status != "offered"))
        unsent = session.scalar(select(func.count()).select_from(Message).where(
            Message.purpose == "offer", Message.twilio_sid.is_(None)))
        offers = session.scalar(select(func.count()).select_from(Offer))
    return unmatched == 0 and unsent == 0 and offers == CASES


def test_killed_worker_and_restarted_redis_lose_nothing_and_send_nothing_twice(
        committed_env, fake_twilio, redis_process, spawn_worker) -> None:
    env = {**committed_env, "REDIS_URL": redis_process.url, "SMS_BACKEND": "twilio",
           "TWILIO_API_BASE_URL": fake_twilio.url, "OFFER_TIMEOUT_SECONDS": "900",
           "PUBLIC_BASE_URL": "https://help.example.org"}
    runtime = Runtime.build(load_settings(env))
    runtime.use_redis(redis_process.client())
    world = World(runtime, fake_twilio)
    slow_handle = fake_twilio.handle

    def slow(method, raw_path, headers, body):  # every send takes a second at "Twilio"
        if method == "POST":
            time.sleep(1.0)
        return slow_handle(method, raw_path, headers, body)

    fake_twilio.handle = slow
    for i in range(3):
        world.volunteer(f"Volunteer {i}", f"+4477009006{i:02d}", "WR1 3AA")
    worker = spawn_worker(env=env)
    case_ids = [world.open_case(phone=f"+4477009007{i:02d}") for i in range(CASES)]
    in_flight = wait_for(lambda: world.outbound(status="sending"), what="a send in flight")[0]
    os.killpg(worker.pid, signal.SIGKILL)  # worker, work-horse and scheduler, mid-send
    worker.wait()
    redis_process.restart()  # no persistence: every queued and scheduled job is gone
    spawn_worker(env=env)
    bootstrap.use_runtime(runtime)
    restarted = time.monotonic()
    try:
        deadline = time.monotonic() + 90
        while not _all_done(runtime) and time.monotonic() < deadline:
            _age_everything(runtime)
            from workers.maintenance import sweep

            sweep()
            time.sleep(2)
    finally:
        bootstrap.use_runtime(None)
    drained = time.monotonic() - restarted
    posts = Counter((r.get("To"), r.get("Body")) for r in fake_twilio.sends)
    report("worker-sigkill-mid-send+redis-restart", cases=CASES,
           lost=CASES - len([k for k in posts if "Reply YES" in (k[1] or "")]),
           duplicated=sum(n - 1 for n in posts.values()), drained_s=f"{drained:.1f}")
    assert _all_done(runtime), "some case or offer SMS never completed"
    with runtime.session_factory() as session:
        offers = list(session.scalars(select(Offer)))
        bodies = [m.body for m in session.scalars(select(Message).where(
            Message.purpose == "offer"))]
    assert sorted(o.case_id for o in offers) == sorted(case_ids)  # one offer per case
    assert {o.attempt for o in offers} == {1}
    posts = Counter((r.get("To"), r.get("Body")) for r in fake_twilio.sends)
    assert all(n == 1 for n in posts.values()), "an SMS reached Twilio twice"
    offer_posts = [key for key in posts if "Reply YES" in (key[1] or "")]
    assert sorted(b for _, b in offer_posts) == sorted(bodies)
    with runtime.session_factory() as session:  # the row caught mid-send was reconciled
        caught = session.get(Message, in_flight.id)
    assert caught.twilio_sid and posts[(caught.to_phone, caught.body)] == 1
