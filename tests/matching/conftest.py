"""Matching fixtures: volunteers and cases at real Worcestershire postcodes, at a fixed time.

The builders are tests/factories.py (which places each postcode as the service does); these
fixtures add what the matching tests rely on: a volunteer who is checked and free for every
common need, and a resident's case opened five minutes before `NOW`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.models.case import Case
from app.models.volunteer import Volunteer
from tests import factories

#: A fixed Tuesday morning (UK summer time) so availability rules are deterministic.
NOW = datetime(2026, 6, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def make_volunteer(db_session: Session) -> Callable[..., Volunteer]:
    def make(name: str = "Sam Patel", postcode: str = "WR1 2NN", **fields: Any) -> Volunteer:
        return factories.make_volunteer(db_session, **{
            "name": name, "postcode": postcode,
            "needs": ["food", "prescriptions", "befriending", "money"],
            "max_distance_km": 5.0, "dbs_status": "clear",
            "dbs_expires_on": date(2027, 12, 31), "max_open_assignments": 3, **fields})

    return make


@pytest.fixture
def make_case(db_session: Session) -> Callable[..., Case]:
    def make(need: str = "food", postcode: str = "WR1 3AA", **fields: Any) -> Case:
        return factories.make_case(db_session, **{
            "need": need, "postcode": postcode, "phone": "+447700900001", "name": "Mary Jones",
            "address": "1 High Street, Worcester", "needs_matching": True,
            "created_at": NOW - timedelta(minutes=5), "updated_at": NOW - timedelta(minutes=5),
            **fields})

    return make
