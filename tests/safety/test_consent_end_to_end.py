"""Consent end to end (real worker, real Redis, fake Twilio): a resident who says no to sharing
is never offered to a volunteer; consent given later by phone, recorded by staff, is."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from app.models.case import ConsentRecord
from tests.matching.e2e import wait_for
from tests.safety.conftest import SafetyWorld
from tests.signin import csrf_from

pytestmark = pytest.mark.slow

VOLUNTEER = "+447700900381"


def test_no_to_consent_never_reaches_a_volunteer(safety: SafetyWorld) -> None:
    safety.volunteer("Ann Near", VOLUNTEER, "WR1 3AA")
    resident = "+447700900281"
    reply = safety.walk(resident, "hi", "1", "1", "1", "Shopping on Friday", "WR1 2NN", "Edna",
                        "no")
    assert "Your reference is" in reply[0]
    case = safety.case_for(resident)
    assert case.status == "needs_staff" and case.needs_staff_reason == "no consent to share"
    assert not case.needs_matching and case.consent_to_share is False
    with safety.runtime.session_factory() as session:
        [record] = session.scalars(select(ConsentRecord).where(ConsentRecord.case_id == case.id))
    assert (record.answer, record.channel, record.language) == (False, "sms", "en")
    assert record.phrase_key == "here2help@2026-12-02:consent:en"
    assert len(record.wording_sha256) == 64
    # The worker is running and would have offered by now (offers go out within a second).
    time.sleep(3)
    assert safety.sent_to(VOLUNTEER) == []

    # Later the resident agrees by phone; a call handler records it and matching resumes.
    handler = safety.staff("call_handler")
    console = safety.console(handler)
    page = f"/cases/{case.reference}"
    token = csrf_from(safety.page(console, page))
    done = safety.post(console, f"{page}/consent", {
        "consent-csrf_token": token, "consent-answer": "yes",
        "consent-note": "Agreed on the phone when we called back"}, follow_redirects=True)
    assert "goes back to matching" in done.get_data(as_text=True)
    offer = wait_for(lambda: next((b for b in safety.sent_to(VOLUNTEER) if "Reply YES" in b),
                                  None), what="offer after consent")
    assert case.reference in offer
