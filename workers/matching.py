"""Matching jobs. Arguments are ids only; each job is safe to run twice (rq may, the sweeper may).

- `match_case(case_id)`: under the case row lock, if the case still `needs_matching`, take one
  matching step (offer / signpost / needs_staff), clear the flag and commit; THEN enqueue the
  SMS sends and the offer's expiry timer. A second run finds the flag cleared and does nothing.
- `expire_offer(offer_id)`: when the time-out is up and the offer is still unanswered, expire it
  and offer the next volunteer. A run for an answered offer does nothing.

If the worker dies after the commit but before the enqueues, nothing is lost: the outbox rows
stay `pending` and the offer has `expires_at`; the sweeper (workers.maintenance) finds both.
"""

from __future__ import annotations

import math

from sqlalchemy.orm import Session

from app.adapters.rq_queue import job_queue_for
from app.db import begin_write
from app.jobs import EXPIRE_OFFER
from app.models.base import utcnow
from app.models.volunteer import Offer
from app.runtime import Runtime
from app.services.matching import offers
from app.services.matching.matcher import MatchStep, lock_case, offer_next, policy_from_settings
from app.services.messaging.outbox import enqueue_send, mark_enqueued
from workers.bootstrap import get_runtime, job_logger

log = job_logger(__name__)
#: rq's scheduler may fire a little early; the job re-checks `expires_at` and is re-armed.
EXPIRY_GRACE_SECONDS = 1


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
        _after_commit(runtime, session, step)
    log.info("case %d: %s", case_id, step.outcome)
    return step.outcome


def expire_offer(offer_id: int) -> str:
    runtime = get_runtime()
    policy = policy_from_settings(runtime.settings)
    now = utcnow()
    with runtime.write_session_factory() as session:
        begin_write(session)
        offer = session.get(Offer, offer_id)
        if offer is not None and offer.expires_at is not None and offer.expires_at > now:
            remaining = math.ceil((offer.expires_at - now).total_seconds())
            arm_expiry(runtime, offer_id, remaining, rearm=True)
            return "not due"
        step = offers.expire(session, offer_id, now, policy)
        session.commit()
        _after_commit(runtime, session, step)
    log.info("offer %d expiry: %s", offer_id, step.outcome)
    return step.outcome


def _after_commit(runtime: Runtime, session: Session, step: MatchStep) -> None:
    """Enqueue what the committed step asks for; a failure here is healed by the sweeper."""
    queue = job_queue_for(runtime)
    if step.message_ids:
        enqueue_send(queue, step.message_ids)
        mark_enqueued(session, step.message_ids, utcnow())
        session.commit()
    if step.offer is not None:
        arm_expiry(runtime, step.offer.id, runtime.settings.offer_timeout_seconds)


def arm_expiry(runtime: Runtime, offer_id: int, delay: int, rearm: bool = False) -> bool:
    suffix = f"-{utcnow():%Y%m%d%H%M%S}" if rearm else ""
    return job_queue_for(runtime).enqueue(
        EXPIRE_OFFER.func, offer_id, job_id=f"expire-offer:{offer_id}{suffix}",
        queue=EXPIRE_OFFER.queue, delay_seconds=delay + EXPIRY_GRACE_SECONDS)
