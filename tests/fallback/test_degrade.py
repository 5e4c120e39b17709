"""The primary webhooks with the database unreachable answer like the fallback.

No round trip through Twilio's fallback URL is needed: the request is journaled and the
resident gets the safe advice at once; replay then loads it like any fallback entry.
"""

from __future__ import annotations

import dataclasses
import time
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from app.models.base import utcnow
from app.models.message import Call, Message
from app.services.fallback.journal import pending_files, read_entry
from app.services.fallback.replay import replay_journal
from tests.fallback.payloads import call_params, sms_params


@pytest.mark.fault
def test_sms_and_voice_with_the_database_down_are_journaled_and_advised(
    primary_post, down_settings, settings, session_factory, db_session
):
    text = sms_params(1)
    started = time.monotonic()
    response = primary_post("/twilio/sms", text)
    assert time.monotonic() - started < 10  # well within Twilio's 15 s
    assert response.status_code == 200
    message = ElementTree.fromstring(response.data).find("Message")  # noqa: S314
    assert "999" in message.text
    call = call_params(2)
    response = primary_post("/twilio/voice", call)
    root = ElementTree.fromstring(response.data)  # noqa: S314
    assert response.status_code == 200 and root.find("Record") is not None
    step = primary_post("/twilio/voice/step?s=3", {**call, "Digits": "1"})
    assert step.status_code == 200

    entries = [read_entry(p) for p in pending_files(down_settings.fallback_journal_dir)]
    assert sorted(e.kind for e in entries) == ["call", "sms"]  # the step overwrote the call
    assert {e.url for e in entries} >= {"http://localhost/twilio/sms"}

    live = dataclasses.replace(settings, instance_path=down_settings.instance_path)
    summary = replay_journal(session_factory, live.fallback_journal_dir, settings=live,
                             job_queue=None, now=utcnow())
    assert (summary.sms, summary.calls, summary.failed) == (1, 1, [])
    assert db_session.scalar(select(Message.body).where(
        Message.twilio_sid == text["MessageSid"])) == text["Body"]
    assert db_session.scalar(select(Call).where(Call.call_sid == call["CallSid"])).case_id


@pytest.mark.fault
def test_status_callbacks_with_the_database_down_are_journaled_and_replayed(
    primary_post, down_settings, settings, session_factory, db_session
):
    """Twilio never retries a status callback: with the database down it is journaled (as a
    status callback, never as the resident's SMS it names) and replay applies it."""
    from app.services.messaging.outbox import queue_sms

    sent = queue_sms(db_session, to_phone="+447700900555", body="hello", purpose="reply",
                     idempotency_key="status-replay", now=utcnow())
    sent.twilio_sid, sent.status = "SM" + "a" * 32, "sent"
    db_session.commit()
    response = primary_post("/twilio/status", {"MessageSid": sent.twilio_sid,
                                               "MessageStatus": "delivered",
                                               "AccountSid": "AC" + "1" * 32})
    assert response.status_code == 200 and response.mimetype == "text/xml"
    [entry] = [read_entry(p) for p in pending_files(down_settings.fallback_journal_dir)]
    assert (entry.kind, entry.key) == ("status", f"{sent.twilio_sid}-delivered")

    live = dataclasses.replace(settings, instance_path=down_settings.instance_path)
    summary = replay_journal(session_factory, live.fallback_journal_dir, settings=live,
                             job_queue=None, now=utcnow())
    assert (summary.statuses, summary.failed) == (1, [])
    db_session.expire_all()
    assert db_session.get(Message, sent.id).status == "delivered"


@pytest.mark.fault
def test_a_replayed_final_status_queues_its_price_check(
    primary_post, down_settings, settings, session_factory, db_session
):
    """With Twilio to ask, a final status replayed from the journal queues the price check at
    once, as the live callback does (not minutes later through the sweeper)."""
    from app.services.messaging.outbox import queue_sms
    from tests.fallback.test_replay import RecordingQueue

    sent = queue_sms(db_session, to_phone="+447700900556", body="hello", purpose="reply",
                     idempotency_key="status-price-replay", now=utcnow())
    sent.twilio_sid, sent.status = "SM" + "b" * 32, "sent"
    db_session.commit()
    primary_post("/twilio/status", {"MessageSid": sent.twilio_sid, "MessageStatus": "delivered",
                                    "AccountSid": "AC" + "1" * 32})
    live = dataclasses.replace(settings, instance_path=down_settings.instance_path,
                               sms_backend="twilio")
    queue = RecordingQueue()
    summary = replay_journal(session_factory, live.fallback_journal_dir, settings=live,
                             job_queue=queue, now=utcnow())
    assert (summary.statuses, summary.failed) == (1, [])
    assert [(func, ids) for func, ids, _ in queue.jobs] == [
        ("workers.pricing.fetch_message_price", (sent.id,))]


@pytest.mark.slow
def test_a_database_too_slow_gives_up_at_its_budget_and_advises(committed_runtime, tmp_path):
    """On PostgreSQL: a table locked by another session makes the SMS webhook
    wait; the 5 s statement timeout ends the wait and the resident still gets the advice, well
    inside Twilio's 15 s, and the message is journaled for replay."""
    if committed_runtime.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL's statement_timeout (SQLite waits on busy_timeout)")
    from app import create_app
    from tests.plugins.twilio_webhooks import BASE_URL, sign

    settings = committed_runtime.settings
    params = sms_params(3)
    client = create_app(runtime=committed_runtime).test_client()
    with committed_runtime.engine.connect() as locker:
        locker.exec_driver_sql("BEGIN")
        locker.exec_driver_sql("LOCK TABLE processed_webhooks, messages IN ACCESS EXCLUSIVE MODE")
        started = time.monotonic()
        response = client.post("/twilio/sms", data=params, headers={
            "X-Twilio-Signature": sign(settings.twilio_auth_token, BASE_URL + "/twilio/sms",
                                       params)})
        elapsed = time.monotonic() - started
        locker.exec_driver_sql("ROLLBACK")
    assert response.status_code == 200
    assert "999" in ElementTree.fromstring(response.data).find("Message").text  # noqa: S314
    assert 4 < elapsed < 10, elapsed
    [entry] = [read_entry(p) for p in pending_files(settings.fallback_journal_dir)]
    assert entry.key == params["MessageSid"]
