"""Delayed jobs (offer expiry, back-off retries, reconciles) recover in seconds, not minutes.

rq's scheduler process used to hold its lock for 61 s and retry only every ten minutes, so a
worker killed and restarted at once left delayed work waiting for minutes, and a Redis outage
killed the scheduler for good. Here a real worker is SIGKILLed and restarted at once, and Redis
is stopped for 15 s and started again (with its append-only file, as deployed): every delayed
job must run within 60 s of being due.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from app.adapters.rq_queue import RqJobQueue
from app.jobs import EXPIRE_OFFER
from tests.fault.conftest import report
from tests.plugins.redis_server import RedisProcess, free_port

pytestmark = [pytest.mark.slow, pytest.mark.fault]
JOBS = 10
LIMIT_SECONDS = 60


@pytest.fixture
def persistent_redis(tmp_path):
    proc = RedisProcess(tmp_path, free_port(), persistent=True)
    proc.start()
    try:
        yield proc
    finally:
        proc.stop()


def _schedule(redis, first: int, delays: range) -> dict[int, float]:
    """Enqueue `stamp(n)` jobs due after each delay; returns {n: due unix time}."""
    queue = RqJobQueue(redis)
    due = {}
    for offset, delay in enumerate(delays):
        n = first + offset
        assert queue.enqueue("tests.fault.jobs.stamp", n, job_id=f"fault-delayed-{n}",
                             queue=EXPIRE_OFFER.queue, delay_seconds=delay)
        due[n] = time.time() + delay
    return due


def _lateness(redis, due: dict[int, float], timeout: float) -> dict[int, float]:
    """Wait until every job ran (or timeout); {n: seconds after due}."""
    deadline = time.monotonic() + timeout
    ran: dict[int, float] = {}
    while time.monotonic() < deadline and set(ran) != set(due):
        try:
            for raw in redis.lrange("test:stamps", 0, -1):
                value, at = raw.decode().split(":")
                if int(value) in due:
                    ran[int(value)] = float(at) - due[int(value)]
        except OSError:
            pass
        time.sleep(0.5)
    return ran


def test_delayed_jobs_run_on_time_after_a_worker_sigkill_and_a_redis_outage(
        committed_env, persistent_redis, spawn_worker) -> None:
    env = {**committed_env, "REDIS_URL": persistent_redis.url}
    redis = persistent_redis.client()
    worker = spawn_worker(env=env)
    time.sleep(2)  # the worker is up and ticking
    workers = [worker]

    due = _schedule(redis, 0, range(3, 3 + JOBS))
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()
    workers.append(spawn_worker(env=env))  # restarted at once, as systemd's RestartSec=2 would
    after_kill = _lateness(redis, due, timeout=3 + JOBS + LIMIT_SECONDS)

    due_outage = _schedule(redis, 100, range(4, 4 + JOBS))
    persistent_redis.stop()
    time.sleep(15)  # every job falls due while Redis is away
    persistent_redis.start()
    after_outage = _lateness(redis, due_outage, timeout=LIMIT_SECONDS + 10)

    def worst(ran: dict[int, float]) -> str:
        return f"{max(ran.values()):.1f}" if ran else "n/a"

    report("delayed-jobs", jobs=2 * JOBS, lost=2 * JOBS - len(after_kill) - len(after_outage),
           worst_late_after_sigkill_s=worst(after_kill),
           worst_late_after_redis_outage_s=worst(after_outage))
    log = workers[-1].log_path.read_text()[-4000:]
    assert set(after_kill) == set(due), "a delayed job never ran after the kill:\n" + log
    assert set(after_outage) == set(due_outage), "a job never ran after the outage:\n" + log
    assert max(after_kill.values()) < LIMIT_SECONDS
    assert max(after_outage.values()) < LIMIT_SECONDS
    assert workers[-1].poll() is None, "the worker did not outlive the Redis outage:\n" + log
    counts = [raw.decode().split(":")[0] for raw in redis.lrange("test:stamps", 0, -1)]
    assert len(counts) == len(set(counts)), "a delayed job ran twice"
