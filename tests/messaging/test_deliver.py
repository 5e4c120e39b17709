"""deliver() with the REAL twilio client against the fake Twilio server: a killed worker, 5xx,
429 and 21610.

Every test also proves the client's requests match Twilio's OpenAPI description (the
`fake_twilio` fixture fails the test at teardown otherwise).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.domain.enums import MessageStatus
from app.models.base import utcnow
from app.models.message import Message
from app.services.delivery import sending
from app.services.delivery.sending import deliver
from app.services.messaging.outbox import queue_sms
from tests.messaging.conftest import VOLUNTEER_PHONE

pytestmark = pytest.mark.clock


def _queue(db_session, key: str = "k1", body: str = "Can you help? Reply YES or NO") -> int:
    message = queue_sms(
        db_session, to_phone=VOLUNTEER_PHONE, body=body, purpose="offer", idempotency_key=key,
        now=utcnow()
    )
    db_session.commit()
    return message.id


def _row(db_session, message_id: int) -> Message:
    db_session.expire_all()
    return db_session.get(Message, message_id)


def test_201_stores_the_sid_and_never_sends_twice(
    db_session, session_factory, twilio_sender, fake_twilio
):
    message_id = _queue(db_session)
    result = deliver(session_factory, twilio_sender, message_id, utcnow())
    assert result.outcome == "sent"
    row = _row(db_session, message_id)
    assert row.twilio_sid in fake_twilio.messages
    assert (row.status, row.attempts, row.segments) == ("queued", 1, 1)
    sent = fake_twilio.sends[0]
    assert sent.get("To") == VOLUNTEER_PHONE and sent.get("From") == "+441632960000"
    assert sent.get("StatusCallback") == f"https://help.example.org/twilio/status?m={message_id}"
    again = deliver(session_factory, twilio_sender, message_id, utcnow())
    assert again.outcome == "skipped"
    assert len(fake_twilio.sends) == 1


@pytest.mark.parametrize("code", [21211, 21614, 21408, 21612])
def test_permanent_errors_fail_with_the_code_and_no_retry(
    db_session, session_factory, twilio_sender, fake_twilio, code
):
    message_id = _queue(db_session)
    fake_twilio.script(code)
    result = deliver(session_factory, twilio_sender, message_id, utcnow())
    assert (result.outcome, result.retry_in, result.reconcile_in) == ("failed", None, None)
    row = _row(db_session, message_id)
    assert (row.status, row.error_code) == ("failed", code)
    assert deliver(session_factory, twilio_sender, message_id, utcnow()).outcome == "skipped"
    assert len(fake_twilio.sends) == 1


def test_21610_marks_the_volunteer_opted_out_and_never_retries(
    db_session, session_factory, twilio_sender, fake_twilio, volunteer
):
    message_id = _queue(db_session)
    fake_twilio.script(21610)
    result = deliver(session_factory, twilio_sender, message_id, utcnow())
    assert result.outcome == "failed" and result.retry_in is None
    db_session.expire_all()
    assert volunteer.opted_out is True and volunteer.opted_out_at is not None
    later = queue_sms(
        db_session,
        to_phone=VOLUNTEER_PHONE,
        body="next offer",
        purpose="offer",
        idempotency_key="k2",
        now=utcnow(),
    )
    assert later.status == MessageStatus.SUPPRESSED
    assert len(fake_twilio.sends) == 1


def test_429_then_201_is_sent_exactly_once(db_session, session_factory, twilio_sender, fake_twilio):
    message_id = _queue(db_session)
    fake_twilio.script(20429, 20429)
    delays = []
    for _ in range(2):
        result = deliver(session_factory, twilio_sender, message_id, utcnow())
        assert result.outcome == "retry" and result.retry_in >= 1
        assert _row(db_session, message_id).status == "pending"
        delays.append(result.retry_in)
    assert deliver(session_factory, twilio_sender, message_id, utcnow()).outcome == "sent"
    assert len(fake_twilio.messages) == 1  # three requests, one message created
    row = _row(db_session, message_id)
    assert (row.status, row.attempts, row.error_code) == ("queued", 3, None)


def test_429_retry_budget_is_bounded(db_session, session_factory, twilio_sender, fake_twilio):
    message_id = _queue(db_session)
    fake_twilio.script(*[20429] * sending.MAX_ATTEMPTS)
    outcomes = [
        deliver(session_factory, twilio_sender, message_id, utcnow()).outcome
        for _ in range(sending.MAX_ATTEMPTS)
    ]
    assert outcomes == ["retry"] * (sending.MAX_ATTEMPTS - 1) + ["failed"]
    assert (_row(db_session, message_id).error_code) == 20429


def test_backoff_is_exponential_with_jitter_and_capped():
    import random

    rng = random.Random(1)
    for attempt, base in ((1, 5), (2, 10), (3, 20), (10, 300)):
        values = {sending.backoff_seconds(attempt, rng) for _ in range(50)}
        assert min(values) >= base * 0.5 - 1 and max(values) <= base * 1.5 + 1
        assert len(values) > 1  # jittered


def test_500_is_maybe_sent_never_resent_blindly_then_reconciled(
    db_session, session_factory, twilio_sender, fake_twilio
):
    message_id = _queue(db_session)
    fake_twilio.script(20500)
    result = deliver(session_factory, twilio_sender, message_id, utcnow())
    assert (result.outcome, result.reconcile_in) == ("unknown", sending.RECONCILE_DELAY_SECONDS)
    assert _row(db_session, message_id).status == "unknown"
    # A re-run (rq retry, sweeper) does not send: it asks for a reconcile instead.
    rerun = deliver(session_factory, twilio_sender, message_id, utcnow())
    assert rerun.outcome == "unknown" and len(fake_twilio.sends) == 1
    # Twilio's list has no such message: too early to trust that, so ask again later...
    early = sending.reconcile(session_factory, twilio_sender, message_id, utcnow())
    assert early.outcome == "unknown" and 0 < early.reconcile_in <= sending.RECONCILE_DELAY_SECONDS
    # ...and after the delay its absence means this 500 created nothing: only now resend.
    later = utcnow() + timedelta(seconds=sending.RECONCILE_DELAY_SECONDS)
    checked = sending.reconcile(session_factory, twilio_sender, message_id, later)
    assert checked.outcome == "retry"
    assert deliver(session_factory, twilio_sender, message_id, utcnow()).outcome == "sent"
    assert len(fake_twilio.messages) == 1 and len(fake_twilio.sends) == 2


def test_connection_dropped_after_sending_is_reconciled_not_resent(
    db_session, session_factory, twilio_sender, fake_twilio
):
    message_id = _queue(db_session)
    fake_twilio.script("drop")  # Twilio created the message, the answer never arrived
    assert deliver(session_factory, twilio_sender, message_id, utcnow()).outcome == "unknown"
    checked = sending.reconcile(session_factory, twilio_sender, message_id, utcnow())
    assert checked.outcome == "reconciled"
    row = _row(db_session, message_id)
    assert row.twilio_sid in fake_twilio.messages and row.status == "queued"
    assert deliver(session_factory, twilio_sender, message_id, utcnow()).outcome == "skipped"
    assert len(fake_twilio.sends) == 1 and len(fake_twilio.messages) == 1


@pytest.mark.parametrize("status", ["queued", "accepted"])
def test_a_message_twilio_still_holds_unsent_is_found_not_resent(
    db_session, session_factory, twilio_sender, fake_twilio, status
):
    """Twilio took the message but holds it (queued, accepted): no DateSent yet. Reconciling
    finds it by recipient and creation time and adopts it; nothing goes out twice, even after
    the reconcile delay has passed."""
    message_id = _queue(db_session)
    fake_twilio.script("drop")
    assert deliver(session_factory, twilio_sender, message_id, utcnow()).outcome == "unknown"
    [held] = fake_twilio.messages.values()
    held["status"], held["date_sent"] = status, None
    later = utcnow() + timedelta(hours=1)  # absence would now be trusted: it must be found
    assert sending.reconcile(session_factory, twilio_sender, message_id, later).outcome == (
        "reconciled")
    assert _row(db_session, message_id).twilio_sid == held["sid"]
    assert len(fake_twilio.sends) == 1


def test_smart_encoding_does_not_hide_a_sent_message(
    db_session, session_factory, twilio_sender, fake_twilio
):
    """Twilio stores the Smart-Encoded body (curly quotes and long dashes made plain): the
    maybe-sent row still matches it and is not sent again."""
    fake_twilio.smart_encoding = True
    message_id = _queue(db_session, "smart", body="Can you help Ann\u2019s \u201cshop\u201d "
                                                  "\u2014 today? Reply YES or NO")
    fake_twilio.script("drop")
    assert deliver(session_factory, twilio_sender, message_id, utcnow()).outcome == "unknown"
    later = utcnow() + timedelta(hours=1)
    assert sending.reconcile(session_factory, twilio_sender, message_id, later).outcome == (
        "reconciled")
    assert len(fake_twilio.sends) == 1


class WorkerKilled(BaseException):
    """Stands in for SIGKILL: not an Exception, so nothing in deliver() catches it."""


class DiesAfterProviderAccepts:
    def __init__(self, sender):
        self.sender = sender

    def send(self, *args, **kwargs):
        self.sender.send(*args, **kwargs)  # Twilio accepted and created the message...
        raise WorkerKilled  # ...and the worker died before recording it

    def lookup(self, *args, **kwargs):
        return self.sender.lookup(*args, **kwargs)


def test_worker_killed_after_twilio_accepted_does_not_send_again(
    db_session, session_factory, twilio_sender, fake_twilio
):
    """A worker killed mid-send: the claim is committed before the provider call."""
    message_id = _queue(db_session)
    start = utcnow()
    with pytest.raises(WorkerKilled):
        deliver(session_factory, DiesAfterProviderAccepts(twilio_sender), message_id, start)
    assert _row(db_session, message_id).status == "sending"
    # rq retries the abandoned job at once, or the sweeper re-runs it: the claim stops both.
    assert deliver(session_factory, twilio_sender, message_id, start).outcome == "skipped"
    # Once the claim is stale the row is treated as "maybe sent" and reconciled.
    later = start + sending.STALE_CLAIM + timedelta(seconds=1)
    assert deliver(session_factory, twilio_sender, message_id, later).outcome == "unknown"
    assert sending.reconcile(session_factory, twilio_sender, message_id, later).outcome == (
        "reconciled"
    )
    assert len(fake_twilio.sends) == 1
    assert _row(db_session, message_id).twilio_sid in fake_twilio.messages


def test_opt_out_after_queueing_suppresses_at_send_time(
    db_session, session_factory, twilio_sender, fake_twilio, volunteer
):
    message_id = _queue(db_session)
    volunteer.opted_out = True
    db_session.commit()
    assert deliver(session_factory, twilio_sender, message_id, utcnow()).outcome == "suppressed"
    assert _row(db_session, message_id).error_message == "suppressed: opted out"
    assert fake_twilio.sends == []


def _queue_as(db_session, purpose: str, key: str, body: str = "A short text") -> int:
    message = queue_sms(db_session, to_phone=VOLUNTEER_PHONE, body=body, purpose=purpose,
                        idempotency_key=key, now=utcnow())
    db_session.commit()
    return message.id


def test_daily_budget_counts_segments_defers_and_logs_loudly(
    db_session, session_factory, twilio_sender, fake_twilio, caplog
):
    long_text = "x" * 300  # two segments
    first = _queue_as(db_session, "signpost", "a", long_text)
    second = _queue_as(db_session, "signpost", "b")
    now = utcnow()
    # Budget 12: 10% (1 segment) kept for offers, so plain texts may use 11 segments.
    assert deliver(session_factory, twilio_sender, first, now, daily_cap=12).outcome == "sent"
    assert _row(db_session, first).segments == 2
    assert deliver(session_factory, twilio_sender, second, now, daily_cap=2).outcome == "deferred"
    held = _row(db_session, second)
    assert held.status == "pending" and held.error_message.startswith("deferred")
    assert any(r.levelname == "ERROR" and "budget" in r.getMessage() for r in caplog.records)
    # The next day the same row goes out: deferred, never dropped.
    tomorrow = now + timedelta(days=1)
    assert deliver(session_factory, twilio_sender, second, tomorrow, daily_cap=2).outcome == "sent"
    assert len(fake_twilio.sends) == 2


def test_offers_use_the_reserve_and_safety_alerts_are_never_held(
    db_session, session_factory, twilio_sender, fake_twilio
):
    now = utcnow()
    ids = {purpose: _queue_as(db_session, purpose, f"k-{purpose}")
           for purpose in ("signpost", "offer", "resume", "safeguarding_alert")}
    # Budget 10 (1 reserved): the plain text uses 1, and a full day is simulated below.
    assert deliver(session_factory, twilio_sender, ids["signpost"], now,
                   daily_cap=10).outcome == "sent"
    db_session.get(Message, ids["signpost"]).segments = 9  # as if 9 segments had gone today
    db_session.commit()
    assert deliver(session_factory, twilio_sender, ids["resume"], now,
                   daily_cap=10).outcome == "deferred"
    assert deliver(session_factory, twilio_sender, ids["offer"], now,
                   daily_cap=10).outcome == "sent"  # the reserve
    assert deliver(session_factory, twilio_sender, ids["safeguarding_alert"], now,
                   daily_cap=10).outcome == "sent"  # over the whole budget, still sent


def test_record_backend_sends_nothing_and_marks_sent(db_session, session_factory):
    from app.adapters.record_sms import RecordingSmsSender

    message_id = _queue(db_session)
    sender = RecordingSmsSender()
    assert deliver(session_factory, sender, message_id, utcnow()).outcome == "sent"
    row = _row(db_session, message_id)
    assert row.status == "sent" and row.twilio_sid.startswith("SMrec") and len(row.twilio_sid) == 34
    assert list(sender.sent) == [(VOLUNTEER_PHONE, row.body)]


def test_reconcile_never_adopts_the_sid_of_another_row(
    db_session, session_factory, twilio_sender, fake_twilio
):
    """Two identical texts to one number: the maybe-sent one gets its own SID, not the first's."""
    first = _queue(db_session, "same-1", body="Reply YES to help")
    second = _queue(db_session, "same-2", body="Reply YES to help")
    assert deliver(session_factory, twilio_sender, first, utcnow()).outcome == "sent"
    fake_twilio.script("drop")
    assert deliver(session_factory, twilio_sender, second, utcnow()).outcome == "unknown"
    assert sending.reconcile(session_factory, twilio_sender, second, utcnow()).outcome == (
        "reconciled"
    )
    sids = {_row(db_session, first).twilio_sid, _row(db_session, second).twilio_sid}
    assert sids == set(fake_twilio.messages) and len(sids) == 2


def test_a_refused_offer_sms_is_handed_to_matching(
    db_session, session_factory, twilio_sender, fake_twilio, offer_id, matching_spy
):
    """21610 on an offer -> opted out, no retry, matching moves to the next volunteer,
    and the SMS matching queued for that is returned for enqueueing."""
    message = queue_sms(
        db_session,
        to_phone=VOLUNTEER_PHONE,
        body="Offer",
        purpose="offer",
        idempotency_key="offer-x",
        offer_id=offer_id,
        now=utcnow(),
    )
    db_session.commit()
    fake_twilio.script(21610)
    result = deliver(session_factory, twilio_sender, message.id, utcnow())
    assert (result.outcome, result.message_ids, result.retry_in) == ("failed", [987], None)
    assert matching_spy == [offer_id]
    # A re-run (duplicate job, rq's false abandon) changes nothing and calls matching no more.
    assert deliver(session_factory, twilio_sender, message.id, utcnow()).outcome == "skipped"
    assert matching_spy == [offer_id] and len(fake_twilio.sends) == 1
