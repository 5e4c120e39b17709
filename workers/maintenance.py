"""Periodic jobs (scheduled by workers/schedule.py): the sweeper, the DBS expiry reminders and
the retention policy.

All take no arguments and are idempotent: running them twice, or on two workers at once,
enqueues at most some no-op jobs (every job they trigger re-checks the database first).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy.orm import Session

from app.adapters.rq_queue import job_queue_for
from app.cli.privacy import run_retention
from app.db import begin_write
from app.jobs import MATCH_CASE, SEND_MESSAGE
from app.models.base import utcnow
from app.runtime import Runtime
from app.services.messaging.outbox import enqueue_send, mark_enqueued
from app.services.recovery import sweeper
from app.services.volunteers.dbs_reminders import send_dbs_reminders
from app.services.volunteers.eligibility import withdraw_lapsed_dbs_offers
from workers.bootstrap import get_runtime, job_logger

T = TypeVar("T")

log = job_logger(__name__)


def sweep() -> dict[str, int]:
    """Re-enqueue lost matching and send jobs (offers are expired by `expire_due_offers`)."""
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
    counts = {"cases_requeued": len(queued_cases), "messages_requeued": len(queued_messages)}
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
    return run_retention(get_runtime()).counts
