"""Caller ID can be forged: calls "from" someone's mobile must not become a way to text them
at will (SMS pumping) or to take over the SMS conversation they are having with us."""

from __future__ import annotations

from sqlalchemy import select

from app.models.conversation import Conversation
from app.models.message import Message

VICTIM = "07700900456"


def _hang_up_mid_menu(caller, twilio_post, status: str = "completed") -> None:
    call = caller(VICTIM)
    call.start()
    call.press("1")
    assert twilio_post("/twilio/status", {
        "CallSid": call.call_sid, "CallStatus": status, "CallDuration": "12", "From": VICTIM,
        "To": "+441632960000"}).status_code == 200


def test_a_burst_of_spoofed_calls_sends_one_text(caller, twilio_post, db_session):
    for _ in range(8):
        _hang_up_mid_menu(caller, twilio_post)
    sent = db_session.scalars(select(Message).where(
        Message.purpose == "resume", Message.status != "suppressed")).all()
    assert len(sent) == 1  # the rest fall inside the per-number cool-down


def test_a_call_nobody_answered_is_not_followed_by_a_text(caller, twilio_post, db_session):
    _hang_up_mid_menu(caller, twilio_post, status="canceled")
    assert db_session.scalars(select(Message).where(Message.purpose == "resume")).all() == []


def test_a_call_never_takes_over_the_numbers_sms_conversation(caller, twilio_post, send_sms,
                                                              db_session):
    first = send_sms(VICTIM, "I need some shopping")
    assert first
    texting = db_session.scalars(select(Conversation).where(
        Conversation.channel == "sms")).one()
    state_before = dict(texting.state)
    _hang_up_mid_menu(caller, twilio_post)
    db_session.expire_all()
    assert db_session.get(Conversation, texting.id).status == "active"
    assert db_session.get(Conversation, texting.id).state == state_before
    assert db_session.scalars(select(Message).where(Message.purpose == "resume")).all() == []
