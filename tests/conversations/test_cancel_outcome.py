"""A resident's CANCEL ends the case with the outcome "withdrawn" and tells the volunteer."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models.base import utcnow
from app.models.case import Case
from app.models.message import Message
from app.models.volunteer import Offer
from app.services.matching.matcher import offer_case_to
from tests import factories

pytestmark = pytest.mark.clock

RESIDENT = "+447700900871"


def test_cancel_records_withdrawn_and_withdraws_the_offer(send_sms, db_session):
    volunteer = factories.make_volunteer(db_session, phone="+447700900872", postcode="WR1 2NN")
    case = factories.make_case(db_session, phone=RESIDENT, needs_matching=True)
    offer = offer_case_to(db_session, case, volunteer.id, utcnow()).offer
    assert offer is not None and offer.volunteer_id == volunteer.id
    db_session.commit()

    reply = send_sms("07700 900871", "CANCEL")
    assert case.reference in reply[0]
    db_session.expire_all()
    case = db_session.get(Case, case.id)
    assert (case.status, case.outcome) == ("cancelled", "withdrawn")
    assert case.outcome_reason == "withdrawn by the resident (CANCEL)"
    assert case.closed_at is not None and case.needs_matching is False
    assert db_session.get(Offer, offer.id).status == "withdrawn"
    told = db_session.scalars(select(Message).where(
        Message.purpose == "offer_withdrawn")).one()
    assert told.to_phone == volunteer.phone and case.reference in told.body
    assert "High Street" not in told.body
