"""Sign a test client in through the real /login form (CSRF and all), as a given role."""

from __future__ import annotations

import re

from app.models.staff import StaffUser
from app.services.staff.passwords import hash_password

PASSWORD = "correct horse battery staple"


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def make_user(session, role: str) -> StaffUser:
    user = StaffUser(email=f"{role}@example.invalid", name=f"Test {role}", role=role,
                     password_hash=hash_password(PASSWORD))
    session.add(user)
    session.commit()
    return user


def login(client, session, role: str) -> StaffUser:
    user = make_user(session, role)
    page = client.get("/login")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return user
