"""A caller who asks for a person out of hours, through /twilio/voice with real signatures:
they hear their reference (slowly, twice) and when the line opens in UK time, a mobile caller
who may be texted gets both by SMS, and the call-back is due in opening hours."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import select

from app.models.case import Case
from app.models.message import Message
from app.models.resident import Resident
from app.models.staff import StaffUser
from app.services.casework.timeline_view import build_timeline

pytestmark = pytest.mark.clock

MOBILE = "07700900611"


def _case(db_session) -> Case:
    return db_session.scalars(select(Case)).one()


def _spoken(reference: str) -> str:
    return ", ".join(reference.split("-")[1])


def _ask_for_a_person(caller, phone: str, when: datetime):
    call = caller(phone)
    with time_machine.travel(when, tick=False):
        call.start()
        return call, call.say("operator")


@pytest.mark.parametrize(("when", "opens", "due"), [
    # Saturday evening in winter (GMT): opens Monday 09:00 GMT; due 2 open hours later
    (datetime(2027, 1, 9, 20, 0, tzinfo=UTC), "at 9am on Monday",
     datetime(2027, 1, 11, 11, 0, tzinfo=UTC)),
    # Friday evening in summer (18:30 BST): opens Monday 09:00 BST = 08:00 UTC
    (datetime(2027, 7, 2, 17, 30, tzinfo=UTC), "at 9am on Monday",
     datetime(2027, 7, 5, 10, 0, tzinfo=UTC)),
    # Maundy Thursday 2027: Good Friday and Easter Monday are bank holidays, the clocks go
    # forward on the Sunday, so the line opens on Tuesday at 09:00 BST
    (datetime(2027, 3, 25, 18, 0, tzinfo=UTC), "at 9am on Tuesday",
     datetime(2027, 3, 30, 10, 0, tzinfo=UTC)),
    # a weekday night: tomorrow
    (datetime(2027, 1, 13, 22, 0, tzinfo=UTC), "at 9am tomorrow",
     datetime(2027, 1, 14, 11, 0, tzinfo=UTC)),
])
def test_out_of_hours_caller_hears_reference_and_opening_time(caller, db_session, when, opens,
                                                               due):
    _, answer = _ask_for_a_person(caller, MOBILE, when)
    assert answer.root.find("Record") is not None
    case = _case(db_session)
    said = answer.said
    assert said.count(f"H, 2, H. {_spoken(case.reference)}") == 2  # slowly, twice
    assert f"The line opens {opens}" in said
    assert said.index("reference") < said.index("After the tone")
    sms = db_session.scalars(select(Message).where(Message.purpose == "case_reference")).one()
    assert sms.to_phone == "+447700900611" and sms.status == "pending"
    assert case.reference in sms.body and f"opens {opens} (UK time)" in sms.body
    assert case.status == "needs_staff"
    assert case.callback_due_at.replace(tzinfo=case.callback_due_at.tzinfo or UTC) == due


def test_the_closed_message_is_in_the_callers_language(caller, db_session):
    call = caller("07700900612")
    with time_machine.travel(datetime(2027, 1, 9, 20, 0, tzinfo=UTC), tick=False):
        call.start()
        call.press("2")  # Polski
        answer = call.press("0")
    assert "Linia będzie czynna w poniedziałek o 09:00" in answer.said
    sms = db_session.scalars(select(Message).where(Message.purpose == "case_reference")).one()
    assert "w poniedziałek o 09:00 (czas brytyjski)" in sms.body


def test_no_text_to_a_landline_or_a_number_that_opted_out(caller, db_session):
    db_session.add(Resident(phone="+447700900613", opted_out=True))
    db_session.commit()
    for number in ("01632960613", "07700900613"):
        _, answer = _ask_for_a_person(caller, number, datetime(2027, 1, 9, 20, 0, tzinfo=UTC))
        assert "The line opens at 9am on Monday" in answer.said
        assert "Your reference is" in answer.said
    pending = db_session.scalars(select(Message).where(Message.status == "pending")).all()
    assert pending == []


def test_open_but_nobody_on_duty_is_the_ordinary_voicemail(caller, db_session):
    _, answer = _ask_for_a_person(caller, MOBILE, datetime(2027, 1, 13, 10, 0, tzinfo=UTC))
    assert answer.root.find("Record") is not None
    assert "Nobody can take your call just now" in answer.said
    assert "The line opens" not in answer.said


def test_within_hours_the_on_duty_staff_are_rung(caller, db_session):
    db_session.add(StaffUser(email="duty611@example.org", role="call_handler",
                             password_hash="x", phone="+447700900614", on_duty=True))
    db_session.commit()
    _, answer = _ask_for_a_person(caller, MOBILE, datetime(2027, 1, 13, 10, 0, tzinfo=UTC))
    assert answer.root.find("Dial") is not None


def test_the_whole_call_is_on_the_case_timeline(caller, db_session):
    call = caller(MOBILE)
    with time_machine.travel(datetime(2027, 1, 9, 20, 0, tzinfo=UTC), tick=False):
        call.start()
    with time_machine.travel(datetime(2027, 1, 9, 20, 0, 20, tzinfo=UTC), tick=False):
        call.say("operator")
    url = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE611"
    with time_machine.travel(datetime(2027, 1, 9, 20, 2, tzinfo=UTC), tick=False):
        call.post_to("/twilio/voice/recording", {
            "RecordingUrl": url, "RecordingSid": "RE611", "RecordingDuration": "9"})
    case = _case(db_session)
    items = build_timeline(db_session, case)
    kinds = [(i.kind, i.title) for i in items]
    assert kinds[0] == ("call", "Inbound call")
    assert ("said", "The line said") in kinds and ("heard", "Caller said") in kinds
    said = [i.body for i in items if i.kind == "heard"]
    assert said == ["operator"]
    steps = [i.body for i in items if i.kind == "call_step"]
    assert steps[0] == "The line answered the call"
    assert "Handed over: recording a voicemail" in steps
    assert any(i.kind == "event" and i.title == "Voicemail" for i in items)
    text = next(i for i in items if i.kind == "sms_out")
    assert case.reference in text.body
    assert [i.at for i in items] == sorted(i.at for i in items)
    heard_at = next(i.at for i in items if i.kind == "heard")
    handover_at = next(i.at for i in items if i.title == "Handover")
    assert heard_at <= handover_at
