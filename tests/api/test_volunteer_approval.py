"""PATCH approval_status=approved: refused (422) for a volunteer matching could never use;
allowed once the same PATCH supplies what is missing, and the volunteer is texted."""

from __future__ import annotations

from sqlalchemy import select

from app.models.message import Message
from app.models.volunteer import Volunteer
from tests import factories


def _pending(db_session, **fields) -> Volunteer:
    volunteer = factories.make_volunteer(db_session, **{
        "name": "Gwen Roberts", "phone": "+447700900421", "approval_status": "pending",
        "postcode": None, "latitude": None, "longitude": None, "needs": [], **fields})
    db_session.commit()
    return volunteer


def _sms(db_session, volunteer: Volunteer) -> list[Message]:
    return list(db_session.scalars(select(Message).where(
        Message.volunteer_id == volunteer.id, Message.purpose == "volunteer_approved")))


def test_approval_needs_postcode_needs_and_a_mobile(client, make_caller, db_session,
                                                     job_queue_recorder):
    coordinator = make_caller("coordinator")
    volunteer = _pending(db_session)
    url = f"/api/v1/volunteers/{volunteer.id}"
    refused = client.patch(url, json={"approval_status": "approved"}, headers=coordinator.headers)
    assert refused.status_code == 422
    message = " ".join(refused.get_json()["errors"]["json"]["approval_status"])
    assert "cannot be approved yet" in message and "no postcode" in message
    assert "no needs" in message and "not a mobile" not in message
    db_session.expire_all()
    assert db_session.get(Volunteer, volunteer.id).approval_status == "pending"
    assert _sms(db_session, volunteer) == []
    approved = client.patch(url, json={"approval_status": "approved", "postcode": "WR1 2NN",
                                       "needs": ["food"]}, headers=coordinator.headers)
    assert approved.status_code == 200, approved.get_json()
    db_session.expire_all()
    [sms] = _sms(db_session, volunteer)
    assert sms.to_phone == "+447700900421" and "Gwen, you are approved" in sms.body
    assert any(sms.id in ids for _f, ids, _j, _q in job_queue_recorder.calls)  # after commit
    again = client.patch(url, json={"approval_status": "approved"}, headers=coordinator.headers)
    assert again.status_code == 200 and len(_sms(db_session, volunteer)) == 1  # no change, no SMS


def test_a_landline_is_refused_approval(client, make_caller, db_session, job_queue_recorder):
    coordinator = make_caller("coordinator")
    volunteer = _pending(db_session, phone="+441632960421", postcode="WR1 2NN",
                         latitude=52.19, longitude=-2.22, needs=["food"])
    refused = client.patch(f"/api/v1/volunteers/{volunteer.id}",
                           json={"approval_status": "approved"}, headers=coordinator.headers)
    assert refused.status_code == 422
    assert "not a mobile" in " ".join(refused.get_json()["errors"]["json"]["approval_status"])
