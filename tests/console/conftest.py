"""Console fixtures: staff accounts, cases and volunteers as the console tests expect them.

The builders are tests/factories.py; these fixtures bind them to the test's session, commit
(the console reads through its own session), and give a case the resident's number and words
the page tests look for. Signing in is tests/signin.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from app.models.base import utcnow
from app.models.case import Case
from app.models.staff import StaffUser
from app.models.volunteer import Volunteer
from tests import factories

CASE = {"category": "shielding", "phone": "+447700900123", "postcode": "WR1 2NN",
        "district": "Worcester", "details": "Needs shopping"}


@pytest.fixture
def make_user(db_session: Session):
    def make(role: str = "call_handler", **extra) -> StaffUser:
        user = factories.make_staff_user(db_session, role, **extra)
        db_session.commit()
        return user

    return make


@pytest.fixture
def make_case(db_session: Session):
    def make(**fields) -> Case:
        case = factories.make_case(db_session, **{**CASE, **fields})
        db_session.commit()
        return case

    return make


@pytest.fixture
def make_volunteer(db_session: Session):
    def make(**fields) -> Volunteer:
        volunteer = factories.make_volunteer(db_session, **{"postcode": "WR1 3AA", **fields})
        db_session.commit()
        return volunteer

    return make


def minutes_ago(n: int):
    return utcnow() - timedelta(minutes=n)
