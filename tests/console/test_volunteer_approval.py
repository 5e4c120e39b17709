"""The console's Approve button: refused with the reasons for a volunteer matching could never
use (a JOIN by SMS has no postcode or needs; a landline cannot take offers), and an approval
texts the volunteer."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models.message import Message
from app.models.volunteer import Volunteer
from tests import factories
from tests.signin import login, post_form

pytestmark = pytest.mark.clock


def _approve(client, db_session, volunteer: Volunteer) -> tuple[str, Volunteer]:
    url = f"/volunteers/{volunteer.id}"
    response = post_form(client, url, url + "/approve", {})
    assert response.status_code == 302
    html = client.get(url).get_data(as_text=True)
    db_session.expire_all()
    return html, db_session.get(Volunteer, volunteer.id)


def _approval_sms(db_session, volunteer: Volunteer) -> list[Message]:
    return list(db_session.scalars(select(Message).where(
        Message.volunteer_id == volunteer.id, Message.purpose == "volunteer_approved")))


def test_an_sms_join_cannot_be_approved_until_it_is_matchable(client, db_session, make_user):
    joined = factories.make_volunteer(db_session, name="Gwen Roberts", phone="+447700900431",
                                      approval_status="pending", postcode=None, latitude=None,
                                      longitude=None, needs=[], source="sms_join")
    landline = factories.make_volunteer(db_session, name="Lena Landline", phone="+441632960431",
                                        approval_status="pending", needs=["food"])
    db_session.commit()
    login(client, make_user("coordinator").email)
    html, joined = _approve(client, db_session, joined)
    assert joined.approval_status == "pending" and _approval_sms(db_session, joined) == []
    assert "Gwen Roberts cannot be approved yet: no postcode" in html and "no needs" in html
    html, landline = _approve(client, db_session, landline)
    assert landline.approval_status == "pending" and "not a mobile" in html


def test_approval_texts_the_volunteer_once(client, db_session, make_user):
    volunteer = factories.make_volunteer(db_session, name="Sam Helper", phone="+447700900432",
                                         approval_status="pending", needs=["food", "transport"])
    db_session.commit()
    login(client, make_user("coordinator").email)
    html, volunteer = _approve(client, db_session, volunteer)
    assert volunteer.approval_status == "approved" and "sent an SMS" in html
    [sms] = _approval_sms(db_session, volunteer)
    assert sms.to_phone == "+447700900432" and sms.body.startswith("Here2Help: thank you, Sam")
    assert "AWAY" in sms.body and "STOP" in sms.body
    _approve(client, db_session, volunteer)  # a second press: already approved, no second SMS
    assert len(_approval_sms(db_session, volunteer)) == 1
