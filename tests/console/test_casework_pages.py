"""The case page offers only what applies to the case, and the server refuses the rest:
closing needs a chosen outcome that agrees with the case, an ended case is reopened (with a
reason) before anything else is done to it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models.base import utcnow
from app.models.case import Case, CaseEvent
from app.models.volunteer import Offer
from tests.signin import login, post_form

pytestmark = pytest.mark.clock


def _case(db_session, case_id: int) -> Case:
    db_session.expire_all()
    return db_session.get(Case, case_id)


def _kinds(db_session, case: Case) -> list[str]:
    return list(db_session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id)
                                   .order_by(CaseEvent.id)))


def test_the_close_form_has_no_outcome_chosen(client, make_user, make_case, db_session):
    case = make_case()
    login(client, make_user().email)
    html = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    select_html = re.search(r'<select[^>]*name="close-outcome".*?</select>', html, re.S).group(0)
    assert "selected" not in select_html
    assert re.search(r'<option value="">Choose the outcome</option>', select_html)
    url = f"/cases/{case.reference}"
    refused = post_form(client, url, url + "/close", {})
    assert refused.status_code == 400
    assert "Choose the outcome of the request" in refused.get_data(as_text=True)
    assert _case(db_session, case.id).status == "new"


def test_the_close_form_refuses_matched_when_no_volunteer_took_it(client, make_user, make_case,
                                                                  make_volunteer, db_session):
    case = make_case(status="offered")
    login(client, make_user().email)
    url = f"/cases/{case.reference}"
    refused = post_form(client, url, url + "/close", {"close-outcome": "matched"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "No volunteer has taken this case, so it cannot be closed as matched" in html
    assert 'id="close-outcome-error"' in html  # said against the field
    assert (_case(db_session, case.id).status, _case(db_session, case.id).outcome) == \
        ("offered", None)
    volunteer = make_volunteer()
    case.assigned_volunteer_id, case.status = volunteer.id, "assigned"
    db_session.commit()
    done = post_form(client, url, url + "/close", {"close-outcome": "matched"})
    assert done.status_code == 302
    assert _case(db_session, case.id).outcome == "matched"


def test_reopen_flow_on_the_console(client, make_user, make_case, db_session):
    user = make_user()
    case = make_case()
    login(client, user.email)
    url = f"/cases/{case.reference}"
    post_form(client, url, url + "/close", {"close-outcome": "handled_by_staff"})
    assert _case(db_session, case.id).status == "closed"

    page = client.get(url).get_data(as_text=True)
    assert "This case has ended" in page and "Reopen case" in page
    for gone in ("Close with an outcome", "Suggested volunteers", "Send offer",
                 "Edit category, need, urgency", "Signpost to a service", "Record a call-back"):
        assert gone not in page, gone
    assert "Add note" in page and "Raise safeguarding (reopens the case)" in page

    # The server refuses what the page hides.
    post_form(client, url, url + "/edit", {"edit-category": "other", "edit-need": "money",
                                          "edit-urgency": "urgent", "edit-details": "x"})
    post_form(client, url, url + "/close", {"close-outcome": "unmet", "close-reason": "again"})
    due = (utcnow() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    post_form(client, url, url + "/callback", {"callback-due_at": due})
    closed = _case(db_session, case.id)
    assert (closed.status, closed.outcome, closed.urgency, closed.need) == \
        ("closed", "handled_by_staff", "routine", "food")
    assert closed.callback_due_at is None
    assert "Reopen it (with a reason) before changing it" in client.get(url).get_data(
        as_text=True)

    no_reason = post_form(client, url, url + "/reopen", {"reopen-reason": "  "})
    assert no_reason.status_code == 400
    assert "Enter why the case is being reopened" in no_reason.get_data(as_text=True)
    assert _case(db_session, case.id).status == "closed"

    done = post_form(client, url, url + "/reopen",
                     {"reopen-reason": "Resident rang: the shopping never came"})
    assert done.status_code == 302
    reopened = _case(db_session, case.id)
    assert (reopened.status, reopened.outcome) == ("needs_staff", None)
    event = db_session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "reopened")).one()
    assert event.staff_user_id == user.id
    assert event.data["reason"] == "Resident rang: the shopping never came"
    page = client.get(url).get_data(as_text=True)
    assert "Reopened: Resident rang: the shopping never came" in page
    assert "Close with an outcome" in page and "Reopen case" not in page


def test_reopen_is_refused_on_an_open_case_and_to_partners(client, make_user, make_case,
                                                           db_session):
    case = make_case()
    login(client, make_user().email)
    url = f"/cases/{case.reference}"
    post_form(client, url, url + "/reopen", {"reopen-reason": "why not"})
    assert _case(db_session, case.id).status == "new"
    assert "reopened" not in _kinds(db_session, case)
    partner = make_user("partner", organisation="Malvern GP Practice")
    client.get("/logout")
    login(client, partner.email)
    response = client.post(url + "/reopen", data={"reopen-reason": "x"})
    assert response.status_code == 403
    assert "reopened" not in _kinds(db_session, case)


def test_raise_safeguarding_on_a_closed_case_reopens_it(client, make_user, make_case,
                                                        db_session):
    case = make_case(status="closed", outcome="handled_by_staff")
    login(client, make_user().email)
    url = f"/cases/{case.reference}"
    post_form(client, url, url + "/safeguarding/raise", {})
    raised = _case(db_session, case.id)
    assert (raised.status, raised.urgency, raised.outcome) == ("needs_staff", "safeguarding",
                                                               None)
    kinds = _kinds(db_session, case)
    assert kinds.index("reopened") < kinds.index("staff_edit")


def test_an_assigned_case_offers_no_volunteers(client, make_user, make_case, make_volunteer,
                                               db_session):
    helper = make_volunteer(name="Already Helping")
    other = make_volunteer(name="Someone Else", phone="+447700900333")
    case = make_case(status="assigned", assigned_volunteer_id=helper.id)
    login(client, make_user().email)
    url = f"/cases/{case.reference}"
    page = client.get(url).get_data(as_text=True)
    assert "Suggested volunteers" not in page and "Send offer" not in page
    assert "A volunteer has already taken this case" in page
    assert "Close with an outcome" in page and "Reopen case" not in page
    post_form(client, url, url + "/assign", {"assign-volunteer_id": str(other.id)})
    assert db_session.scalar(select(Offer).where(Offer.case_id == case.id)) is None
    assert _case(db_session, case.id).assigned_volunteer_id == helper.id
