"""The outbound SMS outbox: a `Message` row is written (and committed) before any job sends it.

Interface for every service that texts someone:

    queue_sms(session, *, to_phone: str, body: str, purpose: str, idempotency_key: str,
              now: datetime, case_id: int | None = None, volunteer_id: int | None = None,
              resident_id: int | None = None, offer_id: int | None = None) -> Message | None

writes one outbound `Message` row (status `pending`, segments counted) or returns the existing
row with the same idempotency_key; a row to an opted-out or non-UK-mobile number is stored as
`suppressed` and never sent. None only when there is no number at all (withheld/empty). The
caller commits, then calls

    enqueue_send(job_queue, message_ids: Iterable[int]) -> None

which enqueues workers.messaging.send_message for each (a lost enqueue is re-done by the sweeper).

The job calls `deliver(session_factory, sender, message_id, now)` (in delivery.sending,
not this module): claim, send outside any transaction, record; see that module for the
exactly-once and "maybe sent" policies.

Why an outbox: the DB is the source of truth (docs/reliability.md, 'Outbox'). The unique
idempotency_key means a retried webhook or job queues the same SMS once; the send job
(`delivery.sending`) claims the row before calling the provider, so no row is ever sent twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, time, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Select, String, bindparam, exists, or_, select
from sqlalchemy.orm import Session

from app.domain.enums import MessageDirection, MessageStatus
from app.domain.phone import ParsedPhone, PhoneKind, parse_phone
from app.domain.sms_segments import count_segments
from app.jobs import SEND_MESSAGE
from app.models.message import Message
from app.models.resident import Resident
from app.models.volunteer import Volunteer
from app.ports import JobQueue
from app.repositories.unique_rows import insert_unless_taken

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)

#: Twilio refuses longer bodies (error 21617); ours are templates, so longer is a bug.
MAX_BODY_CHARS = 1600
#: Twilio recommends at most 320 characters; longer is allowed but logged.
RECOMMENDED_MAX_CHARS = 320
#: Texts nobody asked for by texting us: a caller ID can be forged, so a stranger could make
#: us text any number (SMS pumping). Each number gets at most this many a day, this far apart.
UNSOLICITED_PURPOSES = frozenset({"resume", "case_reference"})
UNSOLICITED_PER_NUMBER_PER_DAY = 3
UNSOLICITED_COOL_DOWN = timedelta(minutes=10)


class MessageRefused(ValueError):
    """The body cannot be sent at all (empty or over 1,600 characters): a caller's bug."""


def queue_sms(
    session: Session,
    *,
    to_phone: str | None,
    body: str,
    purpose: str,
    idempotency_key: str,
    now: datetime,
    case_id: int | None = None,
    volunteer_id: int | None = None,
    resident_id: int | None = None,
    offer_id: int | None = None,
) -> Message | None:
    """Write (once per idempotency_key) the outbound row; see the module docstring."""
    if not idempotency_key:
        raise ValueError("queue_sms needs an idempotency_key")
    parsed = parse_phone(to_phone)
    refusal = _refusal(body)
    if refusal is not None or parsed.kind is PhoneKind.WITHHELD:
        # Only these paths look the key up first (the others insert and meet it as a
        # conflict): a row already queued under it is returned as it always was, whatever
        # this call's text or number.
        existing = _by_key(session, idempotency_key)
        if existing is not None:
            return existing
        if refusal is not None:
            raise MessageRefused(refusal)
        log.info("not queuing %s SMS (%s): no number to send to", purpose, idempotency_key)
        return None
    encoding, segments, _length = count_segments(body)
    if len(body) > RECOMMENDED_MAX_CHARS:
        log.warning(
            "%s SMS %s is %d characters (%d segments)",
            purpose,
            idempotency_key,
            len(body),
            segments,
        )
    values: dict[str, Any] = {
        "direction": MessageDirection.OUTBOUND,
        "purpose": purpose,
        "to_phone": parsed.e164 if parsed.is_number else None,
        "body": body,
        "idempotency_key": idempotency_key,
        "status": MessageStatus.PENDING,
        "segments": segments,
        "encoding": encoding,
        "case_id": case_id,
        "volunteer_id": volunteer_id,
        "resident_id": resident_id,
        "offer_id": offer_id,
        "created_at": now,
        "updated_at": now,
    }
    reason = suppression_reason(session, to_phone)
    if reason is None and purpose in UNSOLICITED_PURPOSES and values["to_phone"]:
        reason = unsolicited_limit_reason(session, values["to_phone"], now)
    if reason:
        values.update(status=MessageStatus.SUPPRESSED, error_message=f"suppressed: {reason}",
                      status_updated_at=now)
    message = insert_unless_taken(session, Message, values, [Message.idempotency_key])
    if message is None:  # queued before (a retry), or by a concurrent writer that got in first
        return _existing(session, idempotency_key)
    if reason:
        log.info("%s SMS %s suppressed: %s", purpose, idempotency_key, reason)
    return message


