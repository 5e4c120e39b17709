"""The aftercare job (every 5 minutes, workers/schedule.py): follow-up SMS that are due, and
repeat requests whose schedule has come round. `now` is read once here and passed in.

Safe on any number of workers at once: each case's follow-up and each schedule's date is
claimed with a compare-and-set in the services, so a twin run finds nothing left to do.
"""

from __future__ import annotations

from app.adapters.rq_queue import job_queue_for
from app.db import begin_write
from app.models.base import utcnow
from app.services.aftercare import follow_up, repeats
from app.services.cases.intake import enqueue_matching, stamp_for_matching
from app.services.conversations.state import default_flow
from app.services.messaging.outbox import enqueue_send, mark_enqueued
from workers.bootstrap import get_runtime, job_logger

log = job_logger(__name__)


def run_aftercare() -> dict[str, int]:
    runtime = get_runtime()
    settings = runtime.settings
    now = utcnow()
    phrases = default_flow(settings).phrases
    with runtime.write_session_factory() as session:
        begin_write(session)
        asked = follow_up.send_due_follow_ups(
            session, now, after_hours=settings.follow_up_after_hours, phrases=phrases)
        made = repeats.make_due_repeats(session, now)
        stamp_for_matching(made.cases, now)
        session.commit()
        message_ids = asked.message_ids
        queue = job_queue_for(runtime)
        if message_ids:
            enqueue_send(queue, message_ids)
            mark_enqueued(session, message_ids, utcnow())
            session.commit()
        enqueue_matching(session, queue, made.cases)
    counts = {"follow_ups_sent": asked.sent, "follow_ups_skipped": asked.skipped,
              "repeats_made": len(made.cases), "repeats_skipped": made.skipped}
    if any(counts.values()):
        log.info("aftercare: %s", counts)
    return counts
