"""The send job on a real rq worker, real Redis, the real twilio client and the fake server."""

from __future__ import annotations

import dataclasses

from rq.job import Job
from rq.registry import ScheduledJobRegistry
from rq.serializers import JSONSerializer

from app.adapters.rq_queue import RqJobQueue
from app.models.base import utcnow
from app.models.message import Message
from app.services.messaging.outbox import enqueue_send, queue_sms
from tests.messaging.conftest import RESIDENT_PHONE, VOLUNTEER_PHONE


def _queue_two(db_session) -> list[int]:
    ids = []
    for key, phone in (("w1", VOLUNTEER_PHONE), ("w2", RESIDENT_PHONE)):
        message = queue_sms(
            db_session, to_phone=phone, body=f"hello {key}", purpose="reply", idempotency_key=key,
            now=utcnow()
        )
        ids.append(message.id)
    db_session.commit()
    return ids


def test_rq_worker_sends_through_the_fake_twilio(
    db_session, redis_runtime, redis_conn, twilio_settings, fake_twilio, run_worker_burst
):
    runtime = dataclasses.replace(redis_runtime, settings=twilio_settings)
    ids = _queue_two(db_session)
    queue = RqJobQueue(redis_conn)
    enqueue_send(queue, ids)
    enqueue_send(queue, ids)  # a repeated enqueue is absorbed by the unique job id
    job = Job.fetch(f"send-message-{ids[0]}", connection=redis_conn, serializer=JSONSerializer)
    assert list(job.args) == [ids[0]]  # ids only: no PII in Redis
    assert run_worker_burst(runtime)
    db_session.expire_all()
    rows = [db_session.get(Message, i) for i in ids]
    assert [r.status for r in rows] == ["queued", "queued"]
    assert {r.twilio_sid for r in rows} == set(fake_twilio.messages)
    assert len(fake_twilio.sends) == 2


def test_rq_worker_schedules_a_backoff_retry_on_429(
    db_session, redis_runtime, redis_conn, twilio_settings, fake_twilio, run_worker_burst
):
    runtime = dataclasses.replace(redis_runtime, settings=twilio_settings)
    message = queue_sms(
        db_session, to_phone=VOLUNTEER_PHONE, body="hi", purpose="reply", idempotency_key="r1",
        now=utcnow()
    )
    db_session.commit()
    fake_twilio.script(20429)
    enqueue_send(RqJobQueue(redis_conn), [message.id])
    run_worker_burst(runtime)
    registry = ScheduledJobRegistry("messages", connection=redis_conn, serializer=JSONSerializer)
    assert registry.get_job_ids() == [
        f"{runtime.instance_id}-send-message-{message.id}-retry-1"]
    db_session.expire_all()
    assert db_session.get(Message, message.id).status == "pending"
    assert fake_twilio.messages == {}


def test_rq_worker_schedules_a_reconcile_after_a_dropped_answer(
    db_session, redis_runtime, redis_conn, twilio_settings, fake_twilio, run_worker_burst
):
    from workers import bootstrap, messaging

    runtime = dataclasses.replace(redis_runtime, settings=twilio_settings)
    message = queue_sms(
        db_session, to_phone=VOLUNTEER_PHONE, body="hi", purpose="reply", idempotency_key="d1",
        now=utcnow()
    )
    db_session.commit()
    fake_twilio.script("drop")
    enqueue_send(RqJobQueue(redis_conn), [message.id])
    run_worker_burst(runtime)
    registry = ScheduledJobRegistry("messages", connection=redis_conn, serializer=JSONSerializer)
    [job_id] = registry.get_job_ids()
    assert job_id.startswith(f"{runtime.instance_id}-reconcile-message-{message.id}-")
    bootstrap.use_runtime(runtime)  # what the scheduled job will run, run now
    assert messaging.reconcile_message(message.id) == "reconciled"
    db_session.expire_all()
    assert db_session.get(Message, message.id).twilio_sid in fake_twilio.messages
    assert len(fake_twilio.sends) == 1
