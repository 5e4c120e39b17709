"""Ending and reopening a case, and a partner's "My referrals", in chromium with axe-core."""

from __future__ import annotations

import random
import re

import pytest
from playwright.sync_api import expect

from app.models.case import Case
from tests.console.test_browser import _seed_case

pytestmark = pytest.mark.browser


def test_matched_refused_then_closed_then_reopened_with_a_reason(live_server, logged_in_page,
                                                                  axe_check):
    reference = _seed_case(live_server, status="offered")
    page = logged_in_page("call_handler")
    page.goto(f"/cases/{reference}")
    page.get_by_text("Close with an outcome").click()
    outcome = page.get_by_label("Outcome")
    expect(outcome).to_have_value("")  # nothing chosen for the person
    outcome.select_option("matched")
    page.get_by_role("button", name="Close case").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.locator("#close-outcome-error")).to_contain_text("cannot be closed as matched")
    assert axe_check(page) == []

    page.get_by_label("Outcome").select_option("unmet")
    page.get_by_label("Reason (needed when the need was not met)").fill(
        "Moved away before anyone could help")
    page.get_by_role("button", name="Close case").click()
    expect(page.get_by_role("status")).to_contain_text("Case closed")
    expect(page.get_by_role("heading", name="This case has ended")).to_be_visible()
    expect(page.get_by_role("heading", name="Suggested volunteers")).to_have_count(0)
    expect(page.get_by_text("Close with an outcome")).to_have_count(0)
    assert axe_check(page) == []

    page.get_by_role("button", name="Reopen case").click()  # no reason yet
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    page.get_by_role("link", name="Enter why the case is being reopened").click()
    expect(page.get_by_label(re.compile("Why it is being reopened"))).to_be_focused()
    page.keyboard.type("She is back home and still needs shopping")
    page.get_by_role("button", name="Reopen case").click()
    expect(page.get_by_role("status")).to_contain_text("Case reopened")
    expect(page.locator("#timeline")).to_contain_text(
        "Reopened: She is back home and still needs shopping")
    expect(page.get_by_text("Close with an outcome")).to_be_visible()
    expect(page.get_by_role("button", name="Reopen case")).to_have_count(0)
    assert axe_check(page) == []
    with live_server.session() as session:
        case = session.query(Case).filter_by(reference=reference).one()
        assert (case.status, case.outcome) == ("needs_staff", None)


def test_my_referrals_lists_the_partners_cases_with_outcomes(live_server, page, live_user,
                                                             axe_check):
    from tests.plugins.browser import login_as

    partner = live_user("partner", organisation=f"Referrals Org {random.randrange(10_000)}")
    mine = _seed_case(live_server, referred_by_user_id=partner.id, channel="web",
                      status="closed", outcome="signposted")
    open_one = _seed_case(live_server, referred_by_user_id=partner.id, channel="web")
    someone_elses = _seed_case(live_server)
    login_as(page, partner)
    page.goto("/referrals")
    expect(page.get_by_role("heading", level=1)).to_have_text("My referrals")
    table = page.get_by_role("table")
    expect(table).to_contain_text(mine)
    expect(table).to_contain_text(open_one)
    expect(table).not_to_contain_text(someone_elses)
    row = page.get_by_role("row", name=re.compile(mine))
    expect(row).to_contain_text("Signposted")
    expect(page.get_by_role("row", name=re.compile(open_one))).to_contain_text("Not yet")
    assert axe_check(page) == []
    page.get_by_role("link", name=mine).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(mine)
    assert axe_check(page) == []
