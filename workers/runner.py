"""Run an rq worker on every queue, with our ticker for periodic and delayed jobs.

`here2help worker` and `serve` come here. The worker speaks JSON only (unpickling a crafted
job would run its code) and listens on the queues in priority order.

Jobs run in the worker process itself (rq's `SimpleWorker`), not in a forked work-horse: a job
is milliseconds of database work, and a fork per job cost more than the job (a new process, the
job modules imported again, a new database connection, since a forked child may not share the
parent's). The job modules are imported once at start and the engine's pooled connections are
reused from job to job. rq's job time-out still applies (SIGALRM in the worker's main thread).

Delayed jobs (`enqueue_in`: 429 back-off, reconcile, price checks) are moved onto their queue
when due by the ticker thread of every worker (`DelayedJobs`), not by rq's scheduler process:
that process holds a lock for 61 s and a restarted worker retries for it only every ten
minutes, so after a worker was killed and restarted at once delayed work stalled for minutes,
and a Redis outage killed the process for good. The ticker takes no lock: each due job is
claimed by removing it from rq's scheduled registry (`ZREM` answers 1 to one worker only), is
retried every tick while Redis is away, and logs a warning when it moves a job more than
`OVERDUE_SECONDS` late (the watchdog for "no worker was promoting delayed jobs").
"""

from __future__ import annotations

import importlib
import logging
import signal
import threading
import time

from redis import ConnectionPool, Redis
from redis.exceptions import RedisError
from rq import Queue, SimpleWorker
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from rq.serializers import JSONSerializer

from app.adapters.rq_queue import RqJobQueue
from app.jobs import ALL_JOBS, ALL_QUEUES
from app.redis_conn import config_warning
from app.runtime import Runtime
from workers import bootstrap, schedule

log = logging.getLogger(__name__)

#: How often the ticker looks at the clock; the shortest period is 10 s (schedule.validate).
TICK_SECONDS = 2.0
#: A delayed job moved onto its queue later than this after it was due is logged as overdue.
OVERDUE_SECONDS = 60
#: Pause before the rq loop is started again after it ended on its own (a Redis outage).
RESTART_SECONDS = 2.0
CLAIM_PREFIX = "here2help:periodic"


class Here2HelpWorker(SimpleWorker):
    """rq's non-forking worker: each job runs in this process (module docstring)."""

    #: While Redis is away rq retries with exponential back-off, by default up to 60 s apart,
    #: so work queued the moment Redis returns could wait most of a minute. Retry often.
    max_connection_wait_time = 4.0
    #: Set when SIGINT/SIGTERM asked the worker to stop (rq does not always record it).
    stop_was_requested = False

    def request_stop(self, signum=None, frame=None):  # type: ignore[no-untyped-def]
        self.stop_was_requested = True
        return super().request_stop(signum, frame)


class DelayedJobs:
    """Moves delayed jobs whose time has come from rq's scheduled registries onto their queues."""

    def __init__(self, redis: Redis, queue_names: tuple[str, ...] | None = None) -> None:
        self._redis = redis
        self._names = tuple(str(q) for q in (queue_names or ALL_QUEUES))

    def promote(self, now: float | None = None) -> list[str]:
        """Enqueue every due job this worker claims; returns their ids."""
        now = time.time() if now is None else now
        moved = []
        for name in self._names:
            registry = ScheduledJobRegistry(name, connection=self._redis,
                                            serializer=JSONSerializer)
            due = self._redis.zrangebyscore(registry.key, 0, now, withscores=True)
            if not due:
                continue
            queue = Queue(name, connection=self._redis, serializer=JSONSerializer)
            for raw_id, due_at in due:
                job_id = raw_id.decode() if isinstance(raw_id, bytes) else str(raw_id)
                if not self._redis.zrem(registry.key, job_id):
                    continue  # another worker claimed it
                try:
                    job = Job.fetch(job_id, connection=self._redis, serializer=JSONSerializer)
                except NoSuchJobError:
                    continue  # expired or deleted meanwhile: nothing to run
                queue.enqueue_job(job)
                moved.append(job_id)
                if now - due_at > OVERDUE_SECONDS:
                    log.warning("delayed job %s ran %d s after it was due (no worker was "
                                "moving delayed jobs)", job_id, now - due_at)
        return moved


