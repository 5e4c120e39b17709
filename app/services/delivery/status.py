"""What happened to an SMS after we handed it over: Twilio's status callbacks, applied safely.

Callbacks arrive unordered and duplicated (Twilio promises neither order nor uniqueness), so:
- each (MessageSid, status) is stored ONCE in message_status_events (a unique constraint, inserted
  in a SAVEPOINT, so a duplicate or a concurrent twin changes nothing);
- `Message.status` only moves FORWARD and the FIRST final state wins: once `delivered`,
  `undelivered` or `failed`, a later callback is stored as an event but never changes the row
  (GOV.UK Notify does the same). A late `failed` after `delivered` is therefore kept as
  evidence only;
- entering `undelivered`/`failed` calls `on_message_failed` exactly once, which hands an offer's
  failure to matching (the next volunteer is asked); error 21610 marks the number opted out.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.domain.enums import MessageStatus as S
from app.models.message import Message, MessageStatusEvent
from app.models.resident import Resident
from app.models.volunteer import Volunteer
from app.services.matching import offers

log = logging.getLogger(__name__)

UNSUBSCRIBED = 21610  # "Attempt to send to unsubscribed recipient": Twilio's opt-out signal
#: Forward order of outbound states; equal ranks do not replace each other.
RANK: dict[str, int] = {
    S.PENDING: 0,
    S.ACCEPTED: 1,
    S.QUEUED: 1,
    S.SENDING: 2,
    S.UNKNOWN: 2,
    S.SENT: 3,
    S.DELIVERED: 4,
    S.UNDELIVERED: 4,
    S.FAILED: 4,
    S.SUPPRESSED: 4,
}
FINAL = frozenset({S.DELIVERED, S.UNDELIVERED, S.FAILED, S.SUPPRESSED})
FAILED = frozenset({S.UNDELIVERED, S.FAILED})
#: Every MessageStatus Twilio's API defines; those not in RANK are stored as events only.
TWILIO_MESSAGE_STATUSES = frozenset(RANK) - {S.PENDING, S.UNKNOWN, S.SUPPRESSED} | {
    "receiving",
    "received",
    "scheduled",
    "read",
    "partially_delivered",
    "canceled",
}


class MalformedCallback(ValueError):
    """A callback we cannot act on (no MessageSid, unknown status): the webhook answers 400."""


@dataclass(frozen=True)
class MessageCallback:
    message_sid: str
    status: str
    error_code: int | None
    price: Decimal | None
    price_unit: str | None
    message_id: int | None  # from our own StatusCallback URL (?m=<id>)
    raw: dict[str, str]


def parse_message_callback(form: Mapping[str, str], query: Mapping[str, str]) -> MessageCallback:
    sid = (form.get("MessageSid") or form.get("SmsSid") or "").strip()
    status = (form.get("MessageStatus") or form.get("SmsStatus") or "").strip().lower()
    if not sid or len(sid) > 64:
        raise MalformedCallback("MessageSid is missing or too long")
    if status not in TWILIO_MESSAGE_STATUSES:
        raise MalformedCallback("unknown MessageStatus")
    hint = (query.get("m") or "").strip()
    keep = ("MessageSid", "MessageStatus", "ErrorCode", "Price", "PriceUnit", "RawDlrDoneDate")
    return MessageCallback(
        message_sid=sid,
        status=status,
        error_code=_int(form.get("ErrorCode")),
        price=_decimal(form.get("Price")),
        price_unit=(form.get("PriceUnit") or None),
        message_id=int(hint) if hint.isdigit() and len(hint) < 12 else None,
        raw={k: str(form[k])[:64] for k in keep if k in form},  # no To/From/Body: no PII
    )


def apply_message_callback(session: Session, cb: MessageCallback, now: datetime) -> list[int]:
    """Store the event once and move the message forward; returns outbox ids to enqueue."""
    event = MessageStatusEvent(
        message_sid=cb.message_sid,
        status=cb.status,
        error_code=cb.error_code,
        raw=cb.raw,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(event)
            session.flush()
    except IntegrityError:
        log.info("duplicate status callback %s for %s ignored", cb.status, cb.message_sid)
        return []
    message = _find_message(session, cb, now)
    if message is None:
        log.warning("status callback for unknown message %s", cb.message_sid)
        return []
    if cb.price is not None:
        message.price, message.price_unit = cb.price, cb.price_unit
    return advance(session, message, cb.status, now, error_code=cb.error_code)


def advance(
    session: Session,
    message: Message,
    status: str,
    now: datetime,
    *,
    error_code: int | None = None,
    error_message: str | None = None,
) -> list[int]:
    """Move `message` forward to `status` (never back, never out of a final state); on entering
    undelivered/failed run the failure hook once. Returns outbox ids to enqueue."""
    if status not in RANK or message.status in FINAL or RANK[status] <= RANK[message.status]:
        return []
    message.status = status
    message.status_updated_at = now
    if status in FAILED:
        message.error_code = error_code
        message.error_message = error_message
        return on_message_failed(session, message, now)
    return []


def on_message_failed(session: Session, message: Message, now: datetime) -> list[int]:
    """An outbound SMS will not arrive: record an opt-out (21610), tell matching about an offer.

    Called once per message (on its transition into undelivered/failed). Returns outbox ids.
    """
    if message.error_code == UNSUBSCRIBED and message.to_phone:
        mark_opted_out(session, message.to_phone, now)
    if message.offer_id is None:
        return []
    return offers.handle_offer_undelivered(session, message.offer_id, now)


def mark_opted_out(session: Session, e164: str, now: datetime) -> None:
    """Twilio said the number unsubscribed (21610): never send to it again."""
    for model in (Resident, Volunteer):
        session.execute(
            update(model)
            .where(model.phone == e164, model.opted_out.is_(False))
            .values(opted_out=True, opted_out_at=now)
            .execution_options(synchronize_session="fetch")
        )
    log.warning("a number was marked opted out after Twilio error 21610")


def _find_message(session: Session, cb: MessageCallback, now: datetime) -> Message | None:
    message = session.scalar(select(Message).where(Message.twilio_sid == cb.message_sid))
    if message is not None or cb.message_id is None:
        return message
    # The send's answer was lost ("maybe sent"): our ?m=<id> names the row, so adopt the SID.
    message = session.get(Message, cb.message_id)
    if message is None or message.direction != "outbound" or message.twilio_sid:
        return None
    message.twilio_sid = cb.message_sid
    message.sent_at = message.sent_at or now
    if message.status in {S.SENDING, S.UNKNOWN}:
        message.status = S.QUEUED  # Twilio has it: from here only callbacks move it on
    log.info("message %d reconciled from a status callback", message.id)
    return message


def _int(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def _decimal(raw: str | None) -> Decimal | None:
    try:
        value = Decimal((raw or "").strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() and abs(value) < 100000 else None
