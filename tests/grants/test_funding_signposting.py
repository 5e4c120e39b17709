"""A community group that asks the help line for funding is told which grant pots are open and
where to apply; with none open it is signposted like any other need."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from app.domain.matching import MatchingPolicy
from app.models import FundingPot, Message
from app.services.matching.matcher import offer_next
from app.services.volunteers.register import VolunteerInvalid, create_volunteer
from tests.factories import make_case

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
POLICY = MatchingPolicy(funding_form_url="https://help.example.org/community-grants")


def _pot(session, name: str, opens: date, closes: date) -> None:
    session.add(FundingPot(name=name, budget_pence=6_000_000, min_award_pence=5_000,
                           max_award_pence=50_000, opens_on=opens, closes_on=closes))
    session.flush()


def test_funding_requests_hear_about_open_pots(db_session) -> None:
    _pot(db_session, "Fast Grants", date(2026, 2, 1), date(2026, 3, 31))
    _pot(db_session, "Closed Fund", date(2025, 1, 1), date(2025, 12, 31))
    case = make_case(db_session, need="funding", phone="+447700900777")
    step = offer_next(db_session, case, NOW, POLICY)
    assert step.outcome == "signposted" and step.detail == "open community grants"
    sms = db_session.scalar(select(Message).where(Message.case_id == case.id))
    assert "Fast Grants (£50 to £500, closes 31 Mar 2026)" in sms.body
    assert "Apply at https://help.example.org/community-grants" in sms.body
    assert "Closed Fund" not in sms.body
    assert case.status == "signposted" and case.directory_service_id is None


def test_with_no_pot_open_funding_is_not_sent_to_volunteers(db_session) -> None:
    case = make_case(db_session, need="funding", phone="+447700900778")
    step = offer_next(db_session, case, NOW, POLICY)
    assert step.outcome == "needs_staff"  # no pot, no directory service: a person helps


def test_policy_keeps_the_form_address_and_volunteers_cannot_offer_funding(db_session) -> None:
    assert MatchingPolicy.from_dict(POLICY.as_dict()) == POLICY
    assert MatchingPolicy.from_dict({}).funding_form_url is None
    with pytest.raises(VolunteerInvalid):
        create_volunteer(db_session, {"name": "Sam", "phone": "07700 900878",
                                      "postcode": "WR1 2NN", "needs": "funding"}, NOW)
