"""Sending one outbox row, exactly once: claim, call the provider outside any transaction, record.

    deliver(session_factory, sender, message_id, now, *, daily_cap=2000) -> Delivery
    reconcile(session_factory, sender, message_id, now) -> Delivery

Why it cannot send a row twice (see also docs/reliability.md, 'Sending'):
1. CLAIM in a short transaction: the row is locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite
   serialises writers) and only a `pending` row moves to `sending` (attempts + 1, sent_at = now).
   Commit. Any other job for the same row now sees `sending` and stops.
2. CALL the provider with no transaction open (a slow Twilio never holds a lock or a connection).
3. RECORD the answer in a second short transaction.
If the worker dies between 2 and 3, the row stays `sending`: a re-run (rq retry, the sweeper)
does NOT send again; once the claim is older than STALE_CLAIM it becomes `unknown` and is
reconciled like a 5xx.

"Maybe sent" policy (5xx, timeout, connection dropped after sending): never resend blindly. The
row becomes `unknown`; `reconcile` (a job RECONCILE_DELAY later) asks Twilio for messages to that
number since the claim and adopts a match's SID; our StatusCallback URL carries `?m=<id>`, so a
callback can also resolve it first. Only when Twilio holds no such message is the row put back
to `pending` and sent again (bounded by MAX_ATTEMPTS).
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache

from sqlalchemy import Select, Update, bindparam, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.domain.enums import MessageStatus as S
from app.models.message import Message
from app.ports import SendError, SentMessage, SmsSender
from app.services.delivery import status as delivery_status
from app.services.messaging.outbox import opted_out_clause, suppression_reason

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12  # provider calls per message (429s, reconciled resends): ~30 min of backoff
BACKOFF_BASE_SECONDS = 5
BACKOFF_MAX_SECONDS = 300
RECONCILE_DELAY_SECONDS = 120
STALE_CLAIM = timedelta(minutes=5)  # > the messages queue's job timeout (60 s) + the HTTP timeout
#: Share of the daily budget (percent) that only RESERVED_BUDGET_PURPOSES may use.
RESERVE_PERCENT = 10
#: A withdrawn offer's "no need to go" is reserved like the offer itself: a volunteer who never
#: hears it may still answer YES or set out for a request that is not theirs.
RESERVED_BUDGET_PURPOSES = frozenset({"offer", "assignment", "assigned", "offer_withdrawn"})
ALWAYS_SENT_PURPOSES = frozenset({"safeguarding_alert", "duty_alert"})


@dataclass
class Delivery:
    """What happened, and what the job must schedule next."""

    outcome: str  # sent | skipped | retry | unknown | failed | suppressed | reconciled | deferred
    retry_in: int | None = None  # seconds: enqueue send_message again (429)
    reconcile_in: int | None = None  # seconds: enqueue reconcile_message (maybe sent)
    message_ids: list[int] = field(default_factory=list)  # outbox rows to enqueue (hooks)
    attempt: int = 0  # provider calls so far: names the retry job uniquely


@dataclass(frozen=True)
class _Claim:
    to_phone: str
    body: str
    idempotency_key: str
    attempts: int


def backoff_seconds(attempt: int, rng: random.Random | None = None) -> int:
    """Exponential backoff with full jitter: 5, 10, 20... s capped at 300, times 0.5-1.5."""
    base = min(BACKOFF_BASE_SECONDS * 2 ** max(attempt - 1, 0), BACKOFF_MAX_SECONDS)
    return max(1, round(base * (rng or random).uniform(0.5, 1.5)))


def deliver(
    session_factory: sessionmaker[Session],
    sender: SmsSender,
    message_id: int,
    now: datetime,
    *,
    daily_cap: int = 2000,
) -> Delivery:
    """Send the outbox row `message_id` if, and only if, this call claims it."""
    with session_factory() as session, session.begin():
        claim = _claim(session, message_id, now, daily_cap)
    if not isinstance(claim, _Claim):
        return claim
    try:
        sent = sender.send(
            claim.to_phone, claim.body, idempotency_key=claim.idempotency_key, message_id=message_id
        )
    except SendError as exc:
        with session_factory() as session, session.begin():
            return _record_error(session, message_id, exc, now, claim.attempts)
    with session_factory() as session, session.begin():
        ids = _record_sent(session, message_id, sent, now)
    return Delivery("sent", message_ids=ids)


def reconcile(
    session_factory: sessionmaker[Session], sender: SmsSender, message_id: int, now: datetime
) -> Delivery:
    """Resolve an `unknown` ("maybe sent") row by asking the provider what it holds."""
    with session_factory() as session:
        message = session.get(Message, message_id)
        if message is None or message.status != S.UNKNOWN or message.twilio_sid:
            return Delivery("skipped")
        to_phone, body = message.to_phone or "", message.body
        attempted_at = message.sent_at or now
        since = attempted_at - timedelta(minutes=1)
    try:
        candidates = sender.lookup(to_phone, body, sent_after=since)
    except SendError:
        return Delivery("unknown", reconcile_in=RECONCILE_DELAY_SECONDS)
    with session_factory() as session, session.begin():
        message = _locked(session, message_id)
        if message is None or message.status != S.UNKNOWN:
            return Delivery("skipped")
        found = _unclaimed(session, candidates)
        if found is not None:
            ids = _record_sent(session, message_id, found, now)
            log.info("message %d reconciled: the provider had it", message_id)
            return Delivery("reconciled", message_ids=ids)
        wait = RECONCILE_DELAY_SECONDS - int((now - attempted_at).total_seconds())
        if wait > 0:
            # Not in Twilio's list YET proves nothing: only trust its absence after the delay.
            return Delivery("unknown", reconcile_in=wait)
        if message.attempts >= MAX_ATTEMPTS:
            ids = delivery_status.advance(
                session, message, S.FAILED, now, error_message="not sent after the retry budget"
            )
            return Delivery("failed", message_ids=ids)
        message.status, message.sent_at, message.status_updated_at = S.PENDING, None, now
        log.warning("message %d was not created by the provider: sending again", message_id)
        return Delivery("retry", retry_in=1, attempt=message.attempts)


def _unclaimed(session: Session, candidates: list[SentMessage]) -> SentMessage | None:
    """The first candidate whose SID no row has yet (the same text may go to a number twice)."""
    for candidate in candidates:
        taken = session.scalar(select(Message.id).where(Message.twilio_sid == candidate.sid))
        if taken is None:
            return candidate
    return None


def _claim(session: Session, message_id: int, now: datetime, daily_cap: int) -> _Claim | Delivery:
    found = _locked_with_checks(session, message_id, now)
    if found is None:
        return Delivery("skipped")
    message, opted_out, sent_today = found
    if message.direction != "outbound":
        return Delivery("skipped")
    if message.status == S.SENDING and message.sent_at and now - message.sent_at > STALE_CLAIM:
        # The worker that claimed it died before recording: maybe sent, never resend.
        message.status, message.status_updated_at = S.UNKNOWN, now
        log.warning("message %d: stale claim, reconciling instead of resending", message_id)
        return Delivery("unknown", reconcile_in=1)
    if message.status == S.UNKNOWN and not message.twilio_sid:
        return Delivery("unknown", reconcile_in=1)
    if message.status != S.PENDING:
        return Delivery("skipped")
    reason = suppression_reason(session, message.to_phone, opted_out=opted_out)
    if reason is None and not within_daily_budget(message.purpose, message.segments or 1,
                                                  sent_today, daily_cap):
        # Held, not dropped: the row stays pending and the sweeper tries again every few
        # minutes, so it goes out as soon as the next UTC day's budget opens.
        message.send_enqueued_at = message.status_updated_at = now
        message.error_message = "deferred: the daily SMS budget is spent"
        log.error("SMS daily budget of %d segments spent: message %d (%s) deferred",
                  daily_cap, message_id, message.purpose)
        return Delivery("deferred")
    if reason:
        message.status, message.status_updated_at = S.SUPPRESSED, now
        message.error_message = f"suppressed: {reason}"
        return Delivery("suppressed")
    message.status, message.attempts = S.SENDING, message.attempts + 1
    message.sent_at = message.status_updated_at = now
    return _Claim(
        message.to_phone or "",
        message.body,
        message.idempotency_key or str(message.id),
        message.attempts,
    )


def _record_sent(session: Session, message_id: int, sent: SentMessage, now: datetime) -> list[int]:
    """Store the provider's SID and initial status; returns outbox ids from a failure hook."""
    initial = sent.status if sent.status in delivery_status.RANK else S.QUEUED
    price = _price(sent)
    if initial not in delivery_status.FAILED and _record_sent_at_once(
            session, message_id, sent, initial, price, now):
        return []
    message = _locked(session, message_id)
    if message is None:
        return []
    if message.twilio_sid and message.twilio_sid != sent.sid:
        log.error("message %d already has a different SID; keeping the first", message_id)
        return []
    message.twilio_sid = sent.sid
    ids: list[int] = []
    if message.status in _RECORDABLE:
        message.error_code = message.error_message = None
        if initial in delivery_status.FAILED:  # accepted, then refused at once: run the hook
            message.status = S.SENDING
            ids = delivery_status.advance(session, message, initial, now)
        else:
            message.status, message.status_updated_at = initial, now
    if sent.segments:
        message.segments = sent.segments
    if price is not None:
        message.price, message.price_unit = price, sent.price_unit
    return ids


