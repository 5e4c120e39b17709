"""Console test helpers: staff accounts, cases, and signing in WITH the CSRF token.

CSRF stays on in the test profile: the helpers read the token from the page as a browser would.
"""

from __future__ import annotations

import itertools
import re
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from app.models.base import utcnow
from app.models.case import Case
from app.models.staff import StaffUser
from app.models.volunteer import Volunteer
from app.services.staff.passwords import hash_password

PASSWORD = "correct horse battery"
_TOKEN = re.compile(r'name="(?:[\w-]*csrf_token)"[^>]*value="([^"]+)"')
_counter = itertools.count(1)
_HASH = hash_password(PASSWORD)


def csrf_from(html: str) -> str:
    match = _TOKEN.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def login(client, email: str, password: str = PASSWORD):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": token})


def post_form(client, page: str, action: str, data: dict[str, str]):
    """POST `data` to `action` with the CSRF token read from `page` (like a browser)."""
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(action, data={"csrf_token": token, **data})


@pytest.fixture
def make_user(db_session: Session):
    def make(role: str = "call_handler", **extra) -> StaffUser:
        n = next(_counter)
        user = StaffUser(email=f"{role}{n}@example.org", role=role, password_hash=_HASH,
                         name=f"{role.replace('_', ' ').title()} {n}", **extra)
        db_session.add(user)
        db_session.commit()
        return user

    return make


@pytest.fixture
def make_case(db_session: Session):
    alphabet = "34679ACDEFGHJKMNPQRTVWXY"

    def make(**fields) -> Case:
        n = next(_counter)
        ref = "H2H-" + "".join(alphabet[(n // 24**i) % 24] for i in range(4))
        values = {"reference": ref, "status": "new", "category": "shielding", "need": "food",
                  "urgency": "routine", "channel": "sms", "phone": "+447700900123",
                  "postcode": "WR1 2NN", "district": "Worcester", "details": "Needs shopping"}
        values.update(fields)
        case = Case(**values)
        db_session.add(case)
        db_session.commit()
        return case

    return make


@pytest.fixture
def make_volunteer(db_session: Session):
    def make(**fields) -> Volunteer:
        n = next(_counter)
        values = {"name": f"Volunteer {n}", "phone": f"+4477009005{n % 100:02d}",
                  "postcode": "WR1 3AA", "district": "Worcester", "needs": ["food"],
                  "approval_status": "approved", "active": True}
        values.update(fields)
        volunteer = Volunteer(**values)
        db_session.add(volunteer)
        db_session.commit()
        return volunteer

    return make


def minutes_ago(n: int):
    return utcnow() - timedelta(minutes=n)
