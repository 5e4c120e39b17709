"""The SMS menu end to end through POST /twilio/sms (signed as Twilio signs), to a case."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.domain.sms_segments import count_segments
from app.models.base import utcnow
from app.models.case import Case
from app.models.conversation import Conversation, ProcessedWebhook
from app.models.message import Message
from app.models.resident import Resident
from tests.conversations.conftest import new_sid, sms_texts

PHONE = "07700900123"
E164 = "+447700900123"

WALKS = {
    "en": (["hi", "1", "2", "5", "I need help with my gas bill", "wr1 2nn", "Ann Jones", "yes"],
           "Your reference is H2H-"),
    "pl": (["dzień dobry", "2", "samoizolacja", "pieniądze", "Rachunek za gaz", "WR1 2NN",
            "Anna Kowalska", "tak"], "Numer Twojej sprawy to H2H-"),
}


@pytest.mark.parametrize("language", sorted(WALKS))
def test_whole_flow_by_sms_ends_in_a_case(send_sms, db_session, language):
    texts, closing = WALKS[language]
    replies = [send_sms(PHONE, text) for text in texts]
    assert closing in replies[-1][0]
    case = db_session.scalars(select(Case)).one()
    assert (case.channel, case.category, case.need, case.postcode, case.phone) == (
        "sms", "self_isolation", "money", "WR1 2NN", E164)
    assert case.language == language and case.consent_to_share is True
    assert case.details == texts[4] and case.name == texts[6]
    assert case.reference in replies[-1][0]
    inbound = db_session.scalars(select(Message).where(Message.direction == "inbound")).all()
    assert [m.body for m in inbound] == texts
    assert inbound[-1].case_id == case.id and all(m.twilio_sid for m in inbound)
    for reply in replies:  # one SMS per inbound, never more than two segments
        assert len(reply) == 1 and count_segments(reply[0]).segments <= 2, reply


@pytest.mark.clock
def test_a_conversation_expires_after_inactivity(send_sms, db_session, settings):
    send_sms(PHONE, "hi")
    send_sms(PHONE, "1")
    conversation = db_session.scalars(select(Conversation)).one()
    from datetime import timedelta

    conversation.last_activity_at -= timedelta(seconds=settings.conversation_timeout_seconds + 1)
    db_session.commit()
    reply = send_sms(PHONE, "1")
    assert reply[0].startswith("Welcome to Here2Help")
    statuses = db_session.scalars(select(Conversation.status).order_by(Conversation.id)).all()
    assert statuses == ["expired", "active"]


def test_the_same_message_sid_three_times_changes_the_database_once(twilio_post, db_session):
    params = {"MessageSid": new_sid(), "From": PHONE, "To": "+441632960000", "Body": "hello"}
    bodies = [twilio_post("/twilio/sms", params).data for _ in range(3)]
    assert bodies[0] == bodies[1] == bodies[2]
    assert db_session.scalar(select(func.count(Message.id))) == 1
    assert db_session.scalar(select(func.count(ProcessedWebhook.id))) == 1
    assert db_session.scalars(select(Conversation)).one().state["step"] == 0


def test_second_text_with_an_open_case_joins_it(send_sms, db_session):
    for text in ["hi", "1", "1", "1", "skip", "WR1 2NN", "skip", "yes"]:
        send_sms(PHONE, text)
    for text in ["hi", "1", "1", "2", "need milk too", "WR1 2NN", "skip", "yes"]:
        reply = send_sms(PHONE, text)
    case = db_session.scalars(select(Case)).one()
    assert case.reference in reply[0]
    assert [e.kind for e in case.events] == ["created", "consent", "contact_added", "consent"]


def test_help_status_and_cancel(send_sms, db_session):
    assert "Here2Help is the community help line" in send_sms(PHONE, "HELP")[0]
    assert "no open request" in send_sms(PHONE, "status")[0]
    for text in ["hi", "1", "1", "1", "skip", "WR1 2NN", "skip", "yes"]:
        send_sms(PHONE, text)
    case = db_session.scalars(select(Case)).one()
    assert send_sms(PHONE, "Status.") == [
        f"Here2Help: your request {case.reference} is received and waiting for a volunteer."]
    assert case.reference in send_sms(PHONE, "CANCEL")[0]
    db_session.refresh(case)
    assert case.status == "cancelled" and case.needs_matching is False


def test_cancel_without_an_open_case_is_an_opt_out(send_sms, db_session):
    assert send_sms(PHONE, "cancel") == []
    assert db_session.scalars(select(Resident)).one().opted_out is True


def test_stop_then_no_outbound_message_is_sent(send_sms, db_session):
    send_sms(PHONE, "hi")
    assert send_sms(PHONE, "Stop") == []
    resident = db_session.scalars(select(Resident)).one()
    assert resident.opted_out and resident.opted_out_at is not None
    assert db_session.scalars(select(Conversation)).one().status == "abandoned"
    from app.services.messaging.outbox import queue_sms

    message = queue_sms(db_session, to_phone=E164, body="An offer", purpose="test",
                        idempotency_key="after-stop", now=utcnow())
    assert message.status == "suppressed"
    assert "get our texts again" in send_sms(PHONE, "START")[0]
    db_session.refresh(resident)
    assert resident.opted_out is False


@pytest.mark.parametrize("first", [["hi", "0"], ["0"], ["OPERATOR"]])
def test_sms_asking_for_a_person_opens_a_needs_staff_case(send_sms, db_session, first):
    for text in first:
        reply = send_sms(PHONE, text)
    case = db_session.scalars(select(Case)).one()
    assert case.status == "needs_staff" and case.callback_due_at is not None
    assert reply == [f"Thank you. A member of our team will phone you back. Your reference is "
                     f"{case.reference}. In an emergency ring 999."]


@pytest.mark.parametrize("body", ["", " ", "x" * 20000, "🙂" * 500, "a\x00b\x01c\x1bd<&>]]>",
                                  "</Message><Redirect>http://evil</Redirect>", "\u202e\ufeff"])
def test_awkward_bodies_never_break_anything(send_sms, db_session, body):
    send_sms(PHONE, "hi")
    for _ in range(4):
        reply = send_sms(PHONE, body)
        assert all("Redirect" not in text or "&" not in text for text in reply)
    stored = db_session.scalars(select(Message.body).order_by(Message.id.desc())).first()
    assert stored == body.replace("\x00", "")


def test_escaped_not_interpreted(twilio_post, db_session):
    send = {"MessageSid": new_sid(), "From": PHONE, "Body": "hi"}
    twilio_post("/twilio/sms", send)
    for text in ["1", "1", "1", "<Say>hi</Say> & <Dial>999</Dial>"]:
        response = twilio_post("/twilio/sms", {**send, "MessageSid": new_sid(), "Body": text})
    assert b"<Dial>" not in response.data
    case_details = db_session.scalars(select(Conversation)).one().state["answers"]["details"]
    assert case_details == "<Say>hi</Say> & <Dial>999</Dial>"


def test_a_forged_signature_gets_403_and_changes_nothing(twilio_post, db_session):
    response = twilio_post("/twilio/sms", {"MessageSid": new_sid(), "From": PHONE, "Body": "hi"},
                           signature="Zm9yZ2Vk")
    assert response.status_code == 403
    assert db_session.scalar(select(func.count(Message.id))) == 0


@pytest.mark.parametrize("sender", ["Here2Help", "+12025550123", "01632960123"])
def test_senders_we_may_not_text_are_logged_but_not_answered(twilio_post, db_session, sender):
    """A TwiML reply is an outbound SMS: none to non-UK, non-mobile or alphanumeric senders."""
    response = twilio_post("/twilio/sms", {"MessageSid": new_sid(), "From": sender, "Body": "hi"})
    assert response.status_code == 200 and sms_texts(response.data) == []
    assert db_session.scalars(select(Message)).one().body == "hi"


def test_every_reply_is_one_message(twilio_post):
    response = twilio_post("/twilio/sms", {"MessageSid": new_sid(), "From": PHONE, "Body": "hi"})
    assert sms_texts(response.data) == [
        "Welcome to Here2Help, the community help line. If it's an emergency, ring 999.\n\n"
        "Choose a language.\n1 English\n2 Polski\n3 اردو\n4 বাংলা"]


def _volunteer(db_session, phone: str = E164):
    from app.models.volunteer import Volunteer

    volunteer = Volunteer(name="Val", phone=phone, postcode="WR1 2NN", needs=["food"])
    db_session.add(volunteer)
    db_session.commit()
    return volunteer


def test_stop_from_a_volunteer_is_recorded_on_the_volunteer(send_sms, db_session):
    volunteer = _volunteer(db_session)
    assert send_sms(PHONE, "STOP") == []
    db_session.refresh(volunteer)
    assert volunteer.opted_out is True


def test_volunteer_words_go_to_the_volunteer_handler_first(send_sms, db_session):
    _volunteer(db_session)
    reply = send_sms(PHONE, "YES H2H-7K3Q")
    assert reply and not any("Welcome to Here2Help" in text for text in reply)
    assert db_session.scalar(select(func.count(Conversation.id))) == 0


def test_safeguarding_words_mark_the_case_and_tell_the_resident_where_to_get_help(
        send_sms, db_session):
    for text in ["hi", "1", "1", "1", "I have had no food for days", "WR1 2NN", "skip"]:
        send_sms(PHONE, text)
    reply = send_sms(PHONE, "yes")
    case = db_session.scalars(select(Case)).one()
    assert case.urgency == "safeguarding" and case.status == "needs_staff"
    assert reply[0].endswith("\n\nIf you are in danger now, ring 999. Samaritans are free to call "
                             "any time on 116 123.")