#: The statuses a provider's acceptance overrides (later ones, from a status callback, stay).
_RECORDABLE = (S.SENDING, S.UNKNOWN, S.PENDING)


def _record_sent_at_once(session: Session, message_id: int, sent: SentMessage, initial: str,
                         price: Decimal | None, now: datetime) -> bool:
    """The usual acceptance in one UPDATE: the row still awaits the provider's answer and holds
    no other SID, so `_record_sent` would set exactly these columns. False (nothing written):
    the general path decides, under the row lock."""
    params: dict[str, object] = {"message_id": message_id, "sid": sent.sid, "status": initial,
                                 "now": now}
    if sent.segments:
        params["segments"] = sent.segments
    if price is not None:
        params["price"], params["price_unit"] = price, sent.price_unit
    statement = _record_statement(bool(sent.segments), price is not None)
    if session.execute(statement, params).rowcount != 1:
        return False
    held = session.identity_map.get(session.identity_key(Message, message_id))
    if held is not None:  # read before (reconcile): let it load the row as written
        session.expire(held)
    return True


@cache
def _record_statement(with_segments: bool, with_price: bool) -> Update:
    """`_record_sent_at_once`'s UPDATE, built once per shape (its values are parameters)."""
    values: dict[str, object] = {
        "twilio_sid": bindparam("sid"), "status": bindparam("status"),
        "status_updated_at": bindparam("now"), "error_code": None, "error_message": None}
    if with_segments:
        values["segments"] = bindparam("segments")
    if with_price:
        values["price"], values["price_unit"] = bindparam("price"), bindparam("price_unit")
    return (update(Message)
            .where(Message.id == bindparam("message_id"), Message.status.in_(_RECORDABLE),
                   or_(Message.twilio_sid.is_(None), Message.twilio_sid == bindparam("sid")))
            .values(values).execution_options(synchronize_session=False))


