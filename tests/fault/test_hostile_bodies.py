"""54 hostile inbound texts on SQLite and PostgreSQL: no 500, every inbound stored or journaled,
and the journal replays.

Answers of 1,600 characters (ten concatenated SMS), 5 KB names, NUL anywhere (in the body, the
sender, the MessageSid, a parameter's name), emoji, right-to-left text with direction
overrides, malformed percent-encodings, withheld and foreign numbers. The same bodies once
answered 500 on PostgreSQL only (a name longer than its column, a NUL) and were lost.
"""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from app.models.base import utcnow
from app.models.case import Case
from app.models.message import Message
from app.services.fallback.journal import pending_files, read_entry
from app.services.fallback.replay import replay_journal
from tests.fault.conftest import HELPLINE, WALK, post_form, report

pytestmark = pytest.mark.fault
_sids = itertools.count(1)
LONG_ANSWER = ("I need someone to collect my prescription and some food. " * 30)[:1600]
FIVE_KB_NAME = "Ann " * 1280
RTL = "\u202eأحتاج إلى مساعدة في التسوق \u05d0\u05e0\u05d9 \u05e6\u05e8\u05d9\u05da \u202c"
EMOJI = "🥛🍞💊 👩‍👩‍👧‍👦 " * 80

#: Walks through the whole flow with a hostile details answer and name (8 texts each).
WALKS = {
    "long": (LONG_ANSWER, FIVE_KB_NAME),
    "nul": ("bread\x00 and \x00milk", "Ann\x00 Jones\x00"),
    "emoji": (EMOJI, "👩‍🦳 Mary " * 40),
    "rtl": (RTL * 20, RTL),
    "malformed": (b"bread %ff%fe and %c3%28 milk", b"Ann %80%81 Jones %ed%a0%80"),
}
#: Single texts with a hostile sender, identity or shape (MessageSid, From, To, extra fields).
SINGLES = [
    {"From": "+4477009\x00007301"},
    {"From": "\x00"},
    {"MessageSid": "SM\x00" + "a" * 32},
    {"To": "+441632\x00960000"},
    {"Bo\x00dy": "hello"},
    {"From": "anonymous"},
    {"From": ""},
    {"From": "+266696687"},
    {"From": "Restricted"},
    {"From": "+12025550123"},
    {"From": "+33639980123", "Body": RTL},
    {"From": "+61491570156", "Body": EMOJI},
    {"Body": LONG_ANSWER},
    {"Body": FIVE_KB_NAME, "From": "+447700900714"},
]


def _sid() -> str:
    return f"SM{next(_sids):032x}"


def test_hostile_bodies_are_stored_or_journaled_and_replayed(hostile, db_session) -> None:
    runtime, client = hostile
    token = runtime.settings.twilio_auth_token
    statuses, sids = [], []
    for n, (details, name) in enumerate(WALKS.values()):
        phone = f"+447700900{700 + n:03d}"
        for step, text in enumerate(WALK):
            body = details if step == 4 else name if step == 6 else text
            status, sid = post_form(client, token, {
                "MessageSid": _sid(), "AccountSid": "AC" + "1" * 32, "From": phone,
                "To": HELPLINE, "Body": body})
            statuses.append(status)
            sids.append(sid)
    for extra in SINGLES:
        fields = {"MessageSid": _sid(), "AccountSid": "AC" + "1" * 32,
                  "From": "+447700900720", "To": HELPLINE, "Body": "hi", **extra}
        status, sid = post_form(client, token, fields)
        statuses.append(status)
        sids.append(sid)
    assert len(statuses) == 54
    journal_dir = runtime.settings.fallback_journal_dir
    journaled = [read_entry(p).key for p in pending_files(journal_dir)]
    summary = replay_journal(runtime.write_session_factory, journal_dir,
                             settings=runtime.settings, job_queue=None, now=utcnow())
    db_session.expire_all()
    stored = set(db_session.scalars(select(Message.twilio_sid).where(
        Message.direction == "inbound")))
    wanted = {sid.replace("\x00", "")[:64] for sid in sids}
    cases = list(db_session.scalars(select(Case).where(Case.channel == "sms")))
    report("hostile-bodies", backend=db_session.get_bind().dialect.name, requests=len(statuses),
           errors_500=statuses.count(500), journaled=len(journaled),
           replay_failed=len(summary.failed), lost=len(wanted - stored), cases=len(cases))
    assert statuses.count(500) == 0 and set(statuses) == {200}
    assert summary.failed == []
    assert wanted - stored == set(), "an inbound text was neither stored nor replayed"
    by_phone = {c.phone: c for c in cases}
    walkers = {f"+447700900{700 + n:03d}" for n in range(len(WALKS))}
    assert walkers <= set(by_phone)  # every hostile walk still ended in a case
    long_case = by_phone["+447700900700"]
    assert len(long_case.name) == 200 and long_case.details == LONG_ANSWER
    assert by_phone["+447700900701"].name == "Ann Jones"
    full_name = db_session.scalar(select(Message.body).where(Message.body == FIVE_KB_NAME))
    assert full_name == FIVE_KB_NAME  # the whole answer stays in the message log


def test_an_unexpected_error_in_the_sms_webhook_is_journaled_and_replayed(
        hostile, db_session, monkeypatch) -> None:
    """A bug is treated like a database outage: the resident gets the safe advice (200), the
    signed request is journaled, and replay loads it once the bug is gone."""
    runtime, client = hostile
    from app.web.webhooks import sms

    real = sms.answer_sms

    def broken(*_args, **_kwargs):
        raise RuntimeError("a bug nobody foresaw")

    monkeypatch.setattr(sms, "answer_sms", broken)
    status, sid = post_form(client, runtime.settings.twilio_auth_token, {
        "MessageSid": _sid(), "AccountSid": "AC" + "1" * 32, "From": "+447700900730",
        "To": HELPLINE, "Body": "hi"})
    assert status == 200
    assert [read_entry(p).key for p in pending_files(runtime.settings.fallback_journal_dir)] \
        == [sid]
    monkeypatch.setattr(sms, "answer_sms", real)
    summary = replay_journal(runtime.write_session_factory, runtime.settings.fallback_journal_dir,
                             settings=runtime.settings, job_queue=None, now=utcnow())
    assert (summary.sms, summary.failed) == (1, [])
    db_session.expire_all()
    assert db_session.scalar(select(Message.body).where(Message.twilio_sid == sid)) == "hi"
