"""The public pages in every flow language, in a real browser: axe finds nothing serious, and
the switcher is a keyboard-usable list of links."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect


@pytest.mark.parametrize("path", [
    "/volunteer-signup?lang=pl", "/volunteer-signup?lang=ur", "/volunteer-signup?lang=bn",
    "/community-grants?lang=ur", "/community-grants?lang=bn",
])
def test_axe_finds_no_serious_violations_in_any_language(live_server, page, axe_check, path):
    page.goto(path)
    assert page.locator("h1").count() == 1
    assert axe_check(page) == []


def test_the_switcher_changes_the_notice_and_keeps_the_form(live_server, page):
    page.goto("/volunteer-signup")
    switcher = page.get_by_role("navigation", name="Language")
    switcher.get_by_role("link", name="اردو").click()
    notice = page.locator("p.inset[lang='ur']")
    expect(notice).to_be_visible()
    assert notice.get_attribute("dir") == "rtl"
    expect(page.get_by_role("button", name="Send application")).to_be_visible()
    switcher.get_by_role("link", name="English").focus()
    page.keyboard.press("Enter")
    expect(page.locator("p.inset[lang]")).to_have_count(0)
