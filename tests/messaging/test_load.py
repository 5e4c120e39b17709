"""Outbound burst against a rate-limited, failing fake Twilio.

200 messages, 8 concurrent senders, Twilio's concurrency limit at 2 (429 above it), plus 10 %
random 429s, 10 % 500s and 5 % connections dropped after the message was created. Backoff
delays are scaled down (1 s -> 4 ms) so the run takes seconds. Bar: every message sent exactly
once (0 lost, 0 duplicates). The figures are printed (`pytest -s`) for the README.
"""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.adapters.twilio.sms_sender import TwilioSmsSender
from app.models.base import utcnow
from app.models.message import Message
from app.services.delivery import sending
from app.services.messaging.outbox import queue_sms

N_MESSAGES = 200
SENDERS = 8
TIME_SCALE = 0.004


def _drive(session_factory, sender, message_id: int) -> tuple[str, int]:
    """What the rq jobs do for one message: deliver, retry after backoff, reconcile."""
    result = sending.deliver(session_factory, sender, message_id, utcnow())
    for calls in range(1, 50):
        if result.outcome == "retry":
            time.sleep(result.retry_in * TIME_SCALE)
            result = sending.deliver(session_factory, sender, message_id, utcnow())
        elif result.outcome == "unknown":
            time.sleep(result.reconcile_in * TIME_SCALE)
            result = sending.reconcile(session_factory, sender, message_id, utcnow())
        else:
            return result.outcome, calls
    return "gave up", 50


@pytest.mark.slow
@pytest.mark.fault
def test_burst_with_429_5xx_and_drops_sends_each_message_once(
    monkeypatch, committed_runtime, fake_twilio, twilio_settings
):
    # The fake's message list is consistent at once (Twilio's may lag), so its absence can be
    # trusted without the production delay; backoff waits are scaled down instead.
    monkeypatch.setattr(sending, "RECONCILE_DELAY_SECONDS", 0)
    session_factory = committed_runtime.session_factory
    with session_factory() as session, session.begin():
        ids = [
            queue_sms(
                session,
                to_phone=f"+447700900{i:03d}",
                body=f"Offer {i}: reply YES",
                purpose="offer",
                idempotency_key=f"load:{i}",
                now=utcnow(),
            ).id
            for i in range(N_MESSAGES)
        ]
    sender = TwilioSmsSender(
        account_sid=twilio_settings.twilio_account_sid,
        auth_token=twilio_settings.twilio_auth_token,
        from_number=twilio_settings.twilio_phone_number,
        api_base_url=fake_twilio.url,
        public_base_url=twilio_settings.public_base_url,
        timeout=5.0,
    )
    fake_twilio.max_concurrent, fake_twilio.latency = 2, 0.005
    fake_twilio.chaos(seed=20429, p429=0.10, p500=0.10, pdrop=0.05)
    started = time.monotonic()
    with ThreadPoolExecutor(SENDERS) as pool:
        results = list(pool.map(lambda i: _drive(session_factory, sender, i), ids))
    elapsed = time.monotonic() - started

    with session_factory() as session:
        rows = session.query(Message).filter(Message.id.in_(ids)).all()
        statuses = Counter(r.status for r in rows)
        attempts = [r.attempts for r in rows]
        sids = {r.twilio_sid for r in rows}
    per_number = Counter(m["to"] for m in fake_twilio.messages.values())
    print(
        f"\noutbound burst: {N_MESSAGES} messages in {elapsed:.2f} s; statuses {dict(statuses)}; "
        f"Twilio answers: 201={fake_twilio.count('201')} 429={fake_twilio.count('429')} "
        f"500={fake_twilio.count('500')} dropped={fake_twilio.count('drop')}; "
        f"peak concurrent requests {fake_twilio.peak_in_flight}; attempts mean "
        f"{sum(attempts) / len(attempts):.2f} max {max(attempts)}; duplicates "
        f"{sum(n - 1 for n in per_number.values())}"
    )
    assert Counter(outcome for outcome, _ in results) <= Counter(
        {"sent": N_MESSAGES, "reconciled": N_MESSAGES}
    )
    assert statuses == {"queued": N_MESSAGES}  # 0 lost
    assert len(per_number) == N_MESSAGES and set(per_number.values()) == {1}  # 0 duplicates
    assert sids == set(fake_twilio.messages)
    assert fake_twilio.count("429") > 0 and fake_twilio.count("drop") > 0
