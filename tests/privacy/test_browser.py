"""The data-protection page in a real browser: an erasure without confirmation, then with it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.plugins.browser import login_as

pytestmark = pytest.mark.browser


def test_erasure_form_errors_are_accessible_then_erasure_is_confirmed(live_server, page,
                                                                      live_user, axe_check):
    login_as(page, live_user("coordinator"))
    page.goto("/privacy")
    erase = page.locator("form[action='/privacy/erase']")
    erase.get_by_label("Phone number").fill("01632 960987")  # no other test uses it
    erase.get_by_role("button", name="Erase this person").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.get_by_text("Tick the box to confirm the erasure.").first).to_be_visible()
    assert axe_check(page) == []
    erase = page.locator("form[action='/privacy/erase']")
    erase.get_by_label("I have checked this request").check()
    erase.get_by_role("button", name="Erase this person").click()
    expect(page.get_by_text("Nothing held about that number.")).to_be_visible()
    assert axe_check(page) == []
