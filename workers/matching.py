"""Matching jobs. Arguments are ids only; each job is safe to run twice (rq may, the sweeper may).

- `match_case(case_id)`: under the case row lock, if the case still `needs_matching`, take one
  matching step (offer / signpost / needs_staff), clear the flag and commit (one transaction
  per case); THEN enqueue the SMS sends. A second run finds the flag cleared and does nothing.
- `expire_due_offers()`: periodic (workers/schedule.py, every 10 s): every open offer whose
  `expires_at` has passed is expired and its case offered to the next volunteer. One scan
  serves every offer, so making an offer costs no timer job.
- `expire_offer(offer_id)`: the per-offer timer of earlier versions, kept so that timers still
  waiting in Redis after an upgrade run harmlessly: an offer not yet due is left to the scan.

If the worker dies after the commit but before the enqueues, nothing is lost: the outbox rows
stay `pending` (the sweeper in workers.maintenance re-enqueues them) and the offer has
`expires_at` (the scan finds it).
"""

from __future__ import annotations

from app.adapters.rq_queue import job_queue_for
from app.db import begin_write
from app.models.base import utcnow
from app.models.volunteer import Offer
from app.runtime import Runtime
from app.services.matching import offers
from app.services.matching.matcher import MatchStep, lock_case, offer_next, policy_from_settings
from app.services.messaging.outbox import enqueue_send
from app.services.recovery import sweeper
from workers.bootstrap import get_runtime, job_logger

log = job_logger(__name__)


def match_case(case_id: int) -> str:
    runtime = get_runtime()
    policy = policy_from_settings(runtime.settings)
    with runtime.write_session_factory() as session:
        begin_write(session)
        case = lock_case(session, case_id)
        if case is None:
            return "missing"
        if not case.needs_matching:
            session.commit()
            return "nothing"
        step = offer_next(session, case, utcnow(), policy)
        case.needs_matching = False
        session.commit()
    _after_commit(runtime, step)
    log.info("case %d: %s", case_id, step.outcome)
    return step.outcome


def expire_due_offers() -> int:
    """Expire every open offer whose time is up and move each case on; the count expired."""
    runtime = get_runtime()
    now = utcnow()
    with runtime.write_session_factory() as session:
        begin_write(session)
        result = sweeper.expire_overdue_offers(session, now,
                                               policy_from_settings(runtime.settings))
    enqueue_send(job_queue_for(runtime), result.message_ids_from_expiry)
    if result.expired_offers:
        log.info("offers expired: %d", result.expired_offers)
    return result.expired_offers


def expire_offer(offer_id: int) -> str:
    runtime = get_runtime()
    policy = policy_from_settings(runtime.settings)
    now = utcnow()
    with runtime.write_session_factory() as session:
        begin_write(session)
        offer = session.get(Offer, offer_id)
        if offer is not None and offer.expires_at is not None and offer.expires_at > now:
            return "not due"  # the periodic scan expires it when it is
        step = offers.expire(session, offer_id, now, policy)
        session.commit()
    _after_commit(runtime, step)
    log.info("offer %d expiry: %s", offer_id, step.outcome)
    return step.outcome


def _after_commit(runtime: Runtime, step: MatchStep) -> None:
    """Enqueue the sends the committed step made; a lost enqueue is healed by the sweeper
    (a row never enqueued is re-enqueued a minute after it was made)."""
    if step.message_ids:
        enqueue_send(job_queue_for(runtime), step.message_ids)
