"""Replay behaves like live: one reply per inbound text, in order, and a number whose texts
wait in the journal has its new texts queued behind them rather than answered first."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from app.models.base import utcnow
from app.models.message import Message
from app.services.fallback.journal import pending_files, read_entry
from app.services.fallback.replay import replay_journal
from tests.fault.conftest import HELPLINE, post_form

pytestmark = pytest.mark.fault
_sids = itertools.count(1)
RESIDENT, OTHER = "+447700900741", "+447700900742"


def _text(runtime, client, phone: str, body: str) -> str:
    sid = f"SM{next(_sids):030x}ro"
    status, _ = post_form(client, runtime.settings.twilio_auth_token, {
        "MessageSid": sid, "AccountSid": "AC" + "1" * 32, "From": phone, "To": HELPLINE,
        "Body": body})
    assert status == 200
    return sid


def test_texts_behind_journaled_ones_wait_and_replay_in_order_one_reply_each(
        hostile, db_session, monkeypatch) -> None:
    runtime, client = hostile
    from app.web.webhooks import sms

    real = sms.answer_sms
    def broken(*_args, **_kwargs):
        raise RuntimeError("the database had a bad moment")

    monkeypatch.setattr(sms, "answer_sms", broken)
    first = _text(runtime, client, RESIDENT, "hi")
    monkeypatch.setattr(sms, "answer_sms", real)
    second = _text(runtime, client, RESIDENT, "1")  # the service is back, replay has not run
    live = _text(runtime, client, OTHER, "hi")  # another number is answered live
    journal_dir = runtime.settings.fallback_journal_dir
    assert [read_entry(p).key for p in pending_files(journal_dir)] == [first, second]
    assert db_session.scalar(select(Message.id).where(Message.twilio_sid == live))

    summary = replay_journal(runtime.write_session_factory, journal_dir,
                             settings=runtime.settings, job_queue=None, now=utcnow())
    assert (summary.sms, summary.failed) == (2, [])
    db_session.expire_all()
    inbound = list(db_session.scalars(select(Message).where(
        Message.direction == "inbound", Message.from_phone == RESIDENT).order_by(Message.id)))
    assert [m.twilio_sid for m in inbound] == [first, second]  # in the order written
    replies = list(db_session.scalars(select(Message).where(
        Message.direction == "outbound", Message.to_phone == RESIDENT).order_by(Message.id)))
    assert len(replies) == 2  # exactly one SMS back per inbound text
    assert "Welcome" in replies[0].body or "Here2Help" in replies[0].body
    assert list(pending_files(journal_dir)) == []
    after = _text(runtime, client, RESIDENT, "2")  # nothing waiting now: answered live
    assert db_session.scalar(select(Message.id).where(Message.twilio_sid == after))
