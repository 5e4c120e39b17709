"""The rq worker: jobs run by dotted path with ids, periodic jobs once per period, Redis checks."""

from __future__ import annotations

import time

import pytest

from app.adapters.rq_queue import RqJobQueue
from app.jobs import ALL_JOBS, ALL_QUEUES, JobRoute
from app.redis_conn import config_warning, safe_url
from workers import schedule
from workers.runner import CLAIM_PREFIX, PeriodicTicker
from workers.schedule import PeriodicJob

MARK = "tests.platform.jobs.mark"
TICK = PeriodicJob("test-tick", "tests.platform.jobs.tick", 60)


def test_a_queued_job_runs_in_a_real_worker_with_the_runtime(job_queue, redis_conn,
                                                            run_worker_burst) -> None:
    job_queue.enqueue(MARK, 3, job_id="mark:3", queue="messages")
    job_queue.enqueue(MARK, 4, job_id="mark:4", queue="maintenance")
    assert run_worker_burst() is True
    assert redis_conn.lrange("test:marks", 0, -1) == [b"3", b"4"]  # messages queue first


def test_a_missing_job_function_fails_the_job_not_the_worker(job_queue, redis_conn,
                                                              run_worker_burst) -> None:
    job_queue.enqueue("workers.no_such_module.job", 1, job_id="missing:1")
    job_queue.enqueue(MARK, 2, job_id="mark:2")
    run_worker_burst()
    assert redis_conn.lrange("test:marks", 0, -1) == [b"2"]


def test_periodic_job_is_enqueued_once_per_period_across_workers(redis_conn) -> None:
    first, second = PeriodicTicker(redis_conn, (TICK,)), PeriodicTicker(redis_conn, (TICK,))
    now = 1_800_000_000.0
    assert first.tick(now) == [f"periodic-test-tick-{int(now) // 60}"]
    assert second.tick(now + 1) == []  # the other worker: same period, already claimed
    assert first.tick(now + 30) == []
    assert second.tick(now + 60) == [f"periodic-test-tick-{int(now) // 60 + 1}"]


def test_periodic_claim_is_released_when_redis_refuses_the_job(redis_conn, monkeypatch) -> None:
    ticker = PeriodicTicker(redis_conn, (TICK,))
    monkeypatch.setattr(RqJobQueue, "enqueue", lambda *a, **k: False)
    assert ticker.tick(1_800_000_000.0) == []
    assert redis_conn.keys(f"{CLAIM_PREFIX}:*") == []  # the next tick will try again


def test_periodic_jobs_run_through_a_real_worker(redis_conn, run_worker_burst) -> None:
    PeriodicTicker(redis_conn, (TICK,)).tick()
    run_worker_burst()
    assert redis_conn.get("test:ticks") == b"1"


@pytest.mark.parametrize("route", ALL_JOBS, ids=lambda r: r.func)
def test_every_job_the_app_names_is_a_worker_function(route: JobRoute) -> None:
    assert schedule.resolves(route.func)
    assert route.queue in ALL_QUEUES


def test_the_schedule_declares_the_sweeper_and_dbs_reminders() -> None:
    schedule.validate()
    by_func = {job.func: job.interval_seconds for job in schedule.PERIODIC_JOBS}
    assert by_func["workers.maintenance.sweep"] == 60
    assert by_func["workers.maintenance.dbs_expiry_reminders"] == 24 * 3600
    assert by_func["workers.maintenance.assignment_checkins"] == 600
    assert by_func["workers.directory.sync_directory_feeds"] == 24 * 3600


@pytest.mark.parametrize("jobs", [
    (PeriodicJob("a", "m.f", 60), PeriodicJob("a", "m.g", 60)),
    (PeriodicJob("a", "m.f", 1),),
    (PeriodicJob("a", "nodots", 60),),
    (PeriodicJob("a", "workers.no_such_module.job", 60),),
    (PeriodicJob("a", "workers.maintenance.no_such_job", 60),),
])
def test_malformed_schedules_are_rejected(jobs) -> None:
    with pytest.raises(ValueError):
        schedule.validate(jobs)


def test_redis_config_check_wants_noeviction(redis_process) -> None:
    client = redis_process.client()
    assert config_warning(client) is None
    client.config_set("maxmemory-policy", "allkeys-lru")
    warning = config_warning(client)
    assert warning is not None and "allkeys-lru" in warning and "noeviction" in warning
    assert "\n" not in warning


def test_redis_config_check_reports_when_it_cannot_check(redis_process, monkeypatch) -> None:
    from redis.exceptions import ResponseError

    client = redis_process.client()

    def refuse(*_args, **_kwargs):
        raise ResponseError("unknown command 'CONFIG'")

    monkeypatch.setattr(client, "config_get", refuse)
    assert "could not read" in config_warning(client)


def test_safe_url_hides_the_password() -> None:
    assert safe_url("redis://:s3cret@cache:6379/0") == "redis://:***@cache:6379/0"
    assert safe_url("redis://user:s3cret@cache/0") == "redis://user:***@cache/0"
    assert safe_url("unix:///tmp/redis.sock") == "unix:///tmp/redis.sock"


def test_a_due_delayed_job_is_moved_to_its_queue_by_exactly_one_worker(redis_conn) -> None:
    from rq import Queue
    from rq.serializers import JSONSerializer

    from workers.runner import DelayedJobs

    assert RqJobQueue(redis_conn).enqueue("tests.platform.jobs.mark", 5, job_id="later:5",
                                          queue="matching", delay_seconds=30)
    first, second = DelayedJobs(redis_conn), DelayedJobs(redis_conn)
    assert first.promote() == []  # not due yet
    later = time.time() + 31
    assert first.promote(later) == ["later-5"]
    assert second.promote(later) == []  # claimed: never queued twice
    queue = Queue("matching", connection=redis_conn, serializer=JSONSerializer)
    assert queue.job_ids == ["later-5"]
