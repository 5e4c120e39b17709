"""Run an rq worker on every queue, with rq's scheduler and our periodic-job ticker.

`here2help worker` and `serve` come here. The worker speaks JSON only (unpickling a crafted
job would run its code), listens on the queues in priority order, and runs with
`with_scheduler=True` so that `enqueue_in` timers fire; with several workers, rq fails the
scheduler over between them.
"""

from __future__ import annotations

import logging
import threading
import time

from redis import ConnectionPool, Redis
from redis.exceptions import RedisError
from rq import Queue, Worker
from rq.job import Job
from rq.serializers import JSONSerializer

from app.adapters.rq_queue import RqJobQueue
from app.jobs import ALL_QUEUES
from app.redis_conn import config_warning
from app.runtime import Runtime
from workers import bootstrap, schedule

log = logging.getLogger(__name__)

#: How often the ticker looks at the clock; the shortest period is 10 s (schedule.validate).
TICK_SECONDS = 5.0
CLAIM_PREFIX = "here2help:periodic"


class Here2HelpWorker(Worker):
    """rq's forking Worker; the work-horse drops the DB connections it inherited."""

    def main_work_horse(self, job: Job, queue: Queue):
        bootstrap.reset_after_fork()
        return super().main_work_horse(job, queue)


class PeriodicTicker:
    """Enqueues each periodic job once per period, however many workers tick (see schedule.py)."""

    def __init__(self, redis: Redis, jobs: tuple[schedule.PeriodicJob, ...] | None = None) -> None:
        pool = redis.connection_pool
        # Its own pool: the work-horse forks while this thread may hold a pooled connection.
        self._redis = Redis(connection_pool=ConnectionPool(
            connection_class=pool.connection_class, **pool.connection_kwargs))
        self._queue = RqJobQueue(self._redis)
        self._jobs = schedule.PERIODIC_JOBS if jobs is None else jobs
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="periodic-ticker", daemon=True)

    def tick(self, now: float | None = None) -> list[str]:
        """Enqueue what is due now; returns the job ids enqueued by this call."""
        now = time.time() if now is None else now
        enqueued = []
        for job in self._jobs:
            period = int(now) // job.interval_seconds
            claim = f"{CLAIM_PREFIX}:{job.name}:{period}"
            if not self._redis.set(claim, "1", nx=True, ex=2 * job.interval_seconds):
                continue  # another worker (or an earlier tick) has this period
            job_id = f"periodic-{job.name}-{period}"
            if self._queue.enqueue(job.func, job_id=job_id, queue=job.queue):
                enqueued.append(job_id)
            else:
                self._redis.delete(claim)  # not queued: let the next tick try again
        return enqueued

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except RedisError as exc:  # Redis restarting: try again on the next tick
                log.warning("periodic ticker: Redis error %s", type(exc).__name__)
            self._stop.wait(TICK_SECONDS)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=TICK_SECONDS + 1)


def make_worker(redis: Redis, name: str | None = None) -> Here2HelpWorker:
    queues = [Queue(str(q), connection=redis, serializer=JSONSerializer) for q in ALL_QUEUES]
    return Here2HelpWorker(queues, connection=redis, serializer=JSONSerializer, name=name)


def run_worker(runtime: Runtime, *, burst: bool = False, with_scheduler: bool = True,
               logging_level: str = "INFO") -> bool:
    """Work until told to stop (SIGINT/SIGTERM: finish the current job, then exit)."""
    redis = runtime.redis
    warning = config_warning(redis)  # an evicting Redis silently loses jobs
    if warning:
        log.warning("%s", warning)
    schedule.validate()
    bootstrap.use_runtime(runtime)
    ticker = PeriodicTicker(redis)
    if not burst:
        ticker.start()
    try:
        return make_worker(redis).work(
            burst=burst, with_scheduler=with_scheduler, logging_level=logging_level
        )
    finally:
        if not burst:
            ticker.stop()
