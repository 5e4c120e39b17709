"""The grants rules in the service: money, pots, checks once per item, decisions once."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pypdf
import pytest

from app.domain.grants import GrantRefused, parse_money, pounds
from app.models import Case, FundingPot
from app.services.grants.applications import (
    InterestInput,
    confirm_check,
    decide,
    record_payment,
    submit_interest,
)
from app.services.grants.pots import PotInput, create_pot
from app.services.reports.briefing_pdf import build_briefing_pdf
from app.services.reports.tables import Period
from tests.factories import make_staff_user

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "pence"), [("250", 25000), ("£1,500.5", 150050),
                                             (" 0.99 ", 99)])
def test_money_in_pounds(text: str, pence: int) -> None:
    assert parse_money(text) == pence


@pytest.mark.parametrize("text", ["", "0", "-5", "12.345", "lots", "£", "1e5", "\0"])
def test_bad_money_is_refused(text: str) -> None:
    with pytest.raises(GrantRefused):
        parse_money(text)


def test_pounds_reads_well() -> None:
    assert (pounds(6_000_000), pounds(150050), pounds(None)) == ("£60,000", "£1,500.50", "")


@pytest.mark.parametrize(("changes", "message"), [
    ({"min_award_pence": 60_000}, "smallest award"),
    ({"max_award_pence": 7_000_000}, "more than the budget"),
    ({"closes_on": date(2026, 1, 1)}, "close before it opens"),
    ({"name": "  "}, "needs a name"),
])
def test_pots_are_checked(db_session, changes, message) -> None:
    data = {"name": "Fast Grants", "budget_pence": 6_000_000, "min_award_pence": 5_000,
            "max_award_pence": 50_000, "opens_on": date(2026, 2, 1),
            "closes_on": date(2026, 3, 31), **changes}
    with pytest.raises(GrantRefused, match=message):
        create_pot(db_session, PotInput(**data))


def test_checks_once_each_and_decisions_once(db_session) -> None:
    pot = create_pot(db_session, PotInput("Fast Grants", 6_000_000, 5_000, 50_000,
                                          date(2026, 2, 1), date(2026, 3, 31)))
    with pytest.raises(GrantRefused, match="not open"):
        submit_interest(db_session, InterestInput(pot.id, "G", "school", "A", "x", 100,
                                                  contact_email="a@example.org"),
                        datetime(2026, 4, 1, tzinfo=UTC))
    application = submit_interest(db_session, InterestInput(
        pot.id, "Scouts", "community_group", "A", "Camp", 30_000,
        contact_phone="01632 960123"), NOW).application
    staff = make_staff_user(db_session, "coordinator")
    first = confirm_check(db_session, application, "bank_account", staff.id, NOW)
    assert confirm_check(db_session, application, "bank_account", staff.id, NOW).id == first.id
    with pytest.raises(GrantRefused, match="Unknown"):
        confirm_check(db_session, application, "vibes", staff.id, NOW)
    with pytest.raises(GrantRefused, match="reason"):
        decide(db_session, application, award=False, amount_pence=None, reason=" ",
               staff_id=staff.id, now=NOW)
    decide(db_session, application, award=False, amount_pence=None, reason="Out of area",
           staff_id=staff.id, now=NOW)
    with pytest.raises(GrantRefused, match="already been decided"):
        decide(db_session, application, award=False, amount_pence=None, reason="again",
               staff_id=staff.id, now=NOW)
    with pytest.raises(GrantRefused, match="Only an awarded application"):
        record_payment(db_session, application, amount_pence=100, paid_on=date(2026, 3, 3),
                       reference=None, staff_id=staff.id, now=NOW)
    with pytest.raises(GrantRefused, match="checks are closed"):
        confirm_check(db_session, application, "governing_document", staff.id, NOW)


def test_briefing_stays_one_page_with_forty_districts_and_three_pots(db_session) -> None:
    for n in range(200):
        db_session.add(Case(reference=f"H2H-G{n:03d}", category="other", need="other",
                            district=f"District number {n % 40} with a long name",
                            details="supercalifragilistic " * 5 + f"word{n % 17}",
                            created_at=datetime(2026, 1, 1 + n % 28, tzinfo=UTC)))
    for n in range(3):
        db_session.add(FundingPot(name=f"A funding pot with a long name number {n}",
                                  budget_pence=6_000_000, min_award_pence=5_000,
                                  max_award_pence=50_000, opens_on=date(2026, 1, 1),
                                  closes_on=date(2026, 12, 31)))
    db_session.commit()
    january = Period(date(2026, 1, 1), date(2026, 1, 31))
    reader = pypdf.PdfReader(io.BytesIO(build_briefing_pdf(db_session, january,
                                                           today=date(2026, 2, 3))))
    assert len(reader.pages) == 1
    text = " ".join(reader.pages[0].extract_text().split())
    assert "Community grants" in text and "long name number 2" in text
