"""The console in a real browser (Debian chromium, headless): the main journeys and axe-core.

The server runs in a thread on its own committed database (tests/plugins/browser.py), so each
test creates the rows it needs with unique references and numbers.
"""

from __future__ import annotations

import itertools
import random
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.models.base import utcnow
from app.models.case import Case
from app.models.volunteer import Volunteer
from tests.plugins.browser import login_as

pytestmark = pytest.mark.browser
ALPHABET = "34679ACDEFGHJKMNPQRTVWXY"
_numbers = itertools.count(random.randrange(100, 700))


def _reference() -> str:
    return "H2H-" + "".join(random.choice(ALPHABET) for _ in range(5))


def _seed_case(live_server, **fields) -> str:
    values = {"reference": _reference(), "status": "new", "category": "shielding",
              "need": "food", "urgency": "routine", "channel": "sms",
              "phone": f"+447700900{next(_numbers):03d}", "postcode": "WR1 2NN",
              "district": "Worcester", "details": "Could someone get my shopping on Friday?",
              "consent_to_share": True}
    values.update(fields)
    with live_server.session() as session:
        session.add(Case(**values))
        session.commit()
    return values["reference"]


def _seed_volunteer(live_server, name: str) -> int:
    with live_server.session() as session:
        volunteer = Volunteer(name=name, phone=f"+447700901{next(_numbers):03d}",
                              postcode="WR1 3AA", district="Worcester", needs=["food"],
                              approval_status="approved", active=True, dbs_status="clear",
                              dbs_expires_on=(utcnow() + timedelta(days=365)).date())
        session.add(volunteer)
        session.commit()
        return volunteer.id


def test_call_handler_assigns_a_volunteer_and_closes_the_case(live_server, logged_in_page):
    reference = _seed_case(live_server)
    name = f"Priya Volunteer {random.randrange(10_000)}"
    _seed_volunteer(live_server, name)
    page = logged_in_page("call_handler")
    page.goto("/queue")
    expect(page.get_by_role("heading", level=1)).to_have_text("Case queue")
    page.get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(reference)

    page.get_by_label("Volunteer", exact=True).select_option(label=f"{name}, Worcester")
    page.get_by_role("button", name="Send offer").click()
    expect(page.get_by_role("status")).to_contain_text(f"Offer sent to {name}")
    expect(page.locator("#timeline")).to_contain_text(f"Offer 1 to {name}")
    expect(page.locator("#timeline")).to_contain_text("SMS to volunteer (offer)")

    page.get_by_text("Close with an outcome").click()
    page.get_by_label("Outcome").select_option("handled_by_staff")
    page.get_by_role("button", name="Close case").click()
    expect(page.get_by_role("status")).to_contain_text("Case closed")
    expect(page.locator("#timeline")).to_contain_text("Closed: handled by staff")
    page.goto("/queue")
    expect(page.get_by_role("link", name=reference)).to_have_count(0)


def test_phone_number_is_masked_until_revealed(live_server, logged_in_page):
    reference = _seed_case(live_server, phone="+447700900999")
    page = logged_in_page("call_handler")
    page.goto(f"/cases/{reference}")
    expect(page.locator("#phone-number")).not_to_contain_text("900999")
    page.get_by_role("button", name=re.compile("Show number")).click()
    expect(page.locator("#phone-number")).to_contain_text("07700 900999")


def test_partner_refers_a_case_and_cannot_see_the_queue(live_server, logged_in_page):
    page = logged_in_page("partner", organisation="Worcester Social Prescribing")
    expect(page.get_by_role("heading", level=1)).to_have_text("Refer someone for help")
    expect(page.get_by_role("link", name="Queue")).to_have_count(0)
    page.get_by_label("Resident's name").fill("Margaret Example")
    page.get_by_label("Phone number").fill(f"07700 902{next(_numbers):03d}")
    page.get_by_label("Postcode").fill("WR1 2NN")
    page.get_by_label("Need", exact=True).select_option("befriending")
    page.get_by_label("What help is needed").fill("Lives alone, would like a weekly call")
    page.get_by_role("button", name="Send referral").click()
    expect(page.get_by_role("heading", level=2, name="There is a problem")).to_be_visible()
    page.get_by_role("link", name=re.compile("agreement to share")).click()
    page.get_by_label(re.compile("They agree we share")).check()
    page.get_by_role("button", name="Send referral").click()
    expect(page.get_by_text("Your referral")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^H2H-"))
    response = page.goto("/queue")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot open this page")


def test_queue_refreshes_itself_and_announces_changes(live_server, logged_in_page):
    page = logged_in_page("call_handler")
    page.clock.install()
    page.goto("/queue?urgency=safeguarding")
    page.evaluate("window.__noReload = true")
    reference = _seed_case(live_server, urgency="safeguarding", status="needs_staff")
    expect(page.get_by_role("link", name=reference)).to_have_count(0)
    page.clock.fast_forward(31_000)  # queue.js refreshes every 30 s
    expect(page.get_by_role("link", name=reference)).to_be_visible()
    expect(page.locator("#queue-live")).to_contain_text("Queue updated")
    assert page.evaluate("window.__noReload") is True  # swapped in place, no page load


CONSOLE_PAGES = [
    ("anonymous", "/login"), ("anonymous", "/volunteer-signup"),
    ("anonymous", "/volunteer-signup/thank-you"),
    ("call_handler", "/queue"), ("call_handler", "/cases/{case}"),
    ("call_handler", "/cases/new"), ("partner", "/cases/new"),
    ("coordinator", "/volunteers"), ("coordinator", "/volunteers/{volunteer}"),
    ("coordinator", "/directory"), ("coordinator", "/reports"),
    ("call_handler", "/volunteers"),  # the 403 page
    ("partner", "/referrals"), ("admin", "/admin/api-tokens"), ("admin", "/admin/access-log"),
    ("coordinator", "/privacy"), ("admin", "/admin/staff"), ("coordinator", "/account/mfa"),
    ("call_handler", "/search?q={case}"), ("coordinator", "/search?q=Axe"),
    ("partner", "/search?q=07700900123"), ("coordinator", "/volunteers/{volunteer}/edit"),
]


@pytest.mark.parametrize(("role", "path"), CONSOLE_PAGES)
def test_axe_finds_no_serious_violations(live_server, page, live_user, axe_check, role, path):
    if role != "anonymous":
        login_as(page, live_user(role))
    reference = _seed_case(live_server, urgency="urgent")
    volunteer_id = _seed_volunteer(live_server, f"Axe Volunteer {random.randrange(10_000)}")
    page.goto(path.format(case=reference, volunteer=volunteer_id))
    assert page.locator("h1").count() == 1
    assert page.title().endswith("Here2Help Line")
    violations = axe_check(page)
    assert violations == [], violations


def test_axe_on_a_form_with_errors(live_server, page, axe_check):
    page.goto("/volunteer-signup")
    page.get_by_role("button", name="Send application").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    assert axe_check(page) == []


def test_keyboard_skip_link_and_error_summary_focus(live_server, page):
    page.goto("/login")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main-content"
    page.get_by_role("button", name="Sign in").click()  # empty form
    expect(page.locator(".error-summary")).to_be_focused()
    page.get_by_role("link", name="Enter your email address").click()
    expect(page.get_by_label("Email address")).to_be_focused()
