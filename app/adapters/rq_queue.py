"""`JobQueue` on rq: enqueue a job by dotted path with integer ids, never failing a webhook.

The database is the source of truth (a webhook commits, then enqueues); a sweeper re-enqueues
whatever is still pending. So when Redis is unreachable, `enqueue` logs and returns False rather
than raising: the resident still gets an answer, and nothing is lost. After the first Redis
error a queue gives up for the rest of its unit of work (a web request, a job step): a hung
Redis costs one socket timeout, not one per job, so a request stays inside its time budget.

Job ids start with the database's own id (`Runtime.instance_id`), so the jobs of two databases
never share an id. A job id rq still remembers as finished or failed (its result is kept for
an hour) does not block new work either: the job is enqueued again under a fresh id.
"""

from __future__ import annotations

import logging
import re
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus
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


#: A job in one of these states will still run: a duplicate enqueue is rightly refused.
_WILL_RUN = frozenset({JobStatus.QUEUED, JobStatus.DEFERRED, JobStatus.SCHEDULED,
                       JobStatus.STARTED})


class RqJobQueue:
    """Enqueues with the JSON serializer (no pickle), explicit timeouts and bounded TTLs."""

    def __init__(self, connection: Redis, namespace: str = "") -> None:
        self._redis = connection
        self._namespace = namespace
        self._gave_up = False

    @property
    def namespace(self) -> str:
        return self._namespace

    def full_job_id(self, job_id: str) -> str:
        """The rq id of our `job_id`: the database's id, then the readable id."""
        rq_id = rq_job_id(job_id)
        return f"{self.namespace}-{rq_id}" if self.namespace else rq_id

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
        rq_id = self.full_job_id(job_id)
        if self._gave_up:
            log.info("job %s not enqueued: Redis failed earlier in this unit of work", rq_id)
            return False
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
            if self._will_run(rq_id):
                log.info("job %s is already queued", rq_id)
                return True
            # Finished or failed long ago (or for a database that was reset): new work.
            log.info("job %s ran before; enqueued again under a fresh id", rq_id)
            return self.enqueue(func, *ids, job_id=f"{job_id}-again-{uuid.uuid4().hex[:8]}",
                                queue=queue, delay_seconds=delay_seconds)
        except RedisError as exc:
            # Connection refused, timeout, OOM under noeviction...: the sweeper will retry.
            self._gave_up = True
            log.warning("could not enqueue job %s: Redis error %s", rq_id, type(exc).__name__)
            return False
        return True

    def _will_run(self, rq_id: str) -> bool:
        try:
            status = Job.fetch(rq_id, connection=self._redis,
                               serializer=JSONSerializer).get_status(refresh=False)
        except NoSuchJobError:
            return False  # gone since: enqueue again
        return status in _WILL_RUN


def job_queue_for(runtime: Runtime) -> RqJobQueue:
    """The queue of a Runtime; Redis is connected lazily, on the first enqueue."""
    return _LazyRqJobQueue(runtime)


class _LazyRqJobQueue(RqJobQueue):
    """Defers `runtime.redis` (which may start the embedded server) until it is needed."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._gave_up = False

    @property
    def _redis(self) -> Redis:  # type: ignore[override]
        return self._runtime.redis

    @property
    def namespace(self) -> str:
        return self._runtime.instance_id
