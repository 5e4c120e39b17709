"""Search by need, district and distance; review flagging; create and edit rules."""

from __future__ import annotations

from datetime import date

import pytest

from app.models.base import utcnow
from app.services.directory.demo import seed_demo_directory
from app.services.directory.entries import (
    DirectoryError,
    ServiceInput,
    haversine_km,
    mark_reviewed,
    months_between,
    needs_review,
    search_services,
    update_service,
)

pytestmark = pytest.mark.clock

TODAY = date(2026, 11, 23)


def names(hits):
    return [h.service.name for h in hits]


def test_search_by_need_and_district(db_session, directory):
    assert names(search_services(db_session, need="food", today=TODAY)) == [
        "Redditch Pantry", "Worcester Foodbank"]
    # a service with no districts serves every district
    assert names(search_services(db_session, district="worcester", today=TODAY)) == [
        "Telephone Friends", "Worcester Foodbank"]
    assert names(search_services(db_session, need="food", district="Redditch",
                                 today=TODAY)) == ["Redditch Pantry"]
    assert search_services(db_session, need="transport", today=TODAY) == []


def test_search_by_distance_nearest_first(db_session, directory):
    near_worcester = (52.19, -2.22)
    hits = search_services(db_session, need="food", origin=near_worcester, today=TODAY)
    assert names(hits) == ["Worcester Foodbank", "Redditch Pantry"]
    assert hits[0].distance_km == pytest.approx(0.8, abs=0.1)
    assert hits[1].distance_km == pytest.approx(23.4, abs=0.5)
    within = search_services(db_session, origin=near_worcester, within_km=5, today=TODAY)
    assert names(within) == ["Worcester Foodbank"]  # no location: no distance, left out


def test_review_flag_after_configured_months(db_session, directory):
    flagged = {h.service.name: h.needs_review
               for h in search_services(db_session, today=TODAY, review_months=12)}
    assert flagged == {"Worcester Foodbank": False, "Telephone Friends": False,
                       "Redditch Pantry": True}
    six = {h.service.name: h.needs_review
           for h in search_services(db_session, today=TODAY, review_months=6)}
    assert six["Telephone Friends"] is True and six["Worcester Foodbank"] is False
    mark_reviewed(db_session, directory[2].id, TODAY)
    assert not needs_review(directory[2], TODAY, 12)


def test_months_between_and_never_reviewed(directory):
    assert months_between(date(2025, 11, 23), date(2026, 11, 23)) == 12
    assert months_between(date(2025, 11, 24), date(2026, 11, 23)) == 11
    directory[0].last_reviewed_on = None
    assert needs_review(directory[0], TODAY, 12)


def test_haversine_known_distance():
    # Worcester to Redditch centres: about 23 km
    assert haversine_km(52.1967, -2.2170, 52.3074, -1.9428) == pytest.approx(22.1, abs=1.5)


def test_update_keeps_id_and_rejects_bad_input(db_session, directory):
    service = directory[1]
    hsds_id = service.hsds_id
    data = ServiceInput(organisation_name="Age Friendly", name="Phone Friends",
                        needs=("befriending",), status="inactive")
    update_service(db_session, service.id, data)
    assert (service.name, service.hsds_id, service.status) == ("Phone Friends", hsds_id,
                                                               "inactive")
    assert "Phone Friends" not in names(search_services(db_session, today=TODAY))
    for bad, message in ((ServiceInput(organisation_name="X", name=""), "needs a name"),
                         (ServiceInput(organisation_name="X", name="Y", status="paused"),
                          "status must be"),
                         (ServiceInput(organisation_name="X", name="Y", email="nope"),
                          "e-mail")):
        with pytest.raises(DirectoryError, match=message):
            update_service(db_session, service.id, bad)
    with pytest.raises(DirectoryError, match="no directory service"):
        update_service(db_session, 999999, data)


def test_demo_directory_is_idempotent_and_marked(db_session):
    today = utcnow().date()
    first = seed_demo_directory(db_session, today)
    assert first == 10
    assert seed_demo_directory(db_session, today) == 0
    hits = search_services(db_session, today=today)
    assert all(h.service.is_demo and "(demo)" in h.service.name for h in hits)
    # Review dates count back from the day of loading: the same entries are due on any day.
    assert sorted(h.service.name for h in hits if h.needs_review) == [
        "Adult Social Care Front Door (demo)", "Kidderminster Meals on Wheels (demo)",
        "Malvern Wellbeing Walks (demo)", "Telephone Friends (demo)"]