def _refusal(body: str) -> str | None:
    """Why `body` can never be sent as an SMS, or None."""
    if not body or not body.strip():
        return "an SMS body cannot be empty"
    if len(body) > MAX_BODY_CHARS:
        return f"an SMS body cannot exceed {MAX_BODY_CHARS} characters"
    return None


def suppression_reason(session: Session, to_phone: str | None, *,
                       opted_out: bool | None = None) -> str | None:
    """Why an SMS to this number must never leave (toll fraud, opt-out), or None to send it.

    `opted_out`: whether `to_phone` opted out, when the caller read that already with the rest
    of what it needed (the SMS turn, the send's claim): no query then. It is trusted only when
    `to_phone` is the number's E.164 form, the form opt-outs are kept under."""
    parsed = parse_phone(to_phone)
    reason = _number_reason(parsed)
    if reason is not None:
        return reason
    if opted_out is None or parsed.e164 != to_phone:
        opted_out = is_opted_out(session, parsed.e164)
    return "opted out" if opted_out else None


def _number_reason(parsed: ParsedPhone) -> str | None:
    if not parsed.is_number:
        return "not a phone number"
    if parsed.region != "GB" or not parsed.e164.startswith("+44"):
        return "not a UK number"
    if not parsed.mobile:
        return "not a mobile number"
    return None


def unsolicited_limit_reason(session: Session, e164: str, now: datetime) -> str | None:
    """Why one more unsolicited text to this number must not be sent now, or None."""
    day_start = datetime.combine(now.date(), time(0), tzinfo=now.tzinfo)
    recent = session.scalars(
        select(Message.created_at).where(
            Message.direction == MessageDirection.OUTBOUND, Message.to_phone == e164,
            Message.purpose.in_(sorted(UNSOLICITED_PURPOSES)),
            Message.status != MessageStatus.SUPPRESSED, Message.created_at >= day_start,
        ).order_by(Message.created_at.desc())
    ).all()
    if len(recent) >= UNSOLICITED_PER_NUMBER_PER_DAY:
        return "per-number daily limit for unsolicited texts"
    if recent and now - recent[0] < UNSOLICITED_COOL_DOWN:
        return "per-number cool-down for unsolicited texts"
    return None


def is_opted_out(session: Session, e164: str) -> bool:
    """True when a resident or a volunteer with this number has opted out (STOP or 21610).

    One statement for both tables: every SMS reply and every send asks this.
    """
    return bool(session.scalar(_opted_out_statement(), {"e164": e164}))


@cache
def _opted_out_statement() -> Select[tuple[bool]]:
    """`is_opted_out`'s SELECT, built once (the number is a parameter)."""
    return select(opted_out_clause(bindparam("e164", type_=String())))


def opted_out_clause(e164: Any) -> ColumnElement[bool]:
    """The SQL truth of `is_opted_out` (`e164` may be a bound parameter)."""
    return or_(*(exists().where(model.phone == e164, model.opted_out.is_(True))
                 for model in (Resident, Volunteer)))


def enqueue_send(job_queue: JobQueue, message_ids: Iterable[int]) -> None:
    """Enqueue the send job for each row, after the caller has committed them.

    A failed enqueue (Redis down) is only logged: the row stays `pending` and the sweeper
    re-enqueues it, so nothing is lost and nothing is sent twice (the job claims the row).
    """
    for message_id in message_ids:
        enqueue_attempt(job_queue, message_id)


def enqueue_attempt(
    job_queue: JobQueue, message_id: int, *, attempt: int = 0, delay_seconds: int | None = None
) -> bool:
    """Enqueue one send; a retry gets its own job id (rq keeps a finished id for result_ttl)."""
    job_id = f"send-message-{message_id}" + (f"-retry-{attempt}" if attempt else "")
    ok = job_queue.enqueue(
        SEND_MESSAGE.func, message_id, job_id=job_id, queue=SEND_MESSAGE.queue,
        delay_seconds=delay_seconds
    )
    if not ok:
        log.warning("send of message %d not enqueued; the sweeper will retry", message_id)
    return ok


def mark_enqueued(session: Session, message_ids: Iterable[int], now: datetime) -> None:
    """Stamp send_enqueued_at (the sweeper uses it to find rows whose job was lost)."""
    for message in session.scalars(select(Message).where(Message.id.in_(list(message_ids)))):
        message.send_enqueued_at = now



def _by_key(session: Session, key: str) -> Message | None:
    return session.scalar(select(Message).where(Message.idempotency_key == key))


def _existing(session: Session, key: str) -> Message:
    """The row that holds `key`, which an insert just found taken."""
    existing = _by_key(session, key)
    if existing is None:  # cannot happen: the conflict was on this very key
        raise RuntimeError(f"outbox key {key!r} conflicts but is absent")
    return existing