def _price(sent: SentMessage) -> Decimal | None:
    if not sent.price:
        return None
    try:
        return Decimal(sent.price)
    except InvalidOperation:
        return None


def _record_error(
    session: Session, message_id: int, exc: SendError, now: datetime, attempts: int
) -> Delivery:
    message = _locked(session, message_id)
    if message is None or message.status != S.SENDING:
        return Delivery("skipped")  # a callback (?m=) resolved it meanwhile
    if exc.maybe_sent:
        message.status, message.status_updated_at = S.UNKNOWN, now
        message.error_code, message.error_message = exc.code, str(exc)
        log.warning("message %d maybe sent (%s): will reconcile", message_id, exc)
        return Delivery("unknown", reconcile_in=RECONCILE_DELAY_SECONDS)
    if exc.retryable and attempts < MAX_ATTEMPTS:
        delay = backoff_seconds(attempts)
        message.status, message.sent_at, message.status_updated_at = S.PENDING, None, now
        message.error_code, message.error_message = exc.code, str(exc)
        message.send_enqueued_at = now + timedelta(seconds=delay)  # the sweeper waits for it
        return Delivery("retry", retry_in=delay, attempt=attempts)
    ids = delivery_status.advance(
        session, message, S.FAILED, now, error_code=exc.code, error_message=str(exc)
    )
    log.warning("message %d failed: %s", message_id, exc)
    return Delivery("failed", message_ids=ids)


