"""The volunteer page in chromium: the masked number and "Show number", weekly hours on the
edit form, dated absences added and removed, with axe-core on each state (errors included)."""

from __future__ import annotations

import random
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.domain.uk_time import uk_today
from app.models.base import utcnow
from app.models.staff import AccessLogEntry
from app.models.volunteer import Volunteer

pytestmark = [pytest.mark.browser, pytest.mark.clock]


def _seed_volunteer(live_server) -> tuple[int, str, str]:
    """An approved volunteer with an unused drama number (the live server's data is shared)."""
    name = f"Gwen Browser {random.randrange(100_000)}"
    for _ in range(50):
        phone = f"+447700900{random.randrange(400, 500):03d}"
        with live_server.session() as session:
            try:
                volunteer = Volunteer(name=name, phone=phone, phone_valid=True,
                                      postcode="WR1 3AA", district="Worcester",
                                      latitude=52.19, longitude=-2.22, needs=["food"],
                                      approval_status="approved", active=True,
                                      dbs_status="clear",
                                      dbs_expires_on=(utcnow() + timedelta(days=365)).date())
                session.add(volunteer)
                session.commit()
                return volunteer.id, name, phone
            except IntegrityError:
                session.rollback()
    raise AssertionError("no free drama number")


def test_show_number_is_logged_and_axe_is_clean(live_server, logged_in_page, axe_check):
    volunteer_id, name, phone = _seed_volunteer(live_server)
    page = logged_in_page("coordinator")
    page.goto(f"/volunteers/{volunteer_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    local = "07700 " + phone[-6:]
    expect(page.locator("#phone-number")).not_to_contain_text(phone[-6:])
    assert axe_check(page) == []
    page.get_by_role("button", name=re.compile("Show number")).click()
    expect(page.locator("#phone-number")).to_contain_text(local)
    expect(page.locator("#phone-number")).to_contain_text("this was logged")
    assert axe_check(page) == []
    with live_server.session() as session:
        logged = session.scalars(select(AccessLogEntry.action).where(
            AccessLogEntry.target == f"volunteer:{volunteer_id}")).all()
    assert "reveal_volunteer_phone" in logged
    page.goto(f"/volunteers/{volunteer_id}")  # the next view is masked again
    expect(page.locator("#phone-number")).not_to_contain_text(phone[-6:])


def test_weekly_hours_and_dated_absences_are_edited_on_the_page(live_server, logged_in_page,
                                                                  axe_check):
    volunteer_id, name, _ = _seed_volunteer(live_server)
    page = logged_in_page("coordinator")
    page.goto(f"/volunteers/{volunteer_id}/edit")
    hours = page.get_by_label("Weekly hours (optional)")
    hours.fill("weekdays after six")
    page.get_by_role("button", name="Save details").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Write hours like"))).to_be_visible()
    assert axe_check(page) == []
    page.get_by_label("Weekly hours (optional)").fill("mon-fri 18:00-21:00; sat 10:00-16:00")
    page.get_by_role("button", name="Save details").click()
    expect(page.get_by_role("status")).to_contain_text("details saved")
    row = page.locator(".summary-list__row", has_text="Usual hours")
    expect(row).to_contain_text("Mon-Fri 18:00-21:00; Sat 10:00-16:00 (UK time)")

    today = uk_today(utcnow())
    page.get_by_label("First day away").fill((today + timedelta(days=3)).isoformat())
    page.get_by_label("Last day away").fill((today + timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Add absence").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.get_by_text("The last day must be on or after the first day.").first) \
        .to_be_visible()
    assert axe_check(page) == []

    page.get_by_label("First day away").fill(today.isoformat())
    page.get_by_label("Last day away").fill((today + timedelta(days=6)).isoformat())
    page.get_by_label("Note (optional)").fill("Hospital stay")
    page.get_by_role("button", name="Add absence").click()
    expect(page.get_by_role("status")).to_contain_text(f"{name}: away")
    table = page.locator("#absences + p + table")
    expect(table).to_contain_text("Hospital stay")
    expect(table).to_contain_text("Now")
    assert axe_check(page) == []
    with live_server.session() as session:
        volunteer = session.get(Volunteer, volunteer_id)
        assert volunteer.availability["sat"] == [["10:00", "16:00"]]

    table.get_by_role("button", name=re.compile("^Remove")).click()
    expect(page.get_by_role("status")).to_contain_text("removed")
    expect(page.get_by_text("No absences to come.")).to_be_visible()
