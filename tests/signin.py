"""Signing a test client in through the real /login form, and posting forms, as a browser does.

CSRF stays on in the test profile, so every POST carries the token read from the page first.
"""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from app.models.staff import StaffUser
from tests.factories import PASSWORD, make_staff_user

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


def login(client, email: str, password: str = PASSWORD):
    """Submit the /login form; the response says whether it worked (tests of sign-in use it)."""
    return post_form(client, "/login", "/login", {"email": email, "password": password})


def sign_in_as(client, session: Session, role: str, **fields) -> StaffUser:
    """A new committed account with this role, signed in; fails the test if sign-in fails."""
    user = make_staff_user(session, role, **fields)
    session.commit()
    response = login(client, user.email)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return user