def _locked(session: Session, message_id: int) -> Message | None:
    """The row, locked for this transaction. PostgreSQL: SELECT ... FOR UPDATE. SQLite has no
    row locks and ignores FOR UPDATE, so a no-op UPDATE first takes its single write lock (like
    BEGIN IMMEDIATE): otherwise two claims could both read `pending`, and in WAL mode a read
    followed by a write fails outright (SQLITE_BUSY_SNAPSHOT) when another writer got in."""
    _take_sqlite_write_lock(session, message_id)
    return session.scalar(
        select(Message)
        .where(Message.id == message_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _locked_with_checks(session: Session, message_id: int,
                        now: datetime) -> tuple[Message, bool, int] | None:
    """`_locked`, with what the claim checks read in the same statement: whether the number
    opted out (as `is_opted_out`) and the segments sent today (`_segments_sent_since`)."""
    _take_sqlite_write_lock(session, message_id)
    row = session.execute(_claim_statement(), {
        "message_id": message_id,
        "day_start": datetime.combine(now.date(), time(0), tzinfo=now.tzinfo)}).one_or_none()
    if row is None:
        return None
    return row[0], bool(row[1]), int(row[2] or 0)


@cache
def _claim_statement() -> Select[tuple[Message, bool, int]]:
    """`_locked_with_checks`' SELECT, built once (`message_id` and `day_start` are parameters)."""
    return (select(Message, opted_out_clause(Message.to_phone),
                   _segments_sent_since(bindparam("day_start")).scalar_subquery())
            .where(Message.id == bindparam("message_id"))
            .with_for_update()
            .execution_options(populate_existing=True))


def _take_sqlite_write_lock(session: Session, message_id: int) -> None:
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            update(Message).where(Message.id == message_id).values(attempts=Message.attempts)
        )


def within_daily_budget(purpose: str, segments: int, sent_segments: int, daily_cap: int) -> bool:
    """Whether one more message of `segments` fits today's budget of `daily_cap` segments.

    The budget guards against a runaway loop or SMS pumping without silencing what keeps a
    resident safe: `RESERVE_PERCENT` of it is kept for offers and assignments (a volunteer
    waiting for the address), and safeguarding and duty alerts are never held.
    """
    if purpose in ALWAYS_SENT_PURPOSES:
        return True
    reserve = max(1, daily_cap * RESERVE_PERCENT // 100)
    limit = daily_cap if purpose in RESERVED_BUDGET_PURPOSES else daily_cap - reserve
    return sent_segments + segments <= limit


def _segments_sent_since(day_start: object) -> Select[tuple[int]]:
    """Segments handed to the provider since `day_start`, 00:00 UTC today (what the daily budget
    counts); `day_start` may be a bound parameter."""
    return (select(func.coalesce(func.sum(Message.segments), 0))
            .where(Message.direction == "outbound", Message.sent_at >= day_start))
