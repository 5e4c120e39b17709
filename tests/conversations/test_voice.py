"""The phone menu end to end through /twilio/voice and its action URLs, to a case."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import func, select

from app.models.case import Case
from app.models.conversation import Conversation, ProcessedWebhook
from app.models.message import Call, Message
from app.models.staff import StaffUser
from app.services.conversations import handover

MOBILE = "07700900456"
LANDLINE = "01632960123"

# (language key, category key, need key, expected need, closing words)
LANGUAGES = {"en": ("1", "Your reference is H, 2, H."),
             "pl": ("2", "Numer Twojej sprawy to H, 2, H.")}
SPEECH = {
    "en": ["English", "shielding", "prescriptions", "I can't get to the chemist",
           "W R one two N N", "yes", "Ann Jones", "yes please"],
    "pl": ["polski", "chronię się", "leki", "Nie mogę dojść do apteki", "W R one two N N",
           "tak", "Anna Kowalska", "tak"],
}


def _case(db_session) -> Case:
    return db_session.scalars(select(Case)).one()


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_whole_flow_by_key_presses_with_a_spoken_postcode(caller, db_session, language):
    key, closing = LANGUAGES[language]
    call = caller(MOBILE)
    first = call.start()
    assert "Welcome to Here2Help" in first.said and "999" in first.said
    assert first.gather.get("input") == "dtmf speech"
    call.press(key)
    call.press("1")
    asked = call.press("2")
    assert asked.gather.get("language") == ("pl-PL" if language == "pl" else "en-GB")
    call.press("5")  # skip the free text with a key
    heard = call.say("W R one two N N")
    assert "W R 1, 2 N N" in heard.said
    call.press("1")
    call.press("9")  # skip the name
    end = call.press("1")
    assert closing in end.said and end.root.find("Hangup") is not None
    case = _case(db_session)
    assert (case.channel, case.category, case.need, case.postcode, case.phone, case.language) == (
        "voice", "shielding", "prescriptions", "WR1 2NN", "+447700900456", language)
    assert case.details is None and case.name is None
    assert end.said.count(", ".join(case.reference.split("-")[1])) == 2  # read out twice
    sms = db_session.scalars(select(Message).where(Message.purpose == "case_reference")).one()
    assert case.reference in sms.body and sms.to_phone == "+447700900456"


@pytest.mark.parametrize("language", sorted(SPEECH))
def test_whole_flow_by_speech(caller, db_session, language):
    call = caller(LANDLINE)
    call.start()
    for words in SPEECH[language]:
        answer = call.say(words)
    assert answer.root.find("Hangup") is not None
    case = _case(db_session)
    assert (case.category, case.need, case.postcode, case.phone) == (
        "shielding", "prescriptions", "WR1 2NN", "+441632960123")
    assert case.details == SPEECH[language][3] and case.name == SPEECH[language][6]
    assert db_session.scalar(select(func.count(Message.id))) == 0  # no SMS to a landline


def test_a_wrong_key_says_so_and_repeats(caller):
    call = caller(MOBILE)
    call.start()
    call.press("1")
    answer = call.press("7")
    assert answer.said.startswith("Sorry, that isn't one of the choices. Which describes you")


def test_silence_repeats_once_then_offers_a_person(caller, db_session, monkeypatch):
    monkeypatch.setattr(handover, "line_is_open", lambda settings, now: False)
    call = caller(MOBILE)
    call.start()
    again = call.silence()
    assert again.said.startswith("Sorry, I didn't hear anything.") and again.gather is not None
    voicemail = call.silence()
    assert voicemail.root.find("Record") is not None
    assert _case(db_session).status == "needs_staff"


def _on_duty(db_session, phone: str, role: str = "call_handler", on_duty: bool = True) -> None:
    db_session.add(StaffUser(email=f"{phone}@example.org", role=role, password_hash="x",
                             phone=phone, on_duty=on_duty))
    db_session.commit()


def test_zero_within_opening_hours_rings_the_on_duty_staff(caller, db_session, monkeypatch):
    monkeypatch.setattr(handover, "line_is_open", lambda settings, now: True)
    _on_duty(db_session, "+447700900001")
    _on_duty(db_session, "+447700900002", role="coordinator")
    _on_duty(db_session, "+447700900003", on_duty=False)
    call = caller(MOBILE)
    call.start()
    call.press("1")
    call.press("1")
    ringing = call.press("0")
    dial = ringing.root.find("Dial")
    assert [n.text for n in dial.iter("Number")] == ["+447700900001", "+447700900002"]
    assert dial.get("action") == "/twilio/voice/dial-done"
    case = _case(db_session)
    assert case.status == "needs_staff" and case.category == "shielding"
    nobody = call.post_to("/twilio/voice/dial-done", {"DialCallStatus": "no-answer"})
    assert nobody.root.find("Record") is not None
    answered = call.post_to("/twilio/voice/dial-done", {"DialCallStatus": "completed"})
    assert answered.root.find("Hangup") is not None


@pytest.mark.clock
def test_outside_hours_a_voicemail_becomes_a_needs_staff_case(caller, db_session, settings):
    _on_duty(db_session, "+447700900001")
    call = caller("anonymous")
    # Saturday evening (GMT): closed; the call-back is due 2 opening hours after Monday 09:00.
    with time_machine.travel(datetime(2027, 1, 9, 20, 0, tzinfo=UTC), tick=False):
        call.start()
        answer = call.say("operator")
    record = answer.root.find("Record")
    assert record.get("action") == "/twilio/voice/recording"
    assert record.get("recordingStatusCallback") == "/twilio/voice/recording-status"
    url = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1"
    thanks = call.post_to("/twilio/voice/recording", {
        "RecordingUrl": url, "RecordingSid": "RE1", "RecordingDuration": "14"})
    assert "message has been saved" in thanks.said
    call.post_to("/twilio/voice/recording-status", {
        "RecordingUrl": url, "RecordingSid": "RE1", "RecordingDuration": "14",
        "RecordingStatus": "completed"})
    case = _case(db_session)
    assert case.status == "needs_staff" and case.phone is None  # withheld caller ID
    due = case.callback_due_at.replace(tzinfo=case.callback_due_at.tzinfo or UTC)
    assert settings.callback_due_minutes == 120
    assert due == datetime(2027, 1, 11, 11, 0, tzinfo=UTC)
    assert "opens at 9am on Monday" in answer.said
    stored_call = db_session.scalars(select(Call)).one()
    assert stored_call.recording_url == url and stored_call.case_id == case.id
    assert [e.kind for e in case.events].count("voicemail") == 1
    assert db_session.scalar(select(func.count(Message.id))) == 0  # no SMS to a withheld number


def test_opening_hours_follow_the_setting_and_bank_holidays(settings):
    from dataclasses import replace

    weekdays = replace(settings, opening_hours="Mon-Fri 09:00-17:00")
    assert handover.line_is_open(weekdays, datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    assert not handover.line_is_open(weekdays, datetime(2026, 11, 22, 10, 0, tzinfo=UTC))
    assert not handover.line_is_open(weekdays, datetime(2026, 12, 25, 10, 0, tzinfo=UTC))
    assert not handover.line_is_open(replace(settings, opening_hours="nonsense"),
                                     datetime(2026, 11, 23, 10, 0, tzinfo=UTC))


def test_the_same_step_delivered_three_times_changes_the_database_once(caller, db_session):
    call = caller(MOBILE)
    first = call.start()
    url = first.next_url
    bodies = [call.post_to(url, {"Digits": "1"}).raw for _ in range(3)]
    assert bodies[0] == bodies[1] == bodies[2]
    assert db_session.scalars(select(Conversation)).one().state["step"] == 1
    assert db_session.scalar(select(func.count(ProcessedWebhook.id))) == 2
    stale = call.post_to(url, {"Digits": "2"})  # an old step with new input: asked again
    assert "Which describes you best?" in stale.said
    assert db_session.scalars(select(Conversation)).one().state["language"] == "en"


def test_hang_up_on_a_mobile_invites_to_finish_by_text(caller, twilio_post, db_session,
                                                       send_sms):
    call = caller(MOBILE)
    call.start()
    call.press("1")
    call.press("2")
    status = {"CallSid": call.call_sid, "CallStatus": "completed", "CallDuration": "35",
              "From": MOBILE, "To": "+441632960000"}
    for _ in range(2):
        assert twilio_post("/twilio/status", status).status_code == 200
    invites = db_session.scalars(select(Message).where(Message.purpose == "resume")).all()
    assert len(invites) == 1 and "carry on" in invites[0].body
    reply = send_sms(MOBILE, "food")
    assert reply == ["In your own words, is there anything else we should know? "
                     "To skip, reply SKIP."]
    for text in ["skip", "WR1 2NN", "skip", "yes"]:
        reply = send_sms(MOBILE, text)
    case = _case(db_session)
    assert (case.category, case.need, case.postcode) == ("self_isolation", "food", "WR1 2NN")
    assert db_session.scalars(select(Call)).one().duration_seconds == 35


def test_no_resume_text_for_a_landline_or_a_finished_call(caller, twilio_post, db_session):
    call = caller(LANDLINE)
    call.start()
    call.press("1")
    twilio_post("/twilio/status", {"CallSid": call.call_sid, "CallStatus": "completed"})
    assert db_session.scalar(select(func.count(Message.id))) == 0
    assert db_session.scalars(select(Conversation)).one().status == "abandoned"


@pytest.mark.parametrize("extra", [
    {"Digits": "#"}, {"Digits": "*"}, {"Digits": "12345678901234567890123"},
    {"SpeechResult": "🙂" * 300}, {"SpeechResult": "<Hangup/> & \x01"}, {"Digits": ""},
])
def test_strange_input_always_gets_valid_twiml(caller, extra):
    call = caller(MOBILE)
    call.start()
    for _ in range(4):
        answer = call.post_to(call.last.next_url or "/twilio/voice", extra)
    assert answer.root.find("Gather") is not None or answer.root.find("Record") is not None \
        or answer.root.find("Dial") is not None


def test_a_forged_voice_request_gets_403_and_changes_nothing(twilio_post, db_session):
    response = twilio_post("/twilio/voice", {"CallSid": "CA" + "f" * 32, "From": MOBILE},
                           signature="bm90IGEgc2lnbmF0dXJl")
    assert response.status_code == 403
    assert db_session.scalar(select(func.count(Call.id))) == 0


def test_a_step_for_a_call_never_seen_starts_it_properly(caller, db_session):
    call = caller(MOBILE)
    answer = call.post_to("/twilio/voice/step?s=4", {"Digits": "1"})
    assert "Welcome to Here2Help" in answer.said and answer.gather is not None
    assert db_session.scalars(select(Conversation)).one().call_sid == call.call_sid
