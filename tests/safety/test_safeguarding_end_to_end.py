"""Safeguarding from residents' words, end to end (real worker, real Redis, fake Twilio): the
case is opened and duty alerted the moment the words arrive, at any step, in any language."""

from __future__ import annotations

import pytest

from tests.matching.e2e import wait_for
from tests.safety.conftest import SafetyWorld

pytestmark = pytest.mark.slow

SAFETY_LINE = "If you are in danger now, ring 999."


def test_words_at_the_details_step_then_stop_still_alert(safety: SafetyWorld) -> None:
    coordinator = safety.staff("coordinator", phone="+447700900071", on_duty=True)
    resident = "+447700900171"
    safety.walk(resident, "hello", "1", "1", "1")
    reply = safety.sms(resident, "I want to end my life")
    assert any(SAFETY_LINE in text for text in reply)
    assert safety.sms(resident, "STOP") == []
    case = safety.case_for(resident)
    assert case is not None and case.status == "needs_staff" and case.urgency == "safeguarding"
    assert "I want to end my life" in case.details
    assert (case.category, case.need) == ("shielding", "food")
    safety.wait_alert(coordinator.phone, case.reference)
    [alert] = safety.alerts(case.id)
    assert alert.source == "words" and alert.detail["phrases"] == ["end my life"]


def test_words_at_a_menu_step_are_kept(safety: SafetyWorld) -> None:
    coordinator = safety.staff("coordinator", phone="+447700900072", on_duty=True)
    resident = "+447700900172"
    safety.walk(resident, "hi", "1", "3")
    safety.sms(resident, "no food for days and I feel dizzy")
    case = safety.case_for(resident)
    assert case.need == "food" and case.urgency == "safeguarding"
    assert case.details == "no food for days and I feel dizzy"
    safety.wait_alert(coordinator.phone, case.reference)
    # The resident carries on; the later answers join the case opened early.
    reply = safety.walk(resident, "skip", "WR1 2NN", "Edna", "yes")
    assert case.reference in reply[0]
    finished = safety.case_for(resident)
    assert finished.id == case.id and finished.postcode == "WR1 2NN" and finished.name == "Edna"
    assert len(safety.alerts(case.id)) == 1


def test_a_phrase_in_a_later_sms_raises_the_open_case(safety: SafetyWorld) -> None:
    coordinator = safety.staff("coordinator", phone="+447700900073", on_duty=True)
    resident = "+447700900173"
    safety.walk(resident, "hi", "1", "1", "1", "Shopping on Friday please", "WR1 2NN", "skip",
                "yes")
    case = safety.case_for(resident)
    assert case.urgency == "routine"
    reply = safety.sms(resident, "Sorry to bother you, I have had a fall and cant get up")
    assert any(SAFETY_LINE in text for text in reply)
    raised = safety.case_for(resident)
    assert raised.id == case.id and raised.urgency == "safeguarding"
    assert raised.status in ("needs_staff", "assigned")
    safety.wait_alert(coordinator.phone, case.reference)


def test_a_polish_phrase(safety: SafetyWorld) -> None:
    coordinator = safety.staff("coordinator", phone="+447700900074", on_duty=True)
    resident = "+447700900174"
    safety.walk(resident, "dzień dobry", "2", "1", "1")
    reply = safety.sms(resident, "Nie chcę żyć, jestem sama")
    assert any("dzwoń 999" in text for text in reply)
    case = safety.case_for(resident)
    assert case.urgency == "safeguarding" and case.language == "pl"
    safety.wait_alert(coordinator.phone, case.reference)
    assert wait_for(lambda: safety.alerts(case.id))[0].detail["phrases"] == ["nie chcę żyć"]
