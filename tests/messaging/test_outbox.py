"""queue_sms: one row per idempotency key, suppression (UK mobiles only, opt-out), enqueue_send."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.domain.enums import MessageStatus
from app.models.message import Message
from app.services.messaging.outbox import MessageRefused, enqueue_send, queue_sms
from tests.messaging.conftest import RESIDENT_PHONE, VOLUNTEER_PHONE

#: Any fixed moment: queueing does not depend on the day.
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Message))


def test_queue_sms_writes_a_pending_row_with_segments(db_session):
    message = queue_sms(
        db_session, to_phone="07700 900123", body="Hello ŵ", purpose="reply", idempotency_key="t:1",
        now=NOW
    )
    assert message.id is not None
    assert message.status == MessageStatus.PENDING
    assert message.to_phone == VOLUNTEER_PHONE  # normalised to E.164
    assert (message.encoding, message.segments) == ("UCS-2", 1)
    assert message.direction == "outbound"


def test_same_key_twice_gives_one_row(db_session):
    first = queue_sms(
        db_session, to_phone=VOLUNTEER_PHONE, body="one", purpose="reply",
        idempotency_key="offer:1", now=NOW
    )
    again = queue_sms(
        db_session,
        to_phone=VOLUNTEER_PHONE,
        body="changed",
        purpose="reply",
        idempotency_key="offer:1",
        now=NOW,
    )
    assert again.id == first.id and again.body == "one"
    assert _count(db_session) == 1


def test_a_concurrent_insert_of_the_same_key_returns_the_winner(db_session, monkeypatch):
    # queue_sms does not look the key up before inserting: its INSERT ... ON CONFLICT DO
    # NOTHING finds the key taken (here by a row it never saw, as when another transaction
    # commits it first), inserts nothing and raises nothing, and the winner's row is returned
    # by the one lookup that follows. (tests/messaging/test_concurrency.py runs the real race
    # on PostgreSQL.)
    from app.services.messaging import outbox

    winner = Message(
        direction="outbound",
        to_phone=VOLUNTEER_PHONE,
        body="first",
        idempotency_key="race:1",
        status="pending",
    )
    db_session.add(winner)
    db_session.flush()
    lookups = []
    real_lookup = outbox._by_key

    def counted_lookup(session, key):
        lookups.append(key)
        return real_lookup(session, key)

    monkeypatch.setattr(outbox, "_by_key", counted_lookup)
    row = queue_sms(
        db_session,
        to_phone=VOLUNTEER_PHONE,
        body="second",
        purpose="reply",
        idempotency_key="race:1",
        now=NOW,
    )
    assert row.id == winner.id and row.body == "first"
    assert lookups == ["race:1"]
    assert _count(db_session) == 1


@pytest.mark.parametrize(
    ("phone", "reason"),
    [
        ("+15005550006", "not a UK number"),  # Twilio magic number (US)
        ("+33612345678", "not a UK number"),  # French mobile
        ("01632 960123", "not a mobile number"),  # UK drama landline
        ("+441632960000", "not a mobile number"),
        ("not a number", "not a phone number"),
        ("+447000123456", "not a mobile number"),  # 070: personal numbering, not a mobile
    ],
)
def test_non_uk_mobile_numbers_are_suppressed(db_session, phone, reason):
    message = queue_sms(
        db_session, to_phone=phone, body="hi", purpose="reply", idempotency_key=f"s:{phone}",
        now=NOW
    )
    assert message.status == MessageStatus.SUPPRESSED
    assert message.error_message == f"suppressed: {reason}"


def test_opted_out_volunteer_and_resident_are_suppressed(db_session, volunteer, resident):
    volunteer.opted_out = True
    resident.opted_out = True
    db_session.flush()
    for key, phone in (("v", VOLUNTEER_PHONE), ("r", RESIDENT_PHONE)):
        message = queue_sms(
            db_session, to_phone=phone, body="hi", purpose="offer", idempotency_key=key,
            now=NOW
        )
        assert message.status == MessageStatus.SUPPRESSED
        assert message.error_message == "suppressed: opted out"


def test_opted_in_numbers_are_queued(db_session, volunteer):
    message = queue_sms(
        db_session, to_phone=VOLUNTEER_PHONE, body="hi", purpose="offer", idempotency_key="ok",
        now=NOW
    )
    assert message.status == MessageStatus.PENDING


def test_withheld_number_queues_nothing(db_session):
    assert (
        queue_sms(db_session, to_phone="anonymous", body="hi", purpose="reply", idempotency_key="w",
        now=NOW)
        is None
    )
    assert (
        queue_sms(db_session, to_phone=None, body="hi", purpose="reply", idempotency_key="w2",
        now=NOW)
        is None
    )
    assert _count(db_session) == 0


def test_body_limits(db_session, caplog):
    with pytest.raises(MessageRefused):
        queue_sms(
            db_session,
            to_phone=VOLUNTEER_PHONE,
            body="a" * 1601,
            purpose="reply",
            idempotency_key="long",
            now=NOW,
        )
    with pytest.raises(MessageRefused):
        queue_sms(
            db_session,
            to_phone=VOLUNTEER_PHONE,
            body="  ",
            purpose="reply",
            idempotency_key="empty",
            now=NOW,
        )
    caplog.set_level(logging.WARNING)
    message = queue_sms(
        db_session,
        to_phone=VOLUNTEER_PHONE,
        body="a" * 1600,
        purpose="reply",
        idempotency_key="max",
        now=NOW,
    )
    assert message.segments == 11
    assert "1600 characters" in caplog.text and "+447700" not in caplog.text
    with pytest.raises(ValueError):
        queue_sms(
            db_session, to_phone=VOLUNTEER_PHONE, body="x", purpose="reply", idempotency_key="",
            now=NOW
        )


def test_enqueue_send_uses_unique_job_ids_and_ids_only(recording_queue):
    enqueue_send(recording_queue, [3, 4])
    assert recording_queue.jobs == [
        ("workers.messaging.send_message", (3,), "send-message-3", "messages", None),
        ("workers.messaging.send_message", (4,), "send-message-4", "messages", None),
    ]


def test_enqueue_send_survives_redis_down(recording_queue, caplog):
    recording_queue.up = False
    enqueue_send(recording_queue, [5])  # logged, not raised: the sweeper re-enqueues
    assert "sweeper" in caplog.text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+447700900123", ("pending", VOLUNTEER_PHONE)),
        ("07700 900123", ("pending", VOLUNTEER_PHONE)),
        ("+44 (0)7700-900123", ("pending", VOLUNTEER_PHONE)),
        ("0044 7700 900123", ("pending", VOLUNTEER_PHONE)),
        ("+15005550006", ("suppressed", "+15005550006")),
        ("COUNCIL", ("suppressed", None)),
        ("anonymous", None),
        ("client:alice", None),
        ("", None),
    ],
)
def test_phone_formats(db_session, raw, expected):
    """Every format is normalised or classed, and only UK mobiles are sent."""
    message = queue_sms(
        db_session, to_phone=raw, body="hi", purpose="reply", idempotency_key=f"format:{raw}",
        now=NOW
    )
    assert (None if message is None else (message.status, message.to_phone)) == expected
