"""The case page's timeline is the whole conversation, in order, numbers masked until revealed;
times are UK local time; the call-back form reads what is typed as UK time (BST and GMT)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import select

from app.models.case import Case, CaseEvent
from app.models.message import Message
from app.models.volunteer import Offer
from tests.conversations.conftest import new_sid, sms_texts
from tests.signin import login, post_form

pytestmark = pytest.mark.clock

RESIDENT = "07700900711"
RESIDENT_E164 = "+447700900711"


def _text(twilio_post, phone: str, body: str) -> list[str]:
    response = twilio_post("/twilio/sms", {
        "MessageSid": new_sid(), "From": phone, "To": "+441632960000", "Body": body,
        "AccountSid": "AC" + "1" * 32, "NumMedia": "0"})
    assert response.status_code == 200, response.data
    return sms_texts(response.data)


def _whole_conversation(client, twilio_post, db_session, make_user, make_volunteer) -> Case:
    """A resident texts, asks for a person, staff offer the case, the volunteer says YES."""
    with time_machine.travel(datetime(2027, 7, 1, 8, 0, tzinfo=UTC), tick=True):
        first = _text(twilio_post, RESIDENT, "Hello, I need some help")
        handed = _text(twilio_post, RESIDENT, "0")
    assert first and handed
    case = db_session.scalars(select(Case).where(Case.phone == RESIDENT_E164)).one()
    case.need, case.consent_to_share = "food", True
    volunteer = make_volunteer(name="Asha Timeline", phone="+447700900712", dbs_status="clear",
                               dbs_expires_on=date(2028, 7, 1))
    db_session.commit()
    with time_machine.travel(datetime(2027, 7, 1, 8, 30, tzinfo=UTC), tick=True):
        login(client, make_user().email)
        url = f"/cases/{case.reference}"
        post_form(client, url, url + "/assign", {"assign-volunteer_id": str(volunteer.id)})
    with time_machine.travel(datetime(2027, 7, 1, 8, 40, tzinfo=UTC), tick=True):
        _text(twilio_post, "07700900712", "YES")
    db_session.expire_all()
    return db_session.get(Case, case.id)


def _timeline(html: str) -> str:
    found = re.search(r'<ol class="timeline".*?</ol>', html, re.S)
    assert found, "no timeline on the page"
    return found.group(0)


def test_the_timeline_is_the_whole_conversation_in_order_masked(
        client, twilio_post, db_session, make_user, make_volunteer):
    case = _whole_conversation(client, twilio_post, db_session, make_user, make_volunteer)
    offer = db_session.scalars(select(Offer).where(Offer.case_id == case.id)).one()
    assert offer.status == "accepted"
    assignment = db_session.scalars(select(Message).where(
        Message.case_id == case.id, Message.purpose == "assignment")).one()
    assert "07700 900711" in assignment.body  # the volunteer needs the number ...
    with time_machine.travel(datetime(2027, 7, 1, 9, 0, tzinfo=UTC), tick=True):
        html = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    timeline = _timeline(html)
    # ... but the page hides it inside every text, unless asked
    assert "900711" not in timeline and "•••••• •••711" not in timeline
    assert "••••• •••711" in timeline
    order = ["SMS from resident", "Hello, I need some help", "SMS reply to resident",
             "SMS from resident", "Handover", "Your reference is",
             "SMS to volunteer (offer)", "SMS from volunteer", "YES",
             "SMS to volunteer (assignment)", "SMS to resident (assigned)"]
    positions = []
    start = 0
    for words in order:
        start = timeline.index(words, start)
        positions.append(start)
    assert positions == sorted(positions)
    assert "01 Jul 2027 09:00:00 BST" in timeline  # 08:00 UTC is 09:00 BST
    assert "answered 01 Jul 09:40 BST" in timeline
    assert " UTC" not in html

    with time_machine.travel(datetime(2027, 7, 1, 9, 1, tzinfo=UTC), tick=True):
        shown = post_form(client, f"/cases/{case.reference}",
                          f"/cases/{case.reference}/reveal-phone", {})
    assert "07700 900711" in _timeline(shown.get_data(as_text=True))


def test_a_partner_sees_their_referral_but_no_timeline(client, make_user, make_case,
                                                       db_session):
    partner = make_user("partner")
    referral = make_case(referred_by_user_id=partner.id, channel="web")
    db_session.add(Message(direction="outbound", purpose="assignment", body="Phone 07700 "
                           "900123. Reply DONE", to_phone="+447700900714", status="sent",
                           case_id=referral.id))
    db_session.commit()
    login(client, partner.email)
    page = client.get(f"/cases/{referral.reference}").get_data(as_text=True)
    assert referral.reference in page and 'class="timeline"' not in page
    assert "Reply DONE" not in page and "900123" not in page


def test_a_conversation_before_the_case_is_on_its_page(client, twilio_post, db_session,
                                                       make_user):
    with time_machine.travel(datetime(2027, 1, 15, 10, 0, tzinfo=UTC), tick=True):
        _text(twilio_post, "07700900713", "My number is 07700 900999, please ring")
        _text(twilio_post, "07700900713", "0")
        case = db_session.scalars(select(Case).where(Case.phone == "+447700900713")).one()
        login(client, make_user().email)
        html = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    timeline = _timeline(html)
    assert "My number is ••••• •••999, please ring" in timeline
    assert "15 Jan 2027 10:00" in timeline and "GMT" in timeline
    first = db_session.scalars(select(Message).where(
        Message.from_phone == "+447700900713").order_by(Message.id)).first()
    assert first.case_id is None  # named by the conversation, not re-labelled


@pytest.mark.parametrize(("today", "typed", "stored", "shown"), [
    (datetime(2027, 6, 20, 12, 0, tzinfo=UTC), "2027-07-01T10:30",
     datetime(2027, 7, 1, 9, 30, tzinfo=UTC), "01 Jul 2027 10:30 BST"),
    (datetime(2027, 1, 10, 12, 0, tzinfo=UTC), "2027-01-15T10:30",
     datetime(2027, 1, 15, 10, 30, tzinfo=UTC), "15 Jan 2027 10:30 GMT"),
    # 01:30 on the autumn change day happens twice: the first (BST) one, and it says so
    (datetime(2027, 10, 20, 12, 0, tzinfo=UTC), "2027-10-31T01:30",
     datetime(2027, 10, 31, 0, 30, tzinfo=UTC), "31 Oct 2027 01:30 BST"),
])
def test_the_call_back_form_round_trips_uk_time(client, make_user, make_case, db_session,
                                                today, typed, stored, shown):
    case = make_case(status="needs_staff")
    url = f"/cases/{case.reference}"
    with time_machine.travel(today, tick=True):
        login(client, make_user().email)
        done = post_form(client, url, url + "/callback", {"callback-due_at": typed})
        assert done.status_code == 302
        page = client.get(url).get_data(as_text=True)
        queue = client.get("/queue").get_data(as_text=True)
    db_session.expire_all()
    saved = db_session.get(Case, case.id).callback_due_at
    assert saved.replace(tzinfo=saved.tzinfo or UTC) == stored
    assert f"Call back by {shown}" in page
    assert f'value="{typed}"' in page  # the form shows it back as typed, in UK time
    assert f"Call-back recorded for {shown}" in page  # the flash
    assert f"Call back by {shown[:6]} {shown[12:]}" in queue  # "01 Jul 10:30 BST"
    event = db_session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "callback_scheduled")).one()
    assert event.summary == f"Call back by {shown}"


def test_a_call_back_at_a_time_the_clocks_skip_is_refused(client, make_user, make_case,
                                                          db_session):
    case = make_case(status="needs_staff")
    url = f"/cases/{case.reference}"
    with time_machine.travel(datetime(2027, 3, 20, 12, 0, tzinfo=UTC), tick=True):
        login(client, make_user().email)
        refused = post_form(client, url, url + "/callback",
                            {"callback-due_at": "2027-03-28T01:30"})
    assert refused.status_code == 400
    assert "01:30 on 28 March 2027 does not exist in the UK" in refused.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Case, case.id).callback_due_at is None
