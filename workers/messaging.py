"""Outbound SMS jobs. Arguments are message ids only (no number or text ever reaches Redis).

- `send_message(message_id)`: `app.services.delivery.sending.deliver` claims the outbox row
  and sends it at most once; this job only schedules what `deliver` asks for next (a 429
  retry with backoff, a reconcile after a "maybe sent", and outbox rows a failure hook
  queued, e.g. the next offer).
- `reconcile_message(message_id)`: resolves an `unknown` row against Twilio's message list.

Both are safe to run any number of times (rq retries, false abandons, the sweeper): every
decision is taken against the database row, under its lock.
"""

from __future__ import annotations

import threading

from app.adapters.rq_queue import job_queue_for
from app.adapters.sms import build_sms_sender
from app.jobs import RECONCILE_MESSAGE
from app.models.base import utcnow
from app.ports import SmsSender
from app.runtime import Runtime
from app.services.delivery import sending
from app.services.messaging import outbox
from app.settings import Settings
from workers.bootstrap import get_runtime, job_logger

log = job_logger(__name__)

_senders: dict[int, tuple[Settings, SmsSender]] = {}
_senders_lock = threading.Lock()


def sender_for(runtime: Runtime) -> SmsSender:
    """One sender per Runtime (the Twilio client keeps a pooled HTTPS session); rebuilt if the
    Runtime's settings object changed (tests swap runtimes in one process)."""
    with _senders_lock:
        cached = _senders.get(id(runtime))
        if cached is None or cached[0] is not runtime.settings:
            cached = _senders[id(runtime)] = (runtime.settings, build_sms_sender(runtime.settings))
        return cached[1]


def send_message(message_id: int) -> str:
    runtime = get_runtime()
    result = sending.deliver(
        runtime.write_session_factory,
        sender_for(runtime),
        message_id,
        utcnow(),
        daily_cap=runtime.settings.sms_daily_cap,
    )
    _follow_up(runtime, message_id, result)
    log.info("message %d: %s", message_id, result.outcome)
    return result.outcome


def reconcile_message(message_id: int) -> str:
    runtime = get_runtime()
    result = sending.reconcile(runtime.write_session_factory, sender_for(runtime), message_id,
                               utcnow())
    _follow_up(runtime, message_id, result)
    log.info("message %d reconcile: %s", message_id, result.outcome)
    return result.outcome


def _follow_up(runtime: Runtime, message_id: int, result: sending.Delivery) -> None:
    queue = job_queue_for(runtime)
    if result.retry_in is not None:
        outbox.enqueue_attempt(
            queue, message_id, attempt=result.attempt, delay_seconds=result.retry_in
        )
    if result.reconcile_in is not None:
        stamp = utcnow().strftime("%Y%m%d%H%M%S")
        queue.enqueue(
            RECONCILE_MESSAGE.func,
            message_id,
            job_id=f"reconcile-message-{message_id}-{stamp}",
            queue=RECONCILE_MESSAGE.queue,
            delay_seconds=result.reconcile_in,
        )
    if result.message_ids:
        outbox.enqueue_send(queue, result.message_ids)
