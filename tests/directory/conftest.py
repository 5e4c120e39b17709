"""A small directory with known places, needs and review dates."""

from __future__ import annotations

from datetime import date

import pytest

from app.services.directory.entries import ServiceInput, create_service


@pytest.fixture
def directory(db_session):
    """Three services: a Worcester foodbank, a county-wide phone line, a stale Redditch pantry."""
    make = [
        ServiceInput(organisation_name="Trust", name="Worcester Foodbank", needs=("food",),
                     districts=("Worcester",), phone="01632 960001", postcode="WR1 1AA",
                     address_1="1 High St", city="Worcester", district="Worcester",
                     latitude=52.1967, longitude=-2.2170, last_reviewed_on=date(2026, 9, 1)),
        ServiceInput(organisation_name="Age Friendly", name="Telephone Friends",
                     needs=("befriending", "wellbeing"), last_reviewed_on=date(2026, 1, 1)),
        ServiceInput(organisation_name="Churches", name="Redditch Pantry", needs=("food",),
                     districts=("Redditch",),
                     postcode="B97 4AA", address_1="2 Church Rd", city="Redditch",
                     district="Redditch", latitude=52.3074, longitude=-1.9428,
                     last_reviewed_on=date(2024, 3, 1), is_statutory=False),
    ]
    return [create_service(db_session, s) for s in make]