class PeriodicTicker:
    """Enqueues each periodic job once per period, however many workers tick (see schedule.py)."""

    def __init__(self, redis: Redis, jobs: tuple[schedule.PeriodicJob, ...] | None = None) -> None:
        pool = redis.connection_pool
        # Its own pool: the work-horse forks while this thread may hold a pooled connection.
        self._redis = Redis(connection_pool=ConnectionPool(
            connection_class=pool.connection_class, **pool.connection_kwargs))
        self._delayed = DelayedJobs(self._redis)
        self._jobs = schedule.PERIODIC_JOBS if jobs is None else jobs
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="periodic-ticker", daemon=True)

    def tick(self, now: float | None = None) -> list[str]:
        """Enqueue what is due now; returns the job ids enqueued by this call."""
        now = time.time() if now is None else now
        enqueued = []
        queue = RqJobQueue(self._redis)  # one per tick: a Redis failure gives up this tick only
        for job in self._jobs:
            period = int(now) // job.interval_seconds
            claim = f"{CLAIM_PREFIX}:{job.name}:{period}"
            if not self._redis.set(claim, "1", nx=True, ex=2 * job.interval_seconds):
                continue  # another worker (or an earlier tick) has this period
            job_id = f"periodic-{job.name}-{period}"
            if queue.enqueue(job.func, job_id=job_id, queue=job.queue):
                enqueued.append(job_id)
            else:
                self._redis.delete(claim)  # not queued: let the next tick try again
        return enqueued

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
                self._delayed.promote()
            except RedisError as exc:  # Redis restarting: try again on the next tick
                log.warning("periodic ticker: Redis error %s", type(exc).__name__)
            except Exception:  # the thread must outlive any one bad tick
                log.exception("periodic ticker: tick failed; trying again")
            self._stop.wait(TICK_SECONDS)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=TICK_SECONDS + 1)


def preload_job_modules() -> None:
    """Import every module a job names, once, before the first job (not in the first job)."""
    for route in ALL_JOBS:
        importlib.import_module(route.func.rpartition(".")[0])


def make_worker(redis: Redis, name: str | None = None) -> Here2HelpWorker:
    queues = [Queue(str(q), connection=redis, serializer=JSONSerializer) for q in ALL_QUEUES]
    return Here2HelpWorker(queues, connection=redis, serializer=JSONSerializer, name=name)


def run_worker(runtime: Runtime, *, burst: bool = False, logging_level: str = "INFO") -> bool:
    """Work until told to stop (SIGINT/SIGTERM: finish the current job, then exit).

    rq's scheduler process is not started: the ticker moves delayed jobs (module docstring).
    """
    redis = runtime.redis
    warning = config_warning(redis)  # an evicting Redis silently loses jobs
    if warning:
        log.warning("%s", warning)
    schedule.validate()
    preload_job_modules()
    bootstrap.use_runtime(runtime)
    ticker = PeriodicTicker(redis)
    if not burst:
        ticker.start()
    try:
        while True:
            worker = make_worker(redis)
            worked = worker.work(burst=burst, with_scheduler=False, logging_level=logging_level)
            if burst or worker.stop_was_requested:
                return worked
            # rq's loop quits on a Redis error outside its dequeue (a heartbeat, maintenance):
            # an outage must not end the worker (nor `serve`, which stops when a child dies).
            log.warning("the rq worker loop ended without a stop request (Redis away?); "
                        "starting it again in %d s", RESTART_SECONDS)
            if _wait_unless_stopped(RESTART_SECONDS):
                return worked
    finally:
        if not burst:
            ticker.stop()


def _wait_unless_stopped(seconds: float) -> bool:
    """Sleep `seconds`; True if SIGINT or SIGTERM arrived meanwhile (then stop for good)."""
    stop = threading.Event()
    previous = {signum: signal.signal(signum, lambda *_: stop.set())
                for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        return stop.wait(seconds)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
