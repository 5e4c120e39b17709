"""`JobQueue` on rq: enqueue a job by dotted path with integer ids, never failing a webhook.

The database is the source of truth (a webhook commits, then enqueues); a sweeper re-enqueues
whatever is still pending. So when Redis is unreachable, `enqueue` logs and returns False rather
than raising: the resident still gets an answer, and nothing is lost.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import TYPE_CHECKING

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.exceptions import DuplicateJobError
from rq.serializers import JSONSerializer

from app.jobs import QueueName, limits_for

if TYPE_CHECKING:
    from app.runtime import Runtime

log = logging.getLogger(__name__)

#: rq accepts only these characters in a job id (rq.job.JOB_ID_PATTERN).
_NOT_ALLOWED_IN_JOB_ID = re.compile(r"[^A-Za-z0-9_-]")


def rq_job_id(job_id: str) -> str:
    """Map our readable ids ("offer:12:7") onto rq's alphabet ("offer-12-7"), deterministically."""
    if not job_id:
        raise ValueError("a job id is required: every job is enqueued with unique=True")
    return _NOT_ALLOWED_IN_JOB_ID.sub("-", job_id)


class RqJobQueue:
    """Enqueues with the JSON serializer (no pickle), explicit timeouts and bounded TTLs."""

    def __init__(self, connection: Redis) -> None:
        self._redis = connection

    def queue(self, name: str | QueueName) -> Queue:
        return Queue(str(QueueName(name)), connection=self._redis, serializer=JSONSerializer)

    def enqueue(self, func: str, *ids: int, job_id: str, queue: str = "default",
                delay_seconds: int | None = None) -> bool:
        """Enqueue `func(*ids)` once: True if queued (now or before), False if Redis is down.

        Arguments are ids only: anything else is a programming error and raises TypeError,
        so no phone number or message text can end up in Redis.
        """
        bad = [type(i).__name__ for i in ids if type(i) is not int]
        if bad:
            raise TypeError(f"job arguments must be int ids, got {', '.join(bad)}")
        limits = limits_for(queue)
        rq_id = rq_job_id(job_id)
        options = {
            "job_id": rq_id,
            "job_timeout": limits.job_timeout,
            "result_ttl": limits.result_ttl,
            "failure_ttl": limits.failure_ttl,
            "unique": True,
        }
        try:
            q = self.queue(queue)
            if delay_seconds:
                q.enqueue_in(timedelta(seconds=delay_seconds), func, *ids, **options)
            else:
                q.enqueue(func, *ids, **options)
        except DuplicateJobError:
            log.info("job %s is already queued", rq_id)
            return True
        except RedisError as exc:
            # Connection refused, timeout, OOM under noeviction...: the sweeper will retry.
            log.warning("could not enqueue job %s: Redis error %s", rq_id, type(exc).__name__)
            return False
        return True


def job_queue_for(runtime: Runtime) -> RqJobQueue:
    """The queue of a Runtime; Redis is connected lazily, on the first enqueue."""
    return _LazyRqJobQueue(runtime)


class _LazyRqJobQueue(RqJobQueue):
    """Defers `runtime.redis` (which may start the embedded server) until it is needed."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    @property
    def _redis(self) -> Redis:  # type: ignore[override]
        return self._runtime.redis
