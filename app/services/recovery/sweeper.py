"""Finding work whose job was lost (Redis restarted, a worker killed): the database decides.

`workers.maintenance.sweep` runs this every minute. Each finder returns ids only; the job
enqueues them with a fresh job id (rq keeps a finished job's id for its result TTL, so reusing
the original id could silently drop the re-enqueue) and stamps the row. Everything it triggers
is idempotent, so a sweep that races a slow-but-alive job costs one no-op run, never a duplicate.

- cases flagged `needs_matching` whose enqueue is stale (or never happened);
- outbox rows still `pending` whose send job is stale or never enqueued, and rows stuck in
  `sending`/`unknown` after a worker died (the send job then reconciles them, never resends);
- offers past `expires_at` that are still open (the timer job was lost): expired here directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from app.domain.enums import MessageDirection, MessageStatus
from app.models.case import Case
from app.models.message import Message
from app.models.volunteer import Offer
from app.services.delivery.sending import STALE_CLAIM
from app.services.matching import offers
from app.services.matching.matcher import OPEN_OFFER_STATUSES, MatchingPolicy

#: A job that was enqueued this long ago and has not done its work is presumed lost.
STALE_ENQUEUE = timedelta(minutes=5)
#: Rows never enqueued get this long for the normal path (commit, then enqueue) to finish.
NEVER_ENQUEUED_GRACE = timedelta(minutes=1)
#: An open offer is expired by the periodic scan once it is this far past `expires_at`.
EXPIRY_GRACE = timedelta(seconds=5)
BATCH = 500


@dataclass
class SweepResult:
    expired_offers: int = 0
    new_offer_ids: list[int] = field(default_factory=list)
    message_ids_from_expiry: list[int] = field(default_factory=list)


def stale_matching_cases(session: Session, now: datetime) -> list[int]:
    return list(session.scalars(select(Case.id).where(
        Case.needs_matching.is_(True),
        or_(Case.matching_enqueued_at < now - STALE_ENQUEUE,
            and_(Case.matching_enqueued_at.is_(None),
                 Case.updated_at < now - NEVER_ENQUEUED_GRACE)),
    ).order_by(Case.id).limit(BATCH)))


def lost_messages(session: Session, now: datetime) -> list[int]:
    """Outbound rows whose send job must run (again): lost pending, dead claims, lost reconciles."""
    pending_lost = and_(
        Message.status == MessageStatus.PENDING,
        or_(Message.send_enqueued_at < now - STALE_ENQUEUE,
            and_(Message.send_enqueued_at.is_(None),
                 Message.created_at < now - NEVER_ENQUEUED_GRACE)))
    dead_claim = and_(Message.status == MessageStatus.SENDING,
                      Message.sent_at < now - STALE_CLAIM)
    lost_reconcile = and_(Message.status == MessageStatus.UNKNOWN, Message.twilio_sid.is_(None),
                          Message.status_updated_at < now - STALE_ENQUEUE)
    return list(session.scalars(select(Message.id).where(
        Message.direction == MessageDirection.OUTBOUND,
        or_(pending_lost, dead_claim, lost_reconcile),
    ).order_by(Message.id).limit(BATCH)))


def mark_cases_enqueued(session: Session, case_ids: list[int], now: datetime) -> None:
    for case in session.scalars(select(Case).where(Case.id.in_(case_ids))):
        case.matching_enqueued_at = now


def overdue_offer_ids(session: Session, now: datetime) -> list[int]:
    return list(session.scalars(select(Offer.id).where(
        Offer.status.in_(OPEN_OFFER_STATUSES), Offer.expires_at < now - EXPIRY_GRACE,
    ).order_by(Offer.id).limit(BATCH)))


def expire_overdue_offers(session: Session, now: datetime,
                          policy: MatchingPolicy) -> SweepResult:
    """Expire each overdue offer in its own transaction (commits), moving each case on."""
    result = SweepResult()
    for offer_id in overdue_offer_ids(session, now):
        step = offers.expire(session, offer_id, now, policy)
        session.commit()
        if step.outcome == "nothing" and step.detail.startswith("offer"):
            continue
        result.expired_offers += 1
        result.message_ids_from_expiry.extend(step.message_ids)
        if step.offer is not None:
            result.new_offer_ids.append(step.offer.id)
    return result
