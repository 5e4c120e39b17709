"""The resident's reply to the follow-up SMS, through POST /twilio/sms (signed as Twilio signs):
recognised before any new help menu, stored on the case, "no"/"partly" back to staff, AGAIN a
repeat offered first to last time's volunteer. Unrelated texts still reach the menu."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models.base import utcnow
from app.models.case import Case, CaseEvent
from app.models.message import Message
from app.models.volunteer import Offer
from app.services.aftercare.follow_up import REOPEN_REASON, send_due_follow_ups
from app.services.conversations.state import flow_in
from app.services.matching.matcher import MatchingPolicy, offer_next
from tests.aftercare.conftest import helped_case, volunteer  # noqa: F401 (fixture)

PHONE = "+447700900241"
pytestmark = pytest.mark.clock  # the webhook reads the clock: follow-ups are sent "now"


@pytest.fixture
def asked(db_session, settings, helped_case):  # noqa: F811
    """A finished request whose resident has just been sent the follow-up SMS."""
    case, helper = helped_case(PHONE, helper_phone="+447700900641")
    send_due_follow_ups(db_session, utcnow(), after_hours=72,
                        phrases=flow_in(settings.flows_dir).phrases)
    db_session.commit()
    return case, helper


def _events(db_session, case):
    """The case's event kinds, oldest first, without the service's replies (their own lines)."""
    return [kind for kind in db_session.scalars(
        select(CaseEvent.kind).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id))
        if kind != "sms_reply"]


@pytest.mark.parametrize(("text", "answer"), [("3", "no"), ("No, nobody came", "no"),
                                              ("2", "partly"), ("partly", "partly")])
def test_no_or_partly_reopens_the_case_to_staff(send_sms, db_session, asked, text, answer):
    case, _ = asked
    [reply] = send_sms("07700 900241", text)
    assert reply == (f"Sorry the help with {case.reference} did not work out. Our team will "
                     "call you soon.")
    db_session.expire_all()
    case = db_session.get(Case, case.id)
    assert (case.status, case.needs_staff_reason) == ("needs_staff", REOPEN_REASON)
    assert case.follow_up_answer == answer and case.follow_up_answered_at is not None
    assert case.outcome is None
    assert _events(db_session, case)[-2:] == ["follow_up_answer", "reopened"]
    inbound = db_session.scalar(select(Message).where(Message.direction == "inbound"))
    assert inbound.body == text and inbound.case_id == case.id


@pytest.mark.parametrize("text", ["1", "Yes thanks!"])
def test_yes_is_stored_and_the_case_stays_completed(send_sms, db_session, asked, text):
    case, _ = asked
    [reply] = send_sms(PHONE, text)
    assert reply.startswith("Thank you for letting us know.")
    db_session.expire_all()
    case = db_session.get(Case, case.id)
    assert (case.status, case.follow_up_answer) == ("completed", "yes")
    assert "reopened" not in _events(db_session, case)


def test_a_second_answer_is_an_ordinary_text(send_sms, db_session, asked):
    case, _ = asked
    send_sms(PHONE, "1")
    replies = send_sms(PHONE, "3")  # no longer an answer: the menu starts
    assert "Welcome to Here2Help" in replies[0]
    db_session.expire_all()
    assert db_session.get(Case, case.id).follow_up_answer == "yes"


def test_unrelated_text_still_starts_the_help_menu(send_sms, db_session, asked):
    case, _ = asked
    replies = send_sms(PHONE, "hello")
    assert "Welcome to Here2Help" in replies[0] and "1 English" in replies[-1]
    db_session.expire_all()
    assert db_session.get(Case, case.id).follow_up_answer is None


@pytest.mark.parametrize("text", ["2 people here need food", "Some bread and milk please",
                                  "Not safe at home"])
def test_a_request_that_opens_like_an_answer_starts_the_menu(send_sms, db_session, asked, text):
    case, _ = asked
    replies = send_sms(PHONE, text)
    assert "Welcome to Here2Help" in replies[0]
    db_session.expire_all()
    assert db_session.get(Case, case.id).follow_up_answer is None


def test_an_answer_with_safeguarding_words_raises_a_new_case(send_sms, db_session, asked):
    case, _ = asked
    send_sms(PHONE, "No, he is hurting me")
    db_session.expire_all()
    assert db_session.get(Case, case.id).follow_up_answer is None
    raised = db_session.scalar(select(Case).where(Case.phone == PHONE, Case.id != case.id))
    assert raised is not None and raised.urgency == "safeguarding"


def test_menu_started_after_the_follow_up_keeps_its_numbers(send_sms, db_session, asked):
    case, _ = asked
    send_sms(PHONE, "hi")
    replies = send_sms(PHONE, "1")  # English, in the language menu: not "yes"
    assert "Privacy" in " ".join(replies)
    db_session.expire_all()
    assert db_session.get(Case, case.id).follow_up_answer is None


def test_no_outstanding_follow_up_means_the_menu(send_sms, db_session, helped_case):  # noqa: F811
    case, _ = helped_case(PHONE)  # finished, but not asked yet
    assert "Welcome to Here2Help" in send_sms(PHONE, "3")[0]
    db_session.expire_all()
    assert db_session.get(Case, case.id).status == "completed"


def test_polish_answer_to_a_polish_follow_up(send_sms, db_session, settings, helped_case):  # noqa: F811
    case, _ = helped_case(PHONE, helper_phone="+447700900642", language="pl")
    send_due_follow_ups(db_session, utcnow(), after_hours=72,
                        phrases=flow_in(settings.flows_dir).phrases)
    db_session.commit()
    [reply] = send_sms(PHONE, "nie")
    assert reply.startswith("Przykro nam")
    db_session.expire_all()
    assert db_session.get(Case, case.id).follow_up_answer == "no"


def test_again_repeats_the_request_offered_first_to_the_same_volunteer(send_sms, db_session,
                                                                       asked):
    case, helper = asked
    nearer = volunteer(db_session, "Bea Nearer", "+447700900643", "WR1 3AA", utcnow())
    db_session.commit()
    [reply] = send_sms(PHONE, "AGAIN")
    repeat = db_session.scalar(select(Case).where(Case.repeat_of_case_id == case.id))
    assert reply == ("Thank you. We have asked for the same help again: your new reference is "
                     f"{repeat.reference}.")
    assert (repeat.need, repeat.details, repeat.address, repeat.phone) == (
        case.need, case.details, case.address, case.phone)
    assert repeat.status == "new" and repeat.needs_matching and repeat.channel == "sms"
    assert db_session.scalars(select(Offer).where(Offer.case_id == repeat.id)).all() == []
    offer_next(db_session, repeat, utcnow(), MatchingPolicy())  # the match job, not the webhook
    [offer] = db_session.scalars(select(Offer).where(Offer.case_id == repeat.id)).all()
    assert offer.volunteer_id == helper.id != nearer.id
    assert offer.explanation["reasons"][0] == "helped with this request last time"
    sms = db_session.scalar(select(Message).where(Message.offer_id == offer.id))
    assert sms.to_phone == helper.phone and sms.status == "pending"
    assert "repeated" in _events(db_session, case)
    # A second AGAIN finds the repeat open: nothing more is made.
    assert send_sms(PHONE, "again")[0].startswith("Sorry, we could not ask")
    assert len(db_session.scalars(select(Case).where(Case.repeat_of_case_id == case.id))
               .all()) == 1


def test_old_follow_up_is_no_longer_answered(send_sms, db_session, asked):
    case, _ = asked
    case.follow_up_at = utcnow() - timedelta(days=15)
    db_session.commit()
    assert "Welcome to Here2Help" in send_sms(PHONE, "3")[0]
