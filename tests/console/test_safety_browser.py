"""Duty and safeguarding in a real browser with axe-core: the header "On duty" switch, the duty
and rota page, and the safeguarding banner until someone acknowledges the alert."""

from __future__ import annotations

import calendar
import itertools
import random
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from app.models.base import utcnow
from app.models.case import Case
from app.services.cases.safeguarding import Source, raise_safeguarding
from tests.factories import new_reference

pytestmark = pytest.mark.browser
_numbers = itertools.count(random.randrange(100, 900))


def _phone() -> str:
    return f"+447700900{next(_numbers) % 1000:03d}"


def test_duty_switch_in_the_header(live_server, logged_in_page, axe_check) -> None:
    page = logged_in_page("call_handler", phone=_phone())
    page.goto("/queue")
    switch = page.get_by_role("switch", name="On duty")
    expect(switch).to_have_attribute("aria-checked", "false")
    assert axe_check(page) == []
    switch.click()
    expect(page.get_by_role("status")).to_contain_text("You are on duty")
    expect(page.get_by_role("heading", level=1)).to_have_text("Case queue")  # same page
    expect(page.get_by_role("switch", name="On duty")).to_have_attribute("aria-checked", "true")
    switch = page.get_by_role("switch", name="On duty")
    switch.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("switch", name="On duty")).to_have_attribute("aria-checked", "false")
    assert axe_check(page) == []


def _a_day_that_is_not_today() -> str:
    """A rota slot on this day never covers the moment the test runs (UK time, on the clock
    the live server reads), so the person is on duty only when put there by hand."""
    in_three_days = utcnow().astimezone(ZoneInfo("Europe/London")) + timedelta(days=3)
    return calendar.day_name[in_three_days.weekday()]


@pytest.mark.clock
def test_rota_page(live_server, page, live_user, axe_check) -> None:
    from tests.plugins.browser import login_as

    name = f"Rhona Rota {random.randrange(10_000)}"
    day = _a_day_that_is_not_today()
    handler = live_user("call_handler", name=name)
    login_as(page, live_user("coordinator", phone=_phone()))
    page.goto("/duty")
    expect(page.get_by_role("heading", level=1)).to_have_text("Duty")
    assert axe_check(page) == []
    person = page.locator(f"#duty-person-{handler.id}")
    person.get_by_label(f"Mobile number for {name}").fill("07700 900977")
    person.get_by_role("button", name=f"Save number for {name}").click()
    expect(page.get_by_role("status")).to_contain_text(f"Phone saved for {name}")
    person = page.locator(f"#duty-person-{handler.id}")
    person.get_by_label("Day").select_option(label=day)
    person.get_by_label("From").fill("08:00")
    person.get_by_label("Until").fill("12:30")
    person.get_by_role("button", name=f"Add slot for {name}").click()
    expect(page.get_by_role("status")).to_contain_text(f"Rota slot added for {name}")
    expect(page.locator(f"#duty-person-{handler.id}")).to_contain_text(f"{day} 08:00–12:30")
    page.locator(f"#duty-person-{handler.id}").get_by_role(
        "button", name=f"Put on duty ({name})").click()
    expect(page.locator("#on-duty-list")).to_contain_text(name)
    assert axe_check(page) == []
    page.locator(f"#duty-person-{handler.id}").get_by_role(
        "button", name=f"Take off duty ({name})").click()
    expect(page.locator("#on-duty-list")).not_to_contain_text(name)


def test_safeguarding_banner_until_acknowledged(live_server, logged_in_page, axe_check) -> None:
    reference = new_reference()
    with live_server.session() as session:
        case = Case(reference=reference, status="new", category="other", need="food",
                    urgency="routine", channel="sms", phone=_phone(), postcode="WR1 2NN",
                    district="Worcester", details="Shopping please")
        session.add(case)
        session.flush()
        raise_safeguarding(session, case, source=Source.API, now=utcnow())
        session.commit()
    page = logged_in_page("call_handler")
    page.goto("/queue")
    banner = page.get_by_role("alert")
    expect(banner).to_contain_text("not yet acknowledged")
    assert axe_check(page) == []
    banner.get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(reference)
    assert axe_check(page) == []
    page.get_by_role("button", name="Acknowledge: I am taking this on").click()
    expect(page.get_by_role("status")).to_contain_text("acknowledged")
    expect(page.locator("#safeguarding-banner a", has_text=reference)).to_have_count(0)
    expect(page.locator("#safeguarding")).to_contain_text("acknowledged after")
