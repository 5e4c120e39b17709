"""`here2help fallback replay`: the journal into the database exactly once."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from app.domain.enums import CaseStatus, MessageDirection
from app.models.base import utcnow
from app.models.case import Case
from app.models.conversation import ProcessedWebhook
from app.models.message import Call, Message
from app.services.fallback import journal as fallback_journal
from app.services.fallback import replay as fallback_replay
from app.services.fallback.replay import replay_journal
from tests.fallback.payloads import call_params, sms_params


class RecordingQueue:
    """A JobQueue that records what was enqueued (the real one has its own tests)."""

    def __init__(self) -> None:
        self.jobs: list[tuple[str, tuple[int, ...], str]] = []

    def enqueue(self, func, *ids, job_id, queue="default", delay_seconds=None) -> bool:
        self.jobs.append((func, ids, job_id))
        return True


class Crash(BaseException):
    """Stands for the process dying (kill -9): nothing in the replay may catch it."""


def _crashing(real: Callable[..., Any], *, before_call: int | None = None,
              after_call: int | None = None) -> Callable[..., Any]:
    """`real`, except that the process "dies" (Crash) just before its `before_call`-th call or
    just after its `after_call`-th one returns."""
    calls = 0

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == before_call:
            raise Crash
        result = real(*args, **kwargs)
        if calls == after_call:
            raise Crash
        return result

    return wrapper


@pytest.fixture
def live_settings(settings, down_settings):
    """The working database's settings, reading the journal the DB-down app wrote."""
    return dataclasses.replace(settings, instance_path=down_settings.instance_path)


def count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def inbound_sids(session) -> list[str]:
    return list(session.scalars(select(Message.twilio_sid).where(
        Message.direction == MessageDirection.INBOUND)))


def test_database_down_then_replay_loses_nothing_and_duplicates_nothing(
    fallback_post, live_settings, session_factory, db_session, db_touches
):
    texts = [sms_params(n) for n in range(50)]
    calls = [call_params(n) for n in range(3)]
    for params in texts:
        assert fallback_post(params).status_code == 200
    fallback_post(texts[0])  # Twilio delivered one twice: still one entry, one message
    for params in calls:
        fallback_post(params)
    fallback_post({**calls[0], "RecordingUrl": "https://api.twilio.com/rec/RE1",
                   "RecordingSid": "RE" + "2" * 32, "RecordingDuration": "9"})
    assert db_touches == []
    queue = RecordingQueue()

    summary = replay_journal(session_factory, live_settings.fallback_journal_dir,
                             settings=live_settings, job_queue=queue, now=utcnow())

    assert summary.failed == []
    assert (summary.sms, summary.calls, summary.voicemails) == (50, 3, 1)
    assert summary.line() == "replayed 54 entries: 50 SMS, 3 calls, 1 voicemail; 0 failed"
    sids = inbound_sids(db_session)
    assert sorted(sids) == sorted(p["MessageSid"] for p in texts)  # 0 lost, 0 duplicated
    bodies = set(db_session.scalars(select(Message.body).where(
        Message.direction == MessageDirection.INBOUND)))
    assert bodies == {p["Body"] for p in texts}
    # The flow answered each resident: replies are in the outbox and their sends enqueued.
    replies = db_session.scalars(select(Message).where(
        Message.idempotency_key.like("fallback-reply:%"))).all()
    assert {m.to_phone for m in replies} == {p["From"] for p in texts}
    sent = {ids[0] for func, ids, _ in queue.jobs if func.endswith("send_message")}
    assert {m.id for m in replies if m.status == "pending"} <= sent
    # Every call is a needs_staff call-back case; the voicemail is on the first.
    for params in calls:
        call = db_session.scalar(select(Call).where(Call.call_sid == params["CallSid"]))
        case = db_session.get(Case, call.case_id)
        assert case.status == CaseStatus.NEEDS_STAFF and case.phone == params["From"]
        assert case.callback_due_at is not None
    first = db_session.scalar(select(Call).where(Call.call_sid == calls[0]["CallSid"]))
    assert first.recording_url == "https://api.twilio.com/rec/RE1"
    kinds = [e.kind for e in db_session.get(Case, first.case_id).events]
    assert kinds.count("handover") == 1 and kinds.count("voicemail") == 1
    assert count(db_session, Case, Case.channel == "voice") == 3
    journal = live_settings.fallback_journal_dir
    assert list(fallback_journal.pending_files(journal)) == []
    assert len(list((journal / "replayed").glob("*.json"))) == 54

    again = replay_journal(session_factory, journal, settings=live_settings, job_queue=queue,
                           now=utcnow())
    assert again.line() == "replayed 0 entries: 0 SMS, 0 calls; 0 failed"
    assert len(inbound_sids(db_session)) == 50


def test_replayed_file_put_back_is_skipped_by_its_claim(
    fallback_post, live_settings, session_factory, db_session
):
    params = sms_params(1)
    fallback_post(params)
    journal = live_settings.fallback_journal_dir
    replay_journal(session_factory, journal, settings=live_settings, job_queue=None, now=utcnow())
    [done] = (journal / "replayed").glob("*.json")
    done.rename(journal / done.name)  # as if the move had not happened
    summary = replay_journal(session_factory, journal, settings=live_settings, job_queue=None,
                             now=utcnow())
    assert (summary.sms, summary.already) == (0, 1)
    assert inbound_sids(db_session) == [params["MessageSid"]]


