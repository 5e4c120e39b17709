"""The volunteer page's Show number, weekly hours on the edit form and dated absences, through
the test client: validation messages, access-log rows, role checks, matching respecting them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.domain.matching import MatchingPolicy
from app.domain.uk_time import uk_today
from app.models.base import utcnow
from app.models.staff import AccessLogEntry
from app.models.volunteer import Offer, Volunteer, VolunteerAbsence
from app.services.matching.matcher import offer_next, rank_case
from tests import factories
from tests.signin import csrf_from, login

pytestmark = pytest.mark.clock


def _post(client, volunteer_id: int, action: str, fields: dict, page: str = ""):
    url = f"/volunteers/{volunteer_id}"
    token = csrf_from(client.get(url + page).get_data(as_text=True))
    return client.post(url + action, data={"csrf_token": token, **fields})


def _actions(db_session, volunteer: Volunteer) -> list[str]:
    return list(db_session.scalars(select(AccessLogEntry.action).where(
        AccessLogEntry.target == f"volunteer:{volunteer.id}").order_by(AccessLogEntry.id)))


def test_show_number_reveals_it_for_that_view_and_logs_it(client, db_session, make_user):
    volunteer = factories.make_volunteer(db_session, phone="+447700900451", name="Nia Jones")
    db_session.commit()
    login(client, make_user("coordinator").email)
    page = client.get(f"/volunteers/{volunteer.id}").get_data(as_text=True)
    assert "900451" not in page and "Show number" in page
    url = f"/volunteers/{volunteer.id}"
    token = csrf_from(page)
    response = client.post(url + "/reveal-phone", data={"reveal-csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "07700 900451" in html and "was logged" in html
    assert _actions(db_session, volunteer) == ["view_volunteer", "reveal_volunteer_phone"]
    assert client.post(url + "/reveal-phone", data={}).status_code == 400  # no CSRF token
    assert "900451" not in client.get(url).get_data(as_text=True)


def test_call_handlers_cannot_reveal_or_change_absences(client, db_session, make_user):
    volunteer = factories.make_volunteer(db_session, phone="+447700900452")
    db_session.commit()
    login(client, make_user("call_handler").email)
    for action in ("/reveal-phone", "/absences", "/absences/1/remove"):
        assert client.post(f"/volunteers/{volunteer.id}{action}").status_code in (400, 403)
    assert not [a for a in _actions(db_session, volunteer) if "reveal" in a or "absence" in a]


def test_weekly_hours_are_edited_with_the_apis_rules(client, db_session, make_user):
    volunteer = factories.make_volunteer(db_session, phone="+447700900453",
                                         availability={"mon": [["09:00", "12:00"]]})
    db_session.commit()
    login(client, make_user("coordinator").email)
    form = client.get(f"/volunteers/{volunteer.id}/edit").get_data(as_text=True)
    assert 'value="mon 09:00-12:00"' in form
    fields = {"name": volunteer.name, "phone": volunteer.phone, "postcode": "WR1 2NN",
              "needs": ["food"], "max_distance_km": "5"}
    response = _post(client, volunteer.id, "/edit", {**fields, "availability": "sat 25:00-26:00"},
                     page="/edit")
    assert response.status_code == 400 and "Write hours like" in response.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Volunteer, volunteer.id).availability == {"mon": [["09:00", "12:00"]]}
    response = _post(client, volunteer.id, "/edit",
                     {**fields, "availability": "sat-sun 10:00-16:00"}, page="/edit")
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(Volunteer, volunteer.id).availability == {
        "sat": [["10:00", "16:00"]], "sun": [["10:00", "16:00"]]}
    page = client.get(f"/volunteers/{volunteer.id}").get_data(as_text=True)
    assert "Sat, Sun 10:00-16:00 (UK time)" in page
    assert _post(client, volunteer.id, "/edit", {**fields, "availability": ""},
                 page="/edit").status_code == 302
    db_session.expire_all()
    assert db_session.get(Volunteer, volunteer.id).availability == {}


def test_an_absence_from_today_withdraws_the_offer_and_can_be_removed(client, db_session,
                                                                      make_user):
    volunteer = factories.make_volunteer(db_session, phone="+447700900454", name="Owen Absent",
                                         dbs_status="clear",
                                         dbs_expires_on=(utcnow() + timedelta(days=365)).date())
    case = factories.make_case(db_session, postcode="WR1 3AA", need="food")
    db_session.commit()
    step = offer_next(db_session, case, utcnow(), MatchingPolicy())
    db_session.commit()
    assert step.offer.volunteer_id == volunteer.id
    login(client, make_user("coordinator").email)
    today = uk_today(utcnow())

    bad = _post(client, volunteer.id, "/absences", {
        "absence-starts_on": today.isoformat(), "absence-ends_on": "2020-01-01"})
    assert bad.status_code == 400
    assert "The last day must be on or after the first day." in bad.get_data(as_text=True)
    missing = _post(client, volunteer.id, "/absences", {"absence-starts_on": "soon"})
    assert missing.status_code == 400 and "Enter the last day away" in missing.get_data(
        as_text=True)

    added = _post(client, volunteer.id, "/absences", {
        "absence-starts_on": today.isoformat(),
        "absence-ends_on": (today + timedelta(days=2)).isoformat(), "absence-note": "Operation"})
    assert added.status_code == 302
    page = client.get(f"/volunteers/{volunteer.id}").get_data(as_text=True)
    assert "Operation" in page and "Their open offers were withdrawn." in page
    db_session.expire_all()
    assert db_session.get(Offer, step.offer.id).status == "withdrawn"
    ranking = rank_case(db_session, case, utcnow(), MatchingPolicy())
    assert [e.reason.split(" (")[0] for e in ranking.excluded] == ["on a dated absence"]

    [absence_id] = db_session.scalars(select(VolunteerAbsence.id).where(
        VolunteerAbsence.volunteer_id == volunteer.id)).all()
    other = factories.make_volunteer(db_session, phone="+447700900455")
    db_session.commit()
    assert _post(client, other.id, f"/absences/{absence_id}/remove", {}).status_code == 302
    assert db_session.get(VolunteerAbsence, absence_id) is not None  # not theirs: untouched
    assert _post(client, volunteer.id, f"/absences/{absence_id}/remove", {}).status_code == 302
    db_session.expire_all()
    assert db_session.get(VolunteerAbsence, absence_id) is None
    ranking = rank_case(db_session, case, utcnow(), MatchingPolicy())
    assert not any("absence" in e.reason for e in ranking.excluded)
    actions = _actions(db_session, volunteer)
    assert "volunteer_absence_add" in actions and "volunteer_absence_remove" in actions
