"""MFA in a real browser (Debian chromium): enrolment with the QR code, and signing in with a
code, each page checked with axe-core."""

from __future__ import annotations

import pyotp
import pytest
from playwright.sync_api import expect

from tests.plugins.browser import BROWSER_PASSWORD, login_as
from tests.signin import totp_code

pytestmark = pytest.mark.browser


def test_a_coordinator_enrols_at_first_sign_in(live_server, page, live_user, axe_check):
    user = live_user("coordinator", mfa_secret=None, mfa_enrolled_at=None)
    login_as(page, user)
    assert page.url.endswith("/account/mfa")
    page.goto("/queue")  # no other page until enrolled
    assert page.url.endswith("/account/mfa")
    qr = page.get_by_role("img", name="QR code to scan with your authenticator app",
                          exact=False)
    expect(qr).to_be_visible()
    assert qr.get_attribute("src").startswith("data:image/svg+xml")
    assert axe_check(page) == []
    secret = page.locator("#mfa-secret").inner_text().replace(" ", "")
    page.get_by_label("Code").fill("000000" if pyotp.TOTP(secret).now() != "000000"
                                   else "111111")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    assert axe_check(page) == []
    page.get_by_label("Code").fill(totp_code(user.email, secret))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Your authenticator app is set up")).to_be_visible()
    assert page.locator("#recovery-codes li").count() == 10
    assert axe_check(page) == []
    page.get_by_role("link", name="I have kept my recovery codes: continue").click()
    page.wait_for_load_state()
    assert page.url.endswith("/queue")


def test_an_admin_signs_in_with_a_code(live_server, page, live_user, axe_check):
    user = live_user("admin")
    page.goto("/login")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(BROWSER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Enter the code from your authenticator app")
           ).to_be_visible()
    assert axe_check(page) == []
    right = totp_code(user.email, user.mfa_secret)
    page.get_by_label("Code").fill(f"{(int(right) + 1) % 1_000_000:06d}")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    assert axe_check(page) == []
    page.get_by_label("Code").fill(right)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert page.url.endswith("/queue")
    page.goto("/admin/staff")
    expect(page.get_by_text(user.email)).to_be_visible()
    assert axe_check(page) == []
