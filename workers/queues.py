"""The rq queues, in ONE place: names, the order a worker serves them in, and their limits.

Every enqueue goes through `app.adapters.rq_queue.RqJobQueue`, which looks the limits up here,
so a job can never be enqueued without an explicit timeout or with rq's one-year failure TTL.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class QueueName(StrEnum):
    """Queue names. A worker serves them in this order (first = highest priority)."""

    MESSAGES = "messages"  # outbound SMS: a resident or volunteer is waiting for it
    MATCHING = "matching"  # finding and offering volunteers
    DEFAULT = "default"
    MAINTENANCE = "maintenance"  # sweeper, reminders, retention: may wait behind the rest


@dataclass(frozen=True)
class QueueLimits:
    job_timeout: int  # seconds a job may run before rq kills it
    result_ttl: int  # seconds a finished job (ids only) is kept, for debugging
    failure_ttl: int  # seconds a failed job is kept in the FailedJobRegistry


_HOUR = 3600
_DAY = 24 * _HOUR

LIMITS: dict[QueueName, QueueLimits] = {
    # A send is one HTTPS call to Twilio (its client times out well before this).
    QueueName.MESSAGES: QueueLimits(job_timeout=60, result_ttl=_HOUR, failure_ttl=7 * _DAY),
    QueueName.MATCHING: QueueLimits(job_timeout=120, result_ttl=_HOUR, failure_ttl=7 * _DAY),
    QueueName.DEFAULT: QueueLimits(job_timeout=120, result_ttl=_HOUR, failure_ttl=7 * _DAY),
    QueueName.MAINTENANCE: QueueLimits(job_timeout=600, result_ttl=_HOUR, failure_ttl=7 * _DAY),
}

#: The order a worker listens in.
ALL_QUEUES: tuple[QueueName, ...] = tuple(QueueName)


def limits_for(queue: str | QueueName) -> QueueLimits:
    """The limits of a queue; ValueError for a name that is not one of ours."""
    return LIMITS[QueueName(queue)]
