"""Chromium and axe on the neighbourhood demand report and the community grants pages.

Each test saves a screenshot; with H2H_SCREENSHOTS_DIR set (e.g. docs/screenshots) it goes
there, which is how the README's pictures are made:

    H2H_SCREENSHOTS_DIR=docs/screenshots .venv/bin/pytest -p no:cacheprovider \
        tests/grants/test_browser.py
"""

from __future__ import annotations

import io
import os
import random
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.models.base import utcnow
from app.models.case import Case
from app.models.grant import FundingPot
from app.models.volunteer import Volunteer
from app.services.geo.neighbourhoods import import_neighbourhoods
from tests.neighbourhoods.ons_files import LOOKUP_HEADER, lookup_row, text

pytestmark = [pytest.mark.browser, pytest.mark.clock]

#: Eight Worcester LSOAs (invented names in the ONS style) and their residents.
AREAS = [(f"E0103{2140 + i}", f"Worcester 0{10 + i}{'ABCD'[i % 4]}", 1400 + 150 * i)
         for i in range(8)]


def _shot(page, name: str, tmp_path: Path, locator=None) -> Path:
    out = Path(os.environ.get("H2H_SCREENSHOTS_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    path = out / name
    (locator or page).screenshot(path=str(path), **({} if locator else {"full_page": True}))
    assert path.stat().st_size > 1000
    return path


@pytest.fixture
def neighbourhood_data(live_server):
    """ONS-shaped lookup and population for eight LSOAs, and this month's requests in them."""
    today = utcnow().date()
    lookup = [LOOKUP_HEADER] + [lookup_row(f"WR1 {i}AA", code, name)
                                for i, (code, name, _) in enumerate(AREAS, start=1)]
    population = ["LSOA 2021 Code,LSOA 2021 Name,Total"] + [
        f"{code},{name},{people}" for code, name, people in AREAS]
    with live_server.session() as session:
        import_neighbourhoods(session, io.StringIO(text(lookup)), io.StringIO(text(population)))
        if session.scalar(select(Case.id).where(Case.reference == "H2H-N000")) is None:
            rng = random.Random(7)
            start = datetime.combine(today.replace(day=1), time(9), tzinfo=UTC)
            for i in range(90):
                code = AREAS[min(int(rng.expovariate(0.6)), 7)][0]
                session.add(Case(
                    reference=f"H2H-N{i:03d}", status="completed", channel="sms",
                    category="other", need="food", neighbourhood_code=code,
                    district="Worcester", created_at=start + timedelta(
                        minutes=rng.randrange(max(1, (today.day - 1) * 1440 + 60))),
                    urgency="safeguarding" if rng.random() < 0.08 else "routine",
                    outcome="unmet" if rng.random() < 0.15 else "matched", is_demo=True))
            for i in range(14):
                session.add(Volunteer(name=f"Neighbour {i}", phone=f"+4477009009{i:02d}",
                                      neighbourhood_code=AREAS[(i * 3) % 8][0], is_demo=True))
        session.commit()


def test_neighbourhood_report_passes_axe(logged_in_page, axe_check, neighbourhood_data,
                                         tmp_path):
    page = logged_in_page("coordinator")
    today = utcnow().date()
    page.goto(f"/reports?from={today.replace(day=1).isoformat()}&to={today.isoformat()}"
              "#neighbourhood-demand")
    section = page.locator("section[aria-labelledby=neighbourhood-demand]")
    expect(section.locator("h2")).to_have_text("Demand by neighbourhood (ranked)")
    expect(section).to_contain_text("standardised")
    body = section.locator("tbody").inner_text()
    # Other browser tests may have placed a case or volunteer on the same live server.
    assert all(f"{name} ({code})" in body for code, name, _ in AREAS)
    assert section.locator("svg.chart rect").count() >= 1
    assert "<5" in body
    assert axe_check(page) == []
    _shot(page, "neighbourhood-demand.png", tmp_path, section)


def test_grants_pages_pass_axe(page, live_server, live_user, axe_check, tmp_path):
    from tests.plugins.browser import login_as

    today = utcnow().date()
    with live_server.session() as session:
        if session.scalar(select(FundingPot.id).where(FundingPot.name == "Fast Grants")) is None:
            session.add(FundingPot(name="Fast Grants", budget_pence=6_000_000,
                                   description="Grassroots groups helping their neighbours",
                                   min_award_pence=5_000, max_award_pence=50_000,
                                   opens_on=today - timedelta(days=7),
                                   closes_on=today + timedelta(days=60)))
            session.commit()

    page.goto("/community-grants")
    assert axe_check(page) == []
    page.get_by_role("button", name="Send expression of interest").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert axe_check(page) == []
    page.get_by_label("Name of your group").fill("Oak Street Residents' Association")
    page.get_by_label("What kind of group are you?").select_option("residents_association")
    page.get_by_label("Your name").fill("Priya Example")
    page.get_by_label("Phone number").fill("07700 900321")
    page.get_by_label("Postcode where your group works").fill("WR1 2AA")
    page.get_by_label("What is the money for?").fill("A winter warm space with hot lunches")
    page.get_by_label("How much are you asking for, in pounds?").fill("400")
    page.get_by_label("I agree").check()
    _shot(page, "grants-apply.png", tmp_path)
    page.get_by_role("button", name="Send expression of interest").click()
    expect(page.locator("h1")).to_contain_text("Thank you")
    reference = page.locator(".panel strong").inner_text()
    assert axe_check(page) == []

    login_as(page, live_user("coordinator", name="Cora Ordinator"))
    page.goto("/grants/pots/new")
    assert axe_check(page) == []
    page.get_by_role("button", name="Add the pot").click()  # empty: errors shown accessibly
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert axe_check(page) == []
    page.goto("/grants")
    expect(page.get_by_role("link", name=reference)).to_be_visible()
    assert axe_check(page) == []
    page.get_by_role("link", name=reference).click()
    for label in ("Constitution or governing document seen",
                  "Bank account in the group's name verified", "Safeguarding policy seen"):
        page.get_by_label("Check", exact=True).select_option(label=label)
        page.get_by_role("button", name="Record this check as done by me").click()
        expect(page.get_by_role("status")).to_contain_text("Recorded")
    page.get_by_label("Award a grant").check()
    page.get_by_label("Amount awarded, in pounds").fill("350")
    page.get_by_label("Reason").fill("Meets the fund's aims; safeguarding policy in place")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("status")).to_contain_text("Awarded £350")
    assert axe_check(page) == []
    _shot(page, "grants-application.png", tmp_path)
    page.goto("/grants")
    _shot(page, "grants.png", tmp_path)
