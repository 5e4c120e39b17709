"""Repeating a request from the case page in a real browser (Debian chromium), with axe-core."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.domain.matching import UK
from app.models.base import utcnow
from app.models.case import Case
from app.models.volunteer import Volunteer

pytestmark = [pytest.mark.browser, pytest.mark.clock]
ALPHABET = "34679ACDEFGHJKMNPQRTVWXY"


def _seed_helped_case(live_server) -> tuple[str, str]:
    """A completed request and the volunteer who did it (unique names and numbers)."""
    n, now = random.randrange(1000), utcnow()
    name = f"Rita Repeat {random.randrange(100_000)}"
    with live_server.session() as session:
        helper = Volunteer(name=name, phone=f"+447700902{n:03d}", postcode="WR1 3AA",
                           district="Worcester", latitude=52.19, longitude=-2.22,
                           needs=["food"], approval_status="approved", active=True,
                           max_distance_km=10.0, dbs_status="clear",
                           dbs_expires_on=(now + timedelta(days=365)).date())
        session.add(helper)
        session.flush()
        reference = "H2H-" + "".join(random.choice(ALPHABET) for _ in range(5))
        session.add(Case(reference=reference, status="completed", outcome="matched",
                         category="shielding", need="food", urgency="routine", channel="sms",
                         phone=f"+447700903{n:03d}", postcode="WR1 2NN", district="Worcester",
                         latitude=52.19, longitude=-2.22, consent_to_share=True,
                         details="Weekly shop", assigned_volunteer_id=helper.id,
                         assigned_at=now - timedelta(days=1),
                         completed_at=now - timedelta(hours=2)))
        session.commit()
    return reference, name


def test_repeat_weekly_then_stop_and_once(live_server, logged_in_page, axe_check):
    reference, name = _seed_helped_case(live_server)
    page = logged_in_page("call_handler")
    page.goto(f"/cases/{reference}")
    page.get_by_text("Repeat this request").click()
    page.get_by_label("How often").select_option("weekly")
    first = utcnow().astimezone(UK).date() + timedelta(days=7)
    page.get_by_label("First repeat on (for a schedule)").fill(first.isoformat())
    assert axe_check(page) == []
    page.get_by_role("button", name="Repeat", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("This request now repeats weekly")
    expect(page.get_by_text(f"Repeats weekly; next on {first:%a %d %b %Y}.")).to_be_visible()
    expect(page.locator("#timeline")).to_contain_text("Repeats weekly, first on")
    page.get_by_role("button", name="Stop repeating").click()
    expect(page.get_by_role("status")).to_contain_text("Stopped repeating this request.")
    page.get_by_text("Repeat this request").click()
    page.get_by_label("How often").select_option("once")
    page.get_by_role("button", name="Repeat", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(
        f"it goes first to {name}, who helped last time")
    expect(page.locator("#timeline")).to_contain_text("Repeated as H2H-")
    assert axe_check(page) == []
