"""Offers that stay true, end to end (real worker, real Redis, fake Twilio): a paused
volunteer's YES assigns nothing and gives away nothing; a console offer to a volunteer without a
DBS check for a need that requires one is refused unless a coordinator overrides it."""

from __future__ import annotations

import pytest

from app.models.base import utcnow
from app.services.volunteers.register import create_volunteer
from tests.matching.e2e import wait_for
from tests.safety.conftest import SafetyWorld
from tests.signin import csrf_from

pytestmark = pytest.mark.slow

A, B = "+447700900391", "+447700900392"
RESIDENT = "+447700900001"


def _offer_to(safety: SafetyWorld, phone: str) -> str:
    return wait_for(lambda: next((b for b in safety.sent_to(phone) if "Reply YES" in b), None),
                    what=f"offer to {phone[-3:]}")


def test_a_paused_volunteers_yes_is_refused(safety: SafetyWorld) -> None:
    ann = safety.volunteer("Ann Near", A, "WR1 3AA")
    safety.volunteer("Bob Far", B, "WR2 4AA")
    case_id = safety.open_case()
    reference = safety.case(case_id).reference
    _offer_to(safety, A)
    coordinator = safety.staff("coordinator")
    console = safety.console(coordinator)
    page = f"/volunteers/{ann}"
    token = csrf_from(safety.page(console, page))
    paused = safety.post(console, f"{page}/pause", {"csrf_token": token}, follow_redirects=True)
    assert "open offers were withdrawn" in paused.get_data(as_text=True)
    wait_for(lambda: any("now closed" in b for b in safety.sent_to(A)), what="closed SMS")
    _offer_to(safety, B)  # the case moved on to the next volunteer
    reply = safety.sms(A, f"YES {reference}")
    assert reply == [f"Thank you! {reference}: this request is now closed, so no need to do "
                     "anything."]
    case = safety.case(case_id)
    assert case.assigned_volunteer_id is None and case.status == "offered"
    assert not any("07700 900001" in b or "High Street" in b for b in safety.sent_to(A))


def _volunteer_without_dbs(safety: SafetyWorld, name: str, phone: str) -> int:
    with safety.runtime.session_factory() as session:
        volunteer = create_volunteer(session, {
            "name": name, "phone": phone, "postcode": "WR1 3AA", "needs": ["food"],
            "max_distance_km": 10, "dbs_status": "none"}, utcnow())
        session.commit()
        return volunteer.id


def test_console_offer_without_dbs_needs_a_coordinator_override(safety: SafetyWorld) -> None:
    volunteer_id = _volunteer_without_dbs(safety, "Nina NoCheck", A)
    case_id = safety.open_case()  # food: needs a DBS check; nobody eligible, so staff have it
    wait_for(lambda: safety.case(case_id).status == "needs_staff", what="case with staff")
    reference = safety.case(case_id).reference
    page = f"/cases/{reference}"
    handler = safety.console(safety.staff("call_handler"))
    token = csrf_from(safety.page(handler, page))
    refused = safety.post(handler, f"{page}/assign", {
        "assign-csrf_token": token, "assign-volunteer_id": str(volunteer_id)},
        follow_redirects=True).get_data(as_text=True)
    assert "no clear, current DBS check" in refused
    token = csrf_from(safety.page(handler, page))
    not_allowed = safety.post(handler, f"{page}/assign", {
        "assign-csrf_token": token, "assign-volunteer_id": str(volunteer_id),
        "assign-dbs_override": "y", "assign-override_reason": "I know her"},
        follow_redirects=True).get_data(as_text=True)
    assert "Only a coordinator can override" in not_allowed
    coordinator = safety.console(safety.staff("coordinator"))
    token = csrf_from(safety.page(coordinator, page))
    done = safety.post(coordinator, f"{page}/assign", {
        "assign-csrf_token": token, "assign-volunteer_id": str(volunteer_id),
        "assign-dbs_override": "y",
        "assign-override_reason": "DBS renewal applied for; shopping left on the doorstep"},
        follow_redirects=True).get_data(as_text=True)
    assert "Offer sent to Nina NoCheck" in done and "DBS rule overridden" in done
    _offer_to(safety, A)
    assert safety.reply(A, f"YES {reference}").reply == ""  # the override holds at YES time
    wait_for(lambda: safety.case(case_id).status == "assigned", what="assignment")
