"""Twilio's final price of each SMS and call, fetched after its final status.

Twilio puts the price on a message or call some time after the final status callback (often
the callback itself says `Price` null), so a price check is armed when the final status
arrives and a job asks Twilio's REST API for the resource: still null, the next check is
PRICE_FETCH_DELAY_SECONDS x 2^n later, up to PRICE_FETCH_MAX_ATTEMPTS checks, then it gives
up (the reports count the row with no price). The row carries the state
(`price_checks`, `price_check_due_at`), so a lost job is found again by the sweeper, and a
check that runs twice (rq, the sweeper) only asks Twilio twice: each run claims its attempt with
a compare-and-set on `price_checks`.

Only with the Twilio SMS backend: in `record` (no Twilio) no check is ever armed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from app.domain.enums import MessageDirection
from app.jobs import FETCH_CALL_PRICE, FETCH_MESSAGE_PRICE
from app.models.message import Call, Message
from app.ports import JobQueue, PriceSource, PriceUnavailable
from app.settings import Settings

log = logging.getLogger(__name__)

MESSAGE, CALL = "message", "call"
MODELS: dict[str, type[Message] | type[Call]] = {MESSAGE: Message, CALL: Call}
#: A check this late (its job lost) is enqueued again by the sweeper.
STALE = timedelta(minutes=5)
BATCH = 500
FINAL_MESSAGE = frozenset({"delivered", "undelivered", "failed"})
FINAL_CALL = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})


@dataclass(frozen=True)
class PricePolicy:
    first_delay_seconds: int = 60
    max_attempts: int = 6

    def delay_after(self, checks: int) -> int:
        """Seconds before check number `checks + 1` (the first after the final status)."""
        return self.first_delay_seconds * (2 ** min(checks, 16))


def policy_for(settings: Settings) -> PricePolicy | None:
    """The checks to make with these settings; None with no Twilio to ask (`record`)."""
    if settings.sms_backend != "twilio":
        return None
    return PricePolicy(settings.price_fetch_delay_seconds, settings.price_fetch_max_attempts)


@dataclass(frozen=True)
class PriceCheck:
    kind: str  # MESSAGE or CALL
    row_id: int
    attempt: int  # checks made before this one (part of the job id)
    delay_seconds: int


@dataclass(frozen=True)
class Priced:
    outcome: str  # "priced", "retry", "gave_up", "nothing"
    next_check: PriceCheck | None = None


def arm_after_final_status(session: Session, kind: str, sid: str, now: datetime,
                           policy: PricePolicy) -> PriceCheck | None:
    """The final status of a message or call arrived: arm its first price check, once."""
    model = MODELS[kind]
    sid_column = Message.twilio_sid if kind == MESSAGE else Call.call_sid
    row = session.scalar(select(model).where(sid_column == sid))
    if row is None or row.price is not None or row.price_checks or row.price_check_due_at:
        return None
    if kind == MESSAGE and (row.direction != MessageDirection.OUTBOUND
                            or row.status not in FINAL_MESSAGE):
        return None
    if kind == CALL and row.status not in FINAL_CALL:
        return None
    delay = policy.delay_after(0)
    row.price_check_due_at = now + timedelta(seconds=delay)
    session.flush()
    return PriceCheck(kind, row.id, 0, delay)


def check_price(session_factory: sessionmaker[Session], source: PriceSource, kind: str,
                row_id: int, now: datetime, policy: PricePolicy) -> Priced:
    """One price check: claim it, ask Twilio outside any transaction, store what it said."""
    model = MODELS[kind]
    with session_factory() as session:
        row = session.get(model, row_id)
        if row is None or row.price is not None or row.price_check_due_at is None:
            return Priced("nothing")
        attempt, sid = row.price_checks, row.twilio_sid if kind == MESSAGE else row.call_sid
        if attempt >= policy.max_attempts or not sid:
            row.price_check_due_at = None
            session.commit()
            return Priced("gave_up")
        claimed = session.execute(
            update(model).where(model.id == row_id, model.price_checks == attempt,
                                model.price_check_due_at.is_not(None))
            .values(price_checks=attempt + 1, price_check_due_at=now + STALE)
            .execution_options(synchronize_session=False)).rowcount == 1
        session.commit()
    if not claimed:
        return Priced("nothing")  # a twin run has this attempt
    try:
        found = source.price_of(kind, sid)
        gone = False
    except PriceUnavailable as exc:
        log.info("%s %d: price not fetched (%s)", kind, row_id, exc)
        found, gone = None, exc.gone
    with session_factory() as session:
        row = session.get(model, row_id)
        price = _decimal(found.price) if found is not None else None
        if price is not None:
            row.price, row.price_unit = price, (found.price_unit or "")[:3] or None
            row.price_check_due_at = None
            session.commit()
            return Priced("priced")
        if gone or attempt + 1 >= policy.max_attempts:
            row.price_check_due_at = None
            session.commit()
            log.info("%s %d: no price after %d checks; given up", kind, row_id, attempt + 1)
            return Priced("gave_up")
        delay = policy.delay_after(attempt + 1)
        row.price_check_due_at = now + timedelta(seconds=delay)
        session.commit()
        return Priced("retry", PriceCheck(kind, row_id, attempt + 1, delay))


def overdue_checks(session: Session, now: datetime) -> list[PriceCheck]:
    """Price checks whose job was lost: due longer than STALE ago and still armed."""
    found = []
    for kind, model in MODELS.items():
        rows = session.execute(select(model.id, model.price_checks).where(
            model.price_check_due_at.is_not(None), model.price_check_due_at < now - STALE,
            model.price.is_(None)).order_by(model.id).limit(BATCH)).all()
        found += [PriceCheck(kind, row_id, checks, 0) for row_id, checks in rows]
    return found


def _decimal(raw: str | None) -> Decimal | None:
    try:
        return Decimal(raw) if raw else None
    except InvalidOperation:
        return None


def enqueue_price_checks(queue: JobQueue, checks: list[PriceCheck], suffix: str = "") -> None:
    """Enqueue each check with its delay (after the commit that armed it); the job id names the
    row and the attempt. A failed enqueue is left to the sweeper (the row stays armed)."""
    for check in checks:
        route = FETCH_MESSAGE_PRICE if check.kind == MESSAGE else FETCH_CALL_PRICE
        queue.enqueue(route.func, check.row_id,
                      job_id=f"price-{check.kind}-{check.row_id}-{check.attempt}{suffix}",
                      queue=route.queue, delay_seconds=check.delay_seconds or None)
