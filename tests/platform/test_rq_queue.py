"""RqJobQueue: ids only, JSON in Redis, one job per id, bounded TTLs, False when Redis is down."""

from __future__ import annotations

import json
import time
import zlib

import pytest
from redis import Redis
from rq import Queue
from rq.registry import ScheduledJobRegistry
from rq.serializers import JSONSerializer

from app.adapters.rq_queue import RqJobQueue, job_queue_for, rq_job_id
from app.jobs import ALL_QUEUES, LIMITS, QueueName

MARK = "tests.platform.jobs.mark"


def _queue(redis: Redis, name: str = "default") -> Queue:
    return Queue(name, connection=redis, serializer=JSONSerializer)


def test_enqueue_stores_ids_only_as_json_with_limits(job_queue, redis_conn) -> None:
    assert job_queue.enqueue(MARK, 42, job_id="mark:42", queue="messages") is True
    job = _queue(redis_conn, "messages").fetch_job("mark-42")
    assert job is not None and job.args == [42]
    assert job.timeout == LIMITS[QueueName.MESSAGES].job_timeout
    assert job.result_ttl == LIMITS[QueueName.MESSAGES].result_ttl
    assert job.failure_ttl == LIMITS[QueueName.MESSAGES].failure_ttl
    # What sits in Redis is JSON (not pickle) and holds the function path and the id, nothing else.
    stored = json.loads(zlib.decompress(redis_conn.hget("rq:job:mark-42", "data")))
    assert stored == [MARK, None, [42], {}]


def test_the_same_job_id_is_enqueued_once(job_queue, redis_conn) -> None:
    assert job_queue.enqueue(MARK, 7, job_id="mark:7") is True
    assert job_queue.enqueue(MARK, 7, job_id="mark:7") is True  # already there: not an error
    assert _queue(redis_conn).count == 1


def test_delayed_job_waits_in_the_scheduled_registry(job_queue, redis_conn) -> None:
    assert job_queue.enqueue(MARK, 9, job_id="mark:9", queue="matching", delay_seconds=900)
    queue = _queue(redis_conn, "matching")
    assert queue.count == 0
    assert "mark-9" in ScheduledJobRegistry(queue=queue).get_job_ids()
    assert job_queue.enqueue(MARK, 9, job_id="mark:9", queue="matching", delay_seconds=900)
    assert ScheduledJobRegistry(queue=queue).count == 1


@pytest.mark.parametrize("bad", ["+447700900123", 1.5, True, None, b"1"])
def test_anything_but_int_ids_is_refused(job_queue, redis_conn, bad) -> None:
    with pytest.raises(TypeError):
        job_queue.enqueue(MARK, bad, job_id="mark:bad")
    assert redis_conn.keys("rq:job:*") == []


def test_unknown_queue_and_empty_job_id_are_programming_errors(job_queue) -> None:
    with pytest.raises(ValueError):
        job_queue.enqueue(MARK, 1, job_id="x", queue="no-such-queue")
    with pytest.raises(ValueError):
        job_queue.enqueue(MARK, 1, job_id="")


def test_job_ids_are_mapped_onto_rqs_alphabet_deterministically() -> None:
    assert rq_job_id("offer:12:7") == "offer-12-7"
    assert rq_job_id("sweep") == "sweep"


def test_enqueue_returns_false_quickly_when_redis_is_down(redis_process) -> None:
    queue = RqJobQueue(redis_process.client())
    assert queue.enqueue(MARK, 1, job_id="before") is True
    redis_process.stop()
    started = time.monotonic()
    assert queue.enqueue(MARK, 2, job_id="during") is False
    assert time.monotonic() - started < 10  # webhooks answer within Twilio's 15 s
    redis_process.start()  # back (empty: no persistence) and usable again
    assert RqJobQueue(redis_process.client()).enqueue(MARK, 3, job_id="after") is True


def test_after_one_redis_failure_the_rest_of_the_unit_of_work_does_not_wait_again() -> None:
    """A hung Redis (accepts, never answers) costs the socket timeout once, not once per job:
    a request that queues several sends must still answer inside gunicorn's timeout."""
    import socket

    hung = socket.socket()
    hung.bind(("127.0.0.1", 0))
    hung.listen(16)  # connections complete in the backlog; nothing ever answers
    try:
        port = hung.getsockname()[1]
        queue = RqJobQueue(Redis(port=port, socket_timeout=1, socket_connect_timeout=1))
        started = time.monotonic()
        assert queue.enqueue(MARK, 1, job_id="first") is False
        assert time.monotonic() - started >= 0.9  # the first one waited for the timeout
        started = time.monotonic()
        assert not any(queue.enqueue(MARK, n, job_id=f"more:{n}") for n in range(5))
        assert time.monotonic() - started < 0.5  # the rest gave up at once
    finally:
        hung.close()


def test_a_finished_job_id_does_not_block_new_work(job_queue, redis_conn, run_worker_burst):
    """rq remembers a finished job's id for an hour; after a database reset the same row id
    names new work, which must run, not be taken for "already queued"."""
    assert job_queue.enqueue(MARK, 8, job_id="mark:8") is True
    assert run_worker_burst()
    assert redis_conn.lrange("test:marks", 0, -1) == [b"8"]
    assert job_queue.enqueue(MARK, 8, job_id="mark:8") is True
    assert run_worker_burst()
    assert redis_conn.lrange("test:marks", 0, -1) == [b"8", b"8"]


def test_job_ids_start_with_the_databases_own_id(redis_runtime) -> None:
    queue = job_queue_for(redis_runtime)
    assert redis_runtime.instance_id and len(redis_runtime.instance_id) == 12
    assert queue.full_job_id("match-case:3") == f"{redis_runtime.instance_id}-match-case-3"


def test_runtime_queue_connects_lazily(redis_runtime, redis_conn) -> None:
    assert job_queue_for(redis_runtime).enqueue(MARK, 5, job_id="lazy:5")
    assert _queue(redis_conn).count == 1


def test_every_queue_has_limits() -> None:
    assert set(LIMITS) == set(ALL_QUEUES) == set(QueueName)
    for limits in LIMITS.values():
        assert 0 < limits.job_timeout <= 600
        assert limits.failure_ttl <= 30 * 24 * 3600  # not rq's default of one year
