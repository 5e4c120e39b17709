"""Signing a test client in through the real /login form, and posting forms, as a browser does.

CSRF stays on in the test profile, so every POST carries the token read from the page first.
"""

from __future__ import annotations

import re
import time

import pyotp
from sqlalchemy.orm import Session

from app.models.staff import StaffUser
from tests.factories import PASSWORD, TEST_MFA_SECRET, make_staff_user

_TOKEN = re.compile(r'name="(?:[\w-]*csrf_token)"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    """The CSRF token of the (first) form on the page."""
    match = _TOKEN.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def post_form(client, page: str, action: str, data: dict[str, str]):
    """POST `data` to `action` with the CSRF token read from `page` (like a browser)."""
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(action, data={"csrf_token": token, **data})


#: The last TOTP step each account used in this process: the app refuses a code twice.
_last_step: dict[str, int] = {}


def totp_code(email: str, secret: str = TEST_MFA_SECRET) -> str:
    """A real code for `secret`, never one this process already gave for `email`.

    The app accepts the step after the current one (clock drift), so a second sign-in within
    30 seconds uses that; a third waits for the next step, as a person would.
    """
    totp = pyotp.TOTP(secret)
    current = totp.timecode(time.time())
    step = max(current, _last_step.get(email, -1) + 1)
    if step > current + 1:
        time.sleep(totp.interval - time.time() % totp.interval + 0.05)
        return totp_code(email, secret)
    _last_step[email] = step
    return totp.generate_otp(step)


def login(client, email: str, password: str = PASSWORD, secret: str = TEST_MFA_SECRET):
    """Submit the /login form, and the code step if the account has MFA, as a person does.

    The response is the last one: a 302 to the start page when sign-in worked.
    """
    response = post_form(client, "/login", "/login", {"email": email, "password": password})
    if response.status_code == 302 and response.headers["Location"].endswith("/login/code"):
        response = post_form(client, "/login/code", "/login/code",
                             {"code": totp_code(email, secret)})
    return response


def sign_in_as(client, session: Session, role: str, **fields) -> StaffUser:
    """A new committed account with this role, signed in; fails the test if sign-in fails."""
    user = make_staff_user(session, role, **fields)
    session.commit()
    response = login(client, user.email)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return user
