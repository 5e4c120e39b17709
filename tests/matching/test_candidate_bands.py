"""The candidate SELECT reads each travel-distance band from its own box: it must find exactly
the volunteers the single box of `candidate_query` (the plain pre-filter) finds."""

from __future__ import annotations

import random

from sqlalchemy import select

from app.models.volunteer import Volunteer
from app.services.matching.matcher import candidate_query, load_candidates, search_radius_km
from tests import factories
from tests.matching.conftest import NOW


def test_the_banded_select_finds_what_the_single_box_finds(db_session, make_case):
    case = make_case()
    rng = random.Random(7)
    distances = [0.5, 1.0, 2.5, 3.0, 4.99, 5.0, 5.01, 7.5, 10.0, 12.5, 19.99, 20.0]
    for i in range(160):
        km = distances[i % len(distances)]  # placed up to 1.5 times as far as they travel
        factories.make_volunteer(
            db_session, name=f"Band {i}", needs=["food"],
            latitude=case.latitude + rng.uniform(-1.5, 1.5) * km / 111.2,
            longitude=case.longitude + rng.uniform(-1.5, 1.5) * km / 70.0,
            max_distance_km=km)
    db_session.flush()
    single = {row.id for row in db_session.execute(
        candidate_query(case, search_radius_km(db_session)))}
    banded = {c.volunteer_id for c in load_candidates(db_session, case, NOW)}
    assert banded == single
    # Every band is represented, and the distance test really drops some.
    found = dict(db_session.execute(select(Volunteer.id, Volunteer.max_distance_km)
                                    .where(Volunteer.id.in_(banded))).all())
    assert set(found.values()) >= {0.5, 5.0, 10.0, 20.0}
    assert len(banded) < 160
