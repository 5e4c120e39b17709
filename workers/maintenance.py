"""Periodic jobs (scheduled by workers/schedule.py): the sweeper, the DBS expiry reminders, the
check-ins on silent assignments and the retention policy.

All take no arguments and are idempotent: running them twice, or on two workers at once,
enqueues at most some no-op jobs (every job they trigger re-checks the database first).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy.orm import Session

from app.adapters.rq_queue import job_queue_for
from app.adapters.twilio.recordings import recording_deleter
from app.db import begin_write
from app.jobs import MATCH_CASE, SEND_MESSAGE
from app.models.base import utcnow
from app.runtime import Runtime
from app.services.delivery import pricing
from app.services.messaging.outbox import enqueue_send, mark_enqueued
from app.services.privacy.retention import run_retention
from app.services.recovery import sweeper
from app.services.volunteers.checkins import CheckinResult, check_assignments
from app.services.volunteers.dbs_reminders import send_dbs_reminders
from app.services.volunteers.eligibility import withdraw_lapsed_dbs_offers
from workers.bootstrap import get_runtime, job_logger

T = TypeVar("T")

log = job_logger(__name__)


def sweep() -> dict[str, int]:
    """Re-enqueue lost matching, send and price-check jobs (offers are expired by
    `expire_due_offers`)."""
    runtime = get_runtime()
    queue = job_queue_for(runtime)
    now = utcnow()
    stamp = f"{now:%Y%m%d%H%M%S}"
    with runtime.write_session_factory() as session:
        begin_write(session)
        cases = sweeper.stale_matching_cases(session, now)
        queued_cases = [case_id for case_id in cases if queue.enqueue(
            MATCH_CASE.func, case_id, job_id=f"match-case:{case_id}:sweep:{stamp}",
            queue=MATCH_CASE.queue)]
        sweeper.mark_cases_enqueued(session, queued_cases, now)
        session.commit()
        begin_write(session)
        messages = sweeper.lost_messages(session, now)
        queued_messages = [message_id for message_id in messages if queue.enqueue(
            SEND_MESSAGE.func, message_id, job_id=f"send-message-{message_id}-sweep-{stamp}",
            queue=SEND_MESSAGE.queue)]
        mark_enqueued(session, queued_messages, now)
        session.commit()
        begin_write(session)
        prices = pricing.overdue_checks(session, now) \
            if pricing.policy_for(runtime.settings) else []
        session.commit()
    pricing.enqueue_price_checks(queue, prices, suffix=f"-sweep-{stamp}")
    counts = {"cases_requeued": len(queued_cases), "messages_requeued": len(queued_messages),
              "price_checks_requeued": len(prices)}
    if any(counts.values()):
        log.info("sweep: %s", counts)
    return counts


def dbs_expiry_reminders() -> int:
    """Text on-duty coordinators the volunteers whose DBS expires within 30 days (once each),
    then withdraw the open offers of volunteers whose check has lapsed (cases move on)."""
    runtime = get_runtime()
    reminded = _commit_then_send(runtime, send_dbs_reminders)
    log.info("DBS reminders: %d volunteers", len(reminded.volunteer_ids))
    withdrawn = _commit_then_send(runtime, withdraw_lapsed_dbs_offers)
    if withdrawn.message_ids:
        log.info("DBS lapsed: offers withdrawn (%d SMS)", len(withdrawn.message_ids))
    return len(reminded.volunteer_ids)


def assignment_checkins() -> dict[str, int]:
    """One check-in SMS per assignment silent for ASSIGNMENT_CHECKIN_HOURS; the staff queue for
    those still silent ASSIGNMENT_ESCALATE_HOURS after it."""
    runtime = get_runtime()
    settings = runtime.settings

    def step(session: Session, now: datetime) -> CheckinResult:
        return check_assignments(
            session, now, checkin_after=timedelta(hours=settings.assignment_checkin_hours),
            escalate_after=timedelta(hours=settings.assignment_escalate_hours))

    result = _commit_then_send(runtime, step)
    return {"checked_in": len(result.checked_in), "escalated": len(result.escalated)}


def _commit_then_send(runtime: Runtime, step: Callable[[Session, datetime], T]) -> T:
    """Run one service step in a writer transaction, commit it, then queue the SMS it wrote
    to the outbox (its result's `message_ids`): the database first, as everywhere."""
    with runtime.write_session_factory() as session:
        result = step(session, utcnow())
        session.commit()
        message_ids = result.message_ids  # type: ignore[attr-defined]
        if message_ids:
            enqueue_send(job_queue_for(runtime), message_ids)
            mark_enqueued(session, message_ids, utcnow())
            session.commit()
    return result


def retention() -> dict[str, int]:
    """Apply the retention policy once (a second run the same day finds nothing left to do)."""
    runtime = get_runtime()
    settings = runtime.settings
    return run_retention(runtime.session_factory, settings.retention, utcnow(),
                         journal_dir=settings.fallback_journal_dir,
                         delete_recording=recording_deleter(settings)).counts