def test_crash_after_commit_before_move_then_rerun_loads_nothing_twice(
    fallback_post, live_settings, session_factory, db_session, monkeypatch
):
    texts = [sms_params(n) for n in range(6)]
    for params in texts:
        fallback_post(params)
    journal = live_settings.fallback_journal_dir
    real_move = fallback_journal.move_to
    # Entry 4 is committed, its file not yet moved.
    monkeypatch.setattr(fallback_replay, "move_to", _crashing(real_move, before_call=4))
    with pytest.raises(Crash):
        replay_journal(session_factory, journal, settings=live_settings, job_queue=None,
                       now=utcnow())
    assert len(inbound_sids(db_session)) == 4
    monkeypatch.setattr(fallback_replay, "move_to", real_move)

    summary = replay_journal(session_factory, journal, settings=live_settings, job_queue=None,
                             now=utcnow())
    assert (summary.sms, summary.already, summary.failed) == (2, 1, [])
    assert sorted(inbound_sids(db_session)) == sorted(p["MessageSid"] for p in texts)


def test_crash_before_commit_rolls_the_entry_back_and_rerun_loads_it_once(
    fallback_post, live_settings, session_factory, db_session, monkeypatch
):
    texts = [sms_params(n) for n in range(4)]
    for params in texts:
        fallback_post(params)
    journal = live_settings.fallback_journal_dir
    real = fallback_replay.handle_sms
    # Inside the transaction: the second entry's rows must vanish.
    monkeypatch.setattr(fallback_replay, "handle_sms", _crashing(real, after_call=2))
    with pytest.raises(Crash):
        replay_journal(session_factory, journal, settings=live_settings, job_queue=None,
                       now=utcnow())
    assert len(inbound_sids(db_session)) == 1
    assert count(db_session, ProcessedWebhook, ProcessedWebhook.kind == "fallback") == 1
    monkeypatch.setattr(fallback_replay, "handle_sms", real)

    summary = replay_journal(session_factory, journal, settings=live_settings, job_queue=None,
                             now=utcnow())
    assert (summary.sms, summary.failed) == (3, [])
    assert sorted(inbound_sids(db_session)) == sorted(p["MessageSid"] for p in texts)


def test_sms_the_primary_already_stored_is_not_loaded_again(
    fallback_post, live_settings, session_factory, db_session
):
    params = sms_params(5)
    db_session.add(Message(direction=MessageDirection.INBOUND, purpose="inbound",
                           twilio_sid=params["MessageSid"], body=params["Body"],
                           status="received"))
    db_session.commit()
    fallback_post(params)
    summary = replay_journal(session_factory, live_settings.fallback_journal_dir,
                             settings=live_settings, job_queue=None, now=utcnow())
    assert (summary.sms, summary.already) == (0, 1)
    assert inbound_sids(db_session) == [params["MessageSid"]]


def test_voicemail_replayed_before_its_call_entry_still_one_case(
    fallback_post, live_settings, session_factory, db_session
):
    params = call_params(8)
    fallback_post({**params, "RecordingUrl": "https://api.twilio.com/rec/RE9",
                   "RecordingSid": "RE" + "9" * 32, "RecordingDuration": "20"})
    journal = live_settings.fallback_journal_dir
    replay_journal(session_factory, journal, settings=live_settings, job_queue=None, now=utcnow())
    fallback_post(params)  # the call entry turns up later (or was replayed later)
    summary = replay_journal(session_factory, journal, settings=live_settings, job_queue=None,
                             now=utcnow())
    assert (summary.calls, summary.voicemails) == (1, 0)
    call = db_session.scalar(select(Call).where(Call.call_sid == params["CallSid"]))
    assert call.recording_url == "https://api.twilio.com/rec/RE9"
    assert count(db_session, Case, Case.phone == params["From"]) == 1


def test_withheld_caller_still_gets_a_case_without_a_number(
    fallback_post, live_settings, session_factory, db_session
):
    params = call_params(2, From="anonymous")
    fallback_post(params)
    replay_journal(session_factory, live_settings.fallback_journal_dir, settings=live_settings,
                   job_queue=None, now=utcnow())
    call = db_session.scalar(select(Call).where(Call.call_sid == params["CallSid"]))
    case = db_session.get(Case, call.case_id)
    assert case.phone is None and case.status == CaseStatus.NEEDS_STAFF


def test_unreadable_and_unknown_entries_fail_once_and_are_set_aside(
    fallback_post, live_settings, session_factory
):
    fallback_post({"From": "+447700900001", "Body": "no sid at all"})
    journal = live_settings.fallback_journal_dir
    (journal / "sms-SMbroken.json").write_text("{not json")
    summary = replay_journal(session_factory, journal, settings=live_settings, job_queue=None,
                             now=utcnow())
    assert len(summary.failed) == 2
    assert summary.line().endswith("; 2 failed")
    assert len(list((journal / "failed").glob("*.json"))) == 2
    again = replay_journal(session_factory, journal, settings=live_settings, job_queue=None,
                           now=utcnow())
    assert again.failed == []
