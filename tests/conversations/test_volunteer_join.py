"""JOIN by SMS, through the signed POST /twilio/sms webhook: one question per text (postcode,
needs, usual hours), bad answers asked again, STOP at any point, repeated MessageSids, a JOIN
from a number already registered, and on to approval in the console and a first offer sent
with the real twilio client to the fake Twilio server."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from app.adapters.twilio.sms_sender import TwilioSmsSender
from app.domain.matching import MatchingPolicy
from app.models.base import utcnow
from app.models.message import Message
from app.models.staff import AccessLogEntry
from app.models.volunteer import Offer, Volunteer
from app.services.delivery.sending import deliver
from app.services.matching.matcher import offer_next
from tests import factories
from tests.conversations.conftest import new_sid
from tests.signin import login, post_form

pytestmark = pytest.mark.clock

PHONE, E164 = "07700900461", "+447700900461"


def _volunteer(db_session, phone: str = E164) -> Volunteer | None:
    db_session.expire_all()
    return db_session.scalar(select(Volunteer).where(Volunteer.phone == phone))


def _count(db_session, phone: str = E164) -> int:
    return db_session.scalar(select(func.count()).select_from(Volunteer)
                             .where(Volunteer.phone == phone))


def test_join_asks_postcode_needs_and_hours_one_at_a_time_and_re_asks_bad_answers(
        send_sms, db_session):
    [reply] = send_sms(PHONE, "JOIN Gwen Roberts")
    assert reply.startswith("Thank you for offering to help, Gwen! 3 quick questions")
    assert "STOP" in reply and reply.endswith("What is your postcode? e.g. WR1 2NN")
    gwen = _volunteer(db_session)
    assert (gwen.name, gwen.approval_status, gwen.source, gwen.join_step) == (
        "Gwen Roberts", "pending", "sms_join", "postcode")

    [reply] = send_sms(PHONE, "ZZ99 9ZZ")
    assert reply.startswith("Sorry, we could not find that postcode")
    assert _volunteer(db_session).postcode is None
    [reply] = send_sms(PHONE, "wr1 2nn")
    assert reply.startswith("What can you help with? Reply with numbers")
    assert "1 Shopping" in reply and "4 Lifts" in reply and len(reply) <= 160

    for bad in ("9", "gardening", "", "\x00"):
        [reply] = send_sms(PHONE, bad)
        assert reply.startswith("Sorry, please reply with one or more numbers"), bad
    assert _volunteer(db_session).needs == []
    [reply] = send_sms(PHONE, "1 and lifts")
    assert reply.startswith("When can you usually help?") and "3 Weekends" in reply

    [reply] = send_sms(PHONE, "sometimes")
    assert reply.startswith("Sorry, please reply with one or more numbers, e.g. 1 3, or ANY")
    [reply] = send_sms(PHONE, "2, weekends")
    assert reply.startswith("Thank you, Gwen! That is all we need")
    assert "coordinator will call you" in reply

    gwen = _volunteer(db_session)
    assert gwen.postcode == "WR1 2NN" and gwen.latitude is not None
    assert gwen.needs == ["food", "transport"]
    assert gwen.availability["mon"] == [["17:00", "21:00"]]
    assert gwen.availability["sun"] == [["09:00", "18:00"]]
    assert (gwen.join_step, gwen.approval_status) == (None, "pending")
    assert "answered the sign-up questions" in gwen.notes
    # Finished: "1" is no longer an answer, and a second JOIN makes no second volunteer.
    [reply] = send_sms(PHONE, "JOIN Gwen Roberts")
    assert reply.startswith("Thank you! You have already signed up")
    assert _count(db_session) == 1


def test_join_without_a_name_asks_for_it_first_and_any_means_any_time(send_sms, db_session):
    [reply] = send_sms("07700900462", "join")
    assert "4 quick questions" in reply and reply.endswith("What is your name?")
    [reply] = send_sms("07700900462", "12345")
    assert reply.startswith("Sorry, please reply with just your name")
    [reply] = send_sms("07700900462", "Huw Davies")
    assert reply.startswith("What is your postcode?")
    send_sms("07700900462", "WR1 3AA")
    send_sms("07700900462", "1,3")
    [reply] = send_sms("07700900462", "ANY")
    assert reply.startswith("Thank you, Huw!")
    huw = _volunteer(db_session, "+447700900462")
    assert (huw.name, huw.needs, huw.availability) == ("Huw Davies", ["food", "befriending"], {})


def test_stop_ends_the_sign_up_at_once(send_sms, db_session):
    send_sms("07700900463", "JOIN Ida Evans")
    assert send_sms("07700900463", "STOP") == []
    ida = _volunteer(db_session, "+447700900463")
    assert ida.opted_out and ida.join_step is None
    send_sms("07700900463", "START")
    send_sms("07700900463", "WR1 2NN")  # no longer a sign-up answer: the resident menu's
    ida = _volunteer(db_session, "+447700900463")
    assert ida.postcode is None and ida.join_step is None


def test_help_and_status_keep_their_meaning_while_a_question_waits(send_sms, db_session):
    send_sms("07700900468", "JOIN Lena Hughes")
    [help_text] = send_sms("07700900468", "HELP")
    assert "postcode" not in help_text.lower()
    [status] = send_sms("07700900468", "status")
    assert "postcode" not in status.lower()
    lena = _volunteer(db_session, "+447700900468")
    assert (lena.name, lena.postcode, lena.join_step) == ("Lena Hughes", None, "postcode")
    [asked] = send_sms("07700900468", "WR1 2NN")  # the waiting question still takes the answer
    assert "help with" in asked.lower()
    assert _volunteer(db_session, "+447700900468").postcode == "WR1 2NN"


def test_the_sign_up_history_is_dated_in_uk_time(send_sms, db_session):
    from datetime import UTC, datetime

    with time_machine.travel(datetime(2027, 7, 1, 23, 30, tzinfo=UTC), tick=False):
        send_sms("07700900469", "JOIN Mo Patel")
    notes = _volunteer(db_session, "+447700900469").notes
    assert notes == "2027-07-02 00:30 BST texted JOIN; call to complete sign-up."


def test_a_repeated_message_sid_is_answered_once(send_sms, db_session):
    join_sid, answer_sid = new_sid(), new_sid()
    first = send_sms("07700900464", "JOIN Jo Hughes", sid=join_sid)
    assert send_sms("07700900464", "JOIN Jo Hughes", sid=join_sid) == first
    assert _count(db_session, "+447700900464") == 1
    asked = send_sms("07700900464", "WR1 2NN", sid=answer_sid)
    assert send_sms("07700900464", "WR1 2NN", sid=answer_sid) == asked
    assert _volunteer(db_session, "+447700900464").join_step == "needs"
    inbound = db_session.scalar(select(func.count()).select_from(Message).where(
        Message.from_phone == "+447700900464"))
    assert inbound == 2


def test_join_from_a_registered_number_makes_no_duplicate(send_sms, db_session):
    approved = factories.make_volunteer(db_session, phone="+447700900465", name="Kay Lewis")
    db_session.commit()
    [reply] = send_sms("07700900465", "JOIN Kay Lewis")
    assert "already on our volunteer list" in reply and "MYJOBS" in reply
    assert _count(db_session, approved.phone) == 1


def test_an_unfinished_sign_up_lapses_and_join_picks_it_up_again(send_sms, db_session):
    send_sms("07700900466", "JOIN Lyn Morgan")
    send_sms("07700900466", "WR1 2NN")
    with time_machine.travel(utcnow() + timedelta(hours=25), tick=False):
        reply = send_sms("07700900466", "hello")
        assert not any("Sorry" in text for text in reply)  # the resident menu answered
        assert _volunteer(db_session, "+447700900466").join_step is None
        [reply] = send_sms("07700900466", "JOIN")
        assert reply == ("Welcome back! To finish signing up: What can you help with? Reply "
                         "with numbers, e.g. 1 4: 1 Shopping 2 Prescriptions 3 Phone calls "
                         "4 Lifts 5 Money help 6 Wellbeing 7 Other jobs")
        send_sms("07700900466", "1")
        [reply] = send_sms("07700900466", "1")
        assert reply.startswith("Thank you, Lyn!")
    assert _count(db_session, "+447700900466") == 1


def test_join_to_approval_to_first_offer_sent_through_twilio(send_sms, client, db_session,
                                                             settings, fake_twilio,
                                                             session_factory):
    coordinator = factories.make_staff_user(db_session, "coordinator")
    db_session.commit()
    send_sms("07700900467", "JOIN Mair Price")
    send_sms("07700900467", "WR1 2NN")
    mair = _volunteer(db_session, "+447700900467")
    login(client, coordinator.email)
    page = client.get(f"/volunteers/{mair.id}").get_data(as_text=True)
    assert "signing up by SMS, waiting for their answer to: &ldquo;What can you help" in page
    approve = post_form(client, f"/volunteers/{mair.id}", f"/volunteers/{mair.id}/approve", {})
    assert approve.status_code == 302  # refused: no needs yet
    assert _volunteer(db_session, "+447700900467").approval_status == "pending"
    send_sms("07700900467", "1")
    send_sms("07700900467", "any")
    page = client.get(f"/volunteers/{mair.id}").get_data(as_text=True)
    assert "waiting for their answer" not in page
    assert "WR1 2NN" in page and "food" in page and "Any time" in page
    assert "answered the sign-up questions" in page and "+447700900467" not in page

    url = f"/volunteers/{mair.id}"
    assert post_form(client, url, url + "/approve", {}).status_code == 302
    mair = _volunteer(db_session, "+447700900467")
    assert mair.approval_status == "approved" and mair.active
    # DBS: food needs a clear check (a coordinator records it after the call).
    mair.dbs_status, mair.dbs_expires_on = "clear", (utcnow() + timedelta(days=365)).date()
    case = factories.make_case(db_session, postcode="WR1 3AA", need="food")
    db_session.commit()
    step = offer_next(db_session, case, utcnow(), MatchingPolicy())
    db_session.commit()
    assert step.outcome == "offered" and step.offer.volunteer_id == mair.id

    twilio = dataclasses.replace(settings, sms_backend="twilio",
                                 twilio_api_base_url=fake_twilio.url,
                                 public_base_url="https://help.example.org")
    sender = TwilioSmsSender(account_sid=twilio.twilio_account_sid,
                             auth_token=twilio.twilio_auth_token,
                             from_number=twilio.twilio_phone_number, api_base_url=fake_twilio.url,
                             public_base_url=twilio.public_base_url, timeout=2.0)
    approval, offer_sms = (db_session.scalar(select(Message).where(
        Message.volunteer_id == mair.id, Message.purpose == purpose))
        for purpose in ("volunteer_approved", "offer"))
    for message in (approval, offer_sms):
        assert deliver(session_factory, sender, message.id, utcnow()).outcome == "sent"
    sent = [(s.get("To"), s.get("Body")) for s in fake_twilio.sends]
    assert sent[0][0] == "+447700900467" and sent[0][1].startswith("Here2Help: thank you, Mair")
    assert sent[1] == ("+447700900467", offer_sms.body)
    assert f"YES {case.reference}" in offer_sms.body
    offer = db_session.get(Offer, step.offer.id)
    assert offer.status == "pending"
    assert db_session.scalar(select(func.count()).select_from(AccessLogEntry).where(
        AccessLogEntry.action == "volunteer_approve",
        AccessLogEntry.target == f"volunteer:{mair.id}")) == 1
