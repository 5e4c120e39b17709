"""Aftercare fixtures: a request a volunteer has just finished, at real Worcester postcodes.

`helped_case` makes an approved, DBS-checked volunteer and a completed case they helped with
(`completed_at` ten minutes before `now`, the clock as it is unless a test passes its own), so
its follow-up is due and a repeat of it can go to the same volunteer first.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.models.base import utcnow
from app.models.case import Case
from app.models.volunteer import Volunteer
from tests import factories


def volunteer(session: Session, name: str, phone: str, postcode: str, now: datetime,
              **fields: Any) -> Volunteer:
    """Approved, active, DBS clear for a year from `now`, free all week for food runs."""
    return factories.make_volunteer(session, **{
        "name": name, "phone": phone, "postcode": postcode, "needs": ["food"],
        "max_distance_km": 10.0, "dbs_status": "clear",
        "dbs_expires_on": (now + timedelta(days=365)).date(), "max_open_assignments": 3,
        **fields})


@pytest.fixture
def helped_case(db_session: Session) -> Callable[..., tuple[Case, Volunteer]]:
    def make(phone: str = "+447700900211", *, now: datetime | None = None,
             helper_phone: str = "+447700900611", **fields: Any) -> tuple[Case, Volunteer]:
        now = now or utcnow()
        helper = volunteer(db_session, "Ann Helper", helper_phone, "WR2 4AA", now)
        case = factories.make_case(db_session, **{
            "phone": phone, "postcode": "WR1 3AA", "name": "Mary Jones",
            "address": "1 High Street, Worcester", "details": "Bread and milk",
            "status": "completed", "outcome": "matched", "assigned_volunteer_id": helper.id,
            "assigned_at": now - timedelta(hours=3), "completed_at": now - timedelta(minutes=10),
            "created_at": now - timedelta(hours=4), "updated_at": now - timedelta(minutes=10),
            **fields})
        db_session.commit()
        return case, helper

    return make
