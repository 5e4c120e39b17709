"""Duty end to end: a staff-raised safeguarding case texts the on-duty coordinator (through the
worker and the fake Twilio) and is acknowledged in the console; with nobody on duty the alert
escalates to every coordinator with a phone and to SAFEGUARDING_ALERT_NUMBERS."""

from __future__ import annotations

import pytest

from tests.safety.conftest import ESCALATION_NUMBER, SafetyWorld
from tests.signin import csrf_from

pytestmark = pytest.mark.slow


def test_staff_raised_case_alerts_the_on_duty_coordinator_and_is_acknowledged(
        safety: SafetyWorld) -> None:
    on_duty = safety.staff("coordinator", phone="+447700900051")
    off_duty = safety.staff("coordinator", phone="+447700900052")
    handler = safety.staff("call_handler")
    console = safety.console(handler)
    # The coordinator goes on duty with the header switch, as they would in the console.
    coordinator_console = safety.console(on_duty)
    token = csrf_from(safety.page(coordinator_console, "/queue"))
    assert safety.post(coordinator_console, "/duty/me", {"csrf_token": token}).status_code == 302

    case_id = safety.open_case(phone="+447700900061")
    reference = safety.case(case_id).reference
    page = f"/cases/{reference}"
    token = csrf_from(safety.page(console, page))
    raised = safety.post(console, f"{page}/safeguarding/raise", {"raise-csrf_token": token})
    assert raised.status_code == 302

    alert_sms = safety.wait_alert(on_duty.phone, reference)
    assert alert_sms == f"Safeguarding case {reference} needs a coordinator now."
    assert safety.alert_texts(off_duty.phone) == [] and safety.alert_texts(ESCALATION_NUMBER) == []
    assert safety.case(case_id).status == "needs_staff"
    assert 'id="safeguarding-banner"' in safety.page(console, "/queue")

    token = csrf_from(safety.page(coordinator_console, page))
    safety.post(coordinator_console, f"{page}/safeguarding/acknowledge", {"ack-csrf_token": token})
    [alert] = safety.alerts(case_id)
    assert alert.acknowledged_by_user_id == on_duty.id
    assert alert.acknowledged_at >= alert.raised_at and not alert.escalated
    assert 'id="safeguarding-banner"' not in safety.page(console, "/queue")


def test_nobody_on_duty_escalates(safety: SafetyWorld) -> None:
    first = safety.staff("coordinator", phone="+447700900053")
    second = safety.staff("coordinator", phone="+447700900054")
    safety.staff("call_handler", phone="+447700900055", on_duty=True)  # not a coordinator
    staff_user = safety.staff("call_handler")
    console = safety.console(staff_user)
    token = csrf_from(safety.page(console, "/cases/new"))
    created = safety.post(console, "/cases/new", {
        "csrf_token": token, "category": "other", "need": "food", "urgency": "safeguarding",
        "phone": "07700 900062", "postcode": "WR1 2NN", "name": "Pat Resident",
        "details": "Neighbour worried about her"})
    assert created.status_code == 302, created.get_data(as_text=True)[:2000]
    case = safety.case_for("+447700900062")
    assert case.status == "needs_staff" and case.urgency == "safeguarding"
    for phone in (first.phone, second.phone, ESCALATION_NUMBER):
        assert safety.wait_alert(phone, case.reference)
    assert safety.alert_texts("+447700900055") == []
    [alert] = safety.alerts(case.id)
    assert alert.escalated and alert.source == "staff"
    assert alert.alerted == [f"staff:{first.id}", f"staff:{second.id}",
                             f"number:{ESCALATION_NUMBER}"]
