"""Queue order and filters, case page and actions, new case, volunteers, public sign-up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.models.base import utcnow
from app.models.case import Case, CaseEvent
from app.models.message import Message
from app.models.staff import AccessLogEntry
from app.models.volunteer import Offer, Volunteer
from app.services.casework.worklist import QueueFilters, load_queue
from tests import factories
from tests.console.conftest import minutes_ago
from tests.signin import csrf_from, login, post_form

pytestmark = pytest.mark.clock


def test_queue_order_safeguarding_urgent_overdue_oldest(db_session, make_case):
    now = utcnow()
    oldest = make_case(created_at=minutes_ago(300))
    newer = make_case(created_at=minutes_ago(10))
    overdue = make_case(created_at=minutes_ago(5), callback_due_at=now - timedelta(minutes=1),
                        status="assigned")
    urgent = make_case(created_at=minutes_ago(2), urgency="urgent")
    safeguarding = make_case(created_at=minutes_ago(1), urgency="safeguarding",
                             status="needs_staff")
    make_case(status="closed")  # never in the queue
    make_case(status="assigned")  # with a volunteer, no call-back: not waiting
    page = load_queue(db_session, QueueFilters(), now)
    refs = [row.case.reference for row in page.rows]
    assert refs == [safeguarding.reference, urgent.reference, overdue.reference,
                    oldest.reference, newer.reference]
    assert page.rows[2].overdue
    assert page.counts["new"] == 3 and page.counts["assigned"] == 2


def test_queue_filters(db_session, make_case):
    now = utcnow()
    food = make_case(need="food", district="Wychavon", created_at=minutes_ago(600))
    make_case(need="transport", district="Worcester")
    assert [r.case.id for r in load_queue(db_session, QueueFilters(need="food"), now).rows
            if r.case.id == food.id] == [food.id]
    assert all(r.case.district == "Wychavon" for r in
               load_queue(db_session, QueueFilters(district="Wychavon"), now).rows)
    assert [r.case.id for r in load_queue(db_session, QueueFilters(age="4h"), now).rows] \
        == [food.id]


def test_queue_page_masks_numbers_and_shows_badges(client, make_user, make_case):
    case = make_case(urgency="safeguarding")
    login(client, make_user().email)
    html = client.get("/queue").get_data(as_text=True)
    assert case.reference in html and "Safeguarding" in html
    assert "+447700900123" not in html and "0123" in html
    partial = client.get("/queue/partial?urgency=safeguarding").get_data(as_text=True)
    assert case.reference in partial and "<html" not in partial


def test_case_view_and_number_reveal_are_logged(client, make_user, make_case, db_session):
    user = make_user()
    case = make_case()
    login(client, user.email)
    page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "+447700900123" not in page and "07700 900123" not in page
    response = post_form(client, f"/cases/{case.reference}",
                         f"/cases/{case.reference}/reveal-phone", {})
    assert "07700 900123" in response.get_data(as_text=True)
    actions = db_session.scalars(select(AccessLogEntry.action).where(
        AccessLogEntry.case_id == case.id, AccessLogEntry.user_id == user.id)).all()
    assert actions.count("view_case") == 2 and actions.count("reveal_phone") == 1


def test_assign_sends_offer_and_shows_it_in_timeline(client, make_user, make_case,
                                                     make_volunteer, db_session):
    case = make_case()
    volunteer = make_volunteer(name="Asha Patel", dbs_status="clear",  # food needs a DBS check
                               dbs_expires_on=(utcnow() + timedelta(days=365)).date())
    login(client, make_user().email)
    response = post_form(client, f"/cases/{case.reference}", f"/cases/{case.reference}/assign",
                         {"assign-volunteer_id": str(volunteer.id)})
    assert response.status_code == 302
    offer = db_session.scalar(select(Offer).where(Offer.case_id == case.id))
    assert offer is not None and offer.volunteer_id == volunteer.id
    sms = db_session.scalar(select(Message).where(Message.offer_id == offer.id))
    assert sms is not None and sms.to_phone == volunteer.phone and case.reference in sms.body
    page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "Offer 1 to Asha Patel" in page
    kinds = db_session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id)).all()
    assert "staff_assigned" in kinds


def test_paused_volunteer_cannot_be_assigned(client, make_user, make_case, make_volunteer,
                                             db_session):
    case = make_case()
    volunteer = make_volunteer(active=False)
    login(client, make_user().email)
    post_form(client, f"/cases/{case.reference}", f"/cases/{case.reference}/assign",
              {"assign-volunteer_id": str(volunteer.id)})
    assert db_session.scalar(select(Offer).where(Offer.case_id == case.id)) is None


def test_close_unmet_needs_a_reason_then_closes(client, make_user, make_case, db_session):
    case = make_case()
    login(client, make_user().email)
    url = f"/cases/{case.reference}"
    refused = post_form(client, url, url + "/close", {"close-outcome": "unmet"})
    assert refused.status_code == 400
    assert "Enter why the need was not met" in refused.get_data(as_text=True)
    post_form(client, url, url + "/close", {"close-outcome": "unmet",
                                            "close-reason": "No volunteer in range"})
    db_session.expire_all()
    closed = db_session.get(Case, case.id)
    assert closed.status == "closed" and closed.outcome == "unmet"
    assert closed.outcome_reason == "No volunteer in range"


def test_edit_note_callback_and_recode(client, make_user, make_case, db_session):
    case = make_case(need="other", category="other")
    login(client, make_user().email)
    url = f"/cases/{case.reference}"
    post_form(client, url, url + "/edit", {"edit-category": "other", "edit-need": "other",
                                          "edit-urgency": "urgent", "edit-details": "Lonely"})
    post_form(client, url, url + "/note", {"note-note": "Spoke to daughter"})
    due = (utcnow() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    post_form(client, url, url + "/callback", {"callback-due_at": due})
    post_form(client, url, url + "/recode", {"recode-need": "befriending"})
    db_session.expire_all()
    case = db_session.get(Case, case.id)
    assert (case.urgency, case.details, case.need) == ("urgent", "Lonely", "befriending")
    assert case.callback_due_at is not None
    kinds = db_session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id)).all()
    assert {"staff_edit", "note", "callback_scheduled", "recoded"} <= set(kinds)
    assert "Spoke to daughter" in client.get(url).get_data(as_text=True)


def test_new_case_by_call_handler(client, make_user, db_session):
    login(client, make_user().email)
    bad = post_form(client, "/cases/new", "/cases/new", {
        "phone": "not a number", "category": "shielding", "need": "food", "urgency": "routine"})
    assert bad.status_code == 400 and "Enter a UK phone number" in bad.get_data(as_text=True)
    unreachable = post_form(client, "/cases/new", "/cases/new", {
        "category": "shielding", "need": "food", "urgency": "routine"})
    assert "Enter a phone number or an address" in unreachable.get_data(as_text=True)
    good = post_form(client, "/cases/new", "/cases/new", {
        "phone": "07700 900456", "category": "shielding", "need": "food", "urgency": "routine",
        "details": "Needs a food parcel", "postcode": "WR1 2NN"})
    assert good.status_code == 302
    case = db_session.scalar(select(Case).where(Case.phone == "+447700900456"))
    assert case is not None and case.channel == "staff"


def test_partner_referral_needs_consent_and_records_organisation(client, make_user, db_session):
    partner = make_user("partner", organisation="Malvern GP Practice")
    login(client, partner.email)
    data = {"phone": "07700 900789", "category": "other", "need": "befriending",
            "urgency": "routine", "name": "Ann Example"}
    refused = post_form(client, "/cases/new", "/cases/new", data)
    assert refused.status_code == 400
    done = post_form(client, "/cases/new", "/cases/new", {**data, "consent_to_share": "y"})
    case = db_session.scalar(select(Case).where(Case.phone == "+447700900789"))
    assert case.channel == "web" and case.referrer_organisation == "Malvern GP Practice"
    assert case.referred_by_user_id == partner.id
    confirmation = client.get(done.headers["Location"]).get_data(as_text=True)
    assert case.reference in confirmation and "Timeline" not in confirmation


def test_volunteer_signup_feeds_the_approval_queue(client, make_user, db_session):
    page = client.get("/volunteer-signup")
    assert page.status_code == 200
    response = client.post("/volunteer-signup", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "name": "Sam Helper",
        "phone": "07700 900321", "postcode": "wr1 2nn", "needs": ["food", "transport"],
        "max_distance_km": "3", "agree": "y"})
    assert response.status_code == 302
    volunteer = db_session.scalar(select(Volunteer).where(Volunteer.phone == "+447700900321"))
    assert volunteer.approval_status == "pending" and volunteer.source == "signup_page"
    assert volunteer.needs == ["food", "transport"] and volunteer.postcode == "WR1 2NN"
    login(client, make_user("coordinator").email)
    listing = client.get("/volunteers?approval=pending").get_data(as_text=True)
    assert "Sam Helper" in listing
    url = f"/volunteers/{volunteer.id}"
    post_form(client, url, url + "/approve", {})
    post_form(client, url, url + "/dbs", {"dbs-dbs_status": "clear",
                                          "dbs-dbs_expires_on": "2030-01-31",
                                          "dbs-dbs_cost": "23.50"})
    post_form(client, url, url + "/pause", {})
    db_session.expire_all()
    volunteer = db_session.get(Volunteer, volunteer.id)
    assert volunteer.approval_status == "approved" and volunteer.dbs_status == "clear"
    assert volunteer.dbs_cost_pence == 2350 and volunteer.active is False
    assert "£23.50" in client.get(url).get_data(as_text=True)


def test_signup_errors_are_linked_to_fields(client):
    page = client.get("/volunteer-signup").get_data(as_text=True)
    response = client.post("/volunteer-signup", data={"csrf_token": csrf_from(page)})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'href="#name"' in html and 'href="#agree"' in html
    assert "<title>Error:" in html


def test_absurd_ids_get_404_or_400_not_500(client, make_user, make_case):
    case = make_case()
    login(client, make_user("coordinator").email)
    assert client.get(f"/volunteers/{10**30}").status_code == 404
    assert client.get("/cases/" + "X" * 500).status_code == 404
    response = post_form(client, f"/cases/{case.reference}", f"/cases/{case.reference}/assign",
                         {"assign-volunteer_id": str(10**30)})
    assert response.status_code == 400


def test_signpost_sends_the_service_by_sms(client, make_user, make_case, db_session):
    from app.models.directory import DirectoryOrganisation, DirectoryService

    org = DirectoryOrganisation(hsds_id="console-test-org", name="Test Food Bank")
    db_session.add(org)
    db_session.flush()
    service = DirectoryService(hsds_id="console-test-svc", organisation_id=org.id,
                               name="Food parcels", needs=["food"], phone="01632 960555")
    db_session.add(service)
    db_session.commit()
    case = make_case(phone="+447700900222")
    login(client, make_user().email)
    url = f"/cases/{case.reference}"
    post_form(client, url, url + "/signpost", {"signpost-service_id": str(service.id)})
    db_session.expire_all()
    case = db_session.get(Case, case.id)
    assert case.status == "signposted" and case.directory_service_id == service.id
    sms = db_session.scalar(select(Message).where(Message.case_id == case.id,
                                                  Message.purpose == "signpost"))
    assert sms is not None and sms.to_phone == "+447700900222" and "Food parcels" in sms.body


def test_volunteer_page_shows_until_when_a_volunteer_is_away(client, db_session, make_user):
    volunteer = factories.make_volunteer(db_session, name="Ava Away")
    volunteer.away_until = datetime(2099, 3, 3, 0, 0, tzinfo=UTC)
    gone = factories.make_volunteer(db_session, name="Was Away",
                                    away_until=utcnow() - timedelta(hours=1))
    db_session.commit()
    login(client, make_user("coordinator").email)
    html = client.get(f"/volunteers/{volunteer.id}").get_data(as_text=True)
    assert "away until Tue 3 Mar 2099" in html
    assert "away until" not in client.get(f"/volunteers/{gone.id}").get_data(as_text=True)
