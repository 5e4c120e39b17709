"""GET /api/v1/cases/<ref>: staff get the whole conversation in time order (`conversation`)
and every text of it (`messages`, including those sent before the case existed); partners get
neither, as before."""

from __future__ import annotations

from sqlalchemy import select

from app.models import Message
from tests.conversations.conftest import new_sid


def _text(twilio_post, phone: str, body: str) -> None:
    response = twilio_post("/twilio/sms", {
        "MessageSid": new_sid(), "From": phone, "To": "+441632960000", "Body": body,
        "AccountSid": "AC" + "1" * 32, "NumMedia": "0"})
    assert response.status_code == 200


def test_staff_read_the_whole_conversation(client, handler, twilio_post, db_session):
    _text(twilio_post, "07700900721", "Hello, ring me on 07700 900722")
    _text(twilio_post, "07700900721", "0")
    first = db_session.scalars(select(Message).where(
        Message.from_phone == "+447700900721").order_by(Message.id)).first()
    from app.models import Case

    case = db_session.scalars(select(Case).where(Case.phone == "+447700900721")).one()
    body = client.get(f"/api/v1/cases/{case.reference}", headers=handler.headers).get_json()
    assert first.id in [m["id"] for m in body["messages"]]
    lines = [(line["kind"], line["who"], line["text"]) for line in body["conversation"]]
    assert lines[0] == ("sms_in", "resident", "Hello, ring me on 07700 900722")
    assert ("sms_out", "line", f"Thank you. A member of our team will phone you back. Your "
            f"reference is {case.reference}. In an emergency ring 999.") in lines
    ats = [line["at"] for line in body["conversation"]]
    assert ats == sorted(ats)


def test_partners_get_no_conversation(client, partner):
    created = client.post("/api/v1/cases", headers=partner.headers, json={
        "category": "shielding", "need": "food", "phone": "07700 900723",
        "postcode": "WR1 2NN", "consent_to_share": True})
    assert created.status_code == 201, created.get_json()
    body = client.get(f"/api/v1/cases/{created.get_json()['reference']}",
                      headers=partner.headers).get_json()
    assert body["conversation"] == [] and body["messages"] == [] and body["events"] == []
