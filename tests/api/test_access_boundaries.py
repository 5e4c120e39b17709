"""The API's access boundaries, end to end: who may change the volunteer register, what a
partner can learn by posting someone's number, token scopes, expiry, revocation, the access
log of reads and the per-token rate limit."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from sqlalchemy import select

from app import create_app
from app.models import Case, CaseEvent
from app.models.base import utcnow
from app.models.staff import AccessLogEntry
from app.models.volunteer import Volunteer
from app.runtime import Runtime
from app.services.staff import accounts

VOLUNTEER = {"name": "Sam Patel", "phone": "07700 900123", "postcode": "wr1 2nn",
             "needs": ["food"], "max_distance_km": 5, "dbs_status": "clear",
             "dbs_expires_on": "2030-05-01", "approval_status": "approved"}
CASE = {"category": "shielding", "need": "food", "details": "Bread and milk please",
        "phone": "07700 900456", "postcode": "wr1 2nn", "name": "Edna"}


def _log(db_session, action: str) -> list[AccessLogEntry]:
    return list(db_session.scalars(select(AccessLogEntry).where(AccessLogEntry.action == action)))


def test_a_call_handler_cannot_register_or_change_a_volunteer(client, make_caller, db_session):
    handler, coordinator = make_caller("call_handler"), make_caller("coordinator")
    refused = client.post("/api/v1/volunteers", json=VOLUNTEER, headers=handler.headers)
    assert refused.status_code == 403
    assert db_session.scalar(select(Volunteer)) is None
    created = client.post("/api/v1/volunteers", json=VOLUNTEER, headers=coordinator.headers)
    assert created.status_code == 201
    volunteer_id = created.get_json()["id"]
    hijack = client.patch(f"/api/v1/volunteers/{volunteer_id}", json={"phone": "07700 900999"},
                          headers=handler.headers)
    assert hijack.status_code == 403
    assert client.get(f"/api/v1/volunteers/{volunteer_id}",
                      headers=handler.headers).status_code == 403
    db_session.expire_all()
    assert db_session.get(Volunteer, volunteer_id).phone == "+447700900123"
    changed = client.patch(f"/api/v1/volunteers/{volunteer_id}", json={"phone": "07700 900998"},
                           headers=coordinator.headers)
    assert changed.status_code == 200
    [create_row] = _log(db_session, "api_volunteer_create")
    [update_row] = _log(db_session, "api_volunteer_update")
    assert create_row.user_id == update_row.user_id == coordinator.user.id
    assert update_row.detail == {"volunteer_ids": [volunteer_id], "fields": ["phone"]}


def test_a_partner_posting_someone_elses_number_learns_nothing_and_changes_nothing(
        client, make_caller, job_queue_recorder, db_session):
    handler = make_caller("call_handler")
    partner = make_caller("partner", organisation="Age UK Example")
    theirs = client.post("/api/v1/cases", json={**CASE, "details": "private words"},
                         headers=handler.headers).get_json()
    probe = client.post("/api/v1/cases", json={**CASE, "details": "help with shopping",
                                               "name": "Someone", "urgency": "routine",
                                               "referrer_organisation": "The Council"},
                        headers=partner.headers)
    assert probe.status_code == 201
    body = probe.get_json()
    assert body["reference"] != theirs["reference"]
    assert body["details"] == "help with shopping" and body["name"] == "Someone"
    assert "private words" not in probe.get_data(as_text=True)
    # The resident's case gained nothing from the partner.
    existing = db_session.scalar(select(Case).where(Case.reference == theirs["reference"]))
    kinds = [e.kind for e in db_session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == existing.id))]
    assert kinds == ["created", "consent"]  # the handler's own entry, nothing from the partner
    referral = db_session.scalar(select(Case).where(Case.reference == body["reference"]))
    assert referral.referrer_organisation == "Age UK Example"
    assert referral.status == "needs_staff"  # staff decide whether to merge it
    # Reading someone else's case answers exactly like a case that does not exist.
    other = client.get(f"/api/v1/cases/{theirs['reference']}", headers=partner.headers)
    missing = client.get("/api/v1/cases/H2H-ZZZZ", headers=partner.headers)
    assert other.status_code == missing.status_code == 404
    assert other.get_json() == missing.get_json()
    listed = client.get("/api/v1/cases", headers=partner.headers).get_json()["items"]
    assert [c["reference"] for c in listed] == [body["reference"]]


def test_token_scopes_expiry_and_revocation(client, make_caller, db_session, job_queue_recorder):
    user = make_caller("coordinator").user
    now = utcnow()
    reports = accounts.create_api_token(db_session, user.email, scope="reports", now=now)
    read = accounts.create_api_token(db_session, user.email, scope="read", now=now)

    def call(method, url, token, **kwargs):
        return client.open(url, method=method, headers={"Authorization": f"Bearer {token}"},
                           **kwargs)

    report_url = "/api/v1/reports/requests-by-category?from=2026-01&to=2026-02"
    assert call("GET", report_url, reports).status_code == 200
    assert call("GET", "/api/v1/cases", reports).status_code == 403
    assert call("GET", "/api/v1/cases", read).status_code == 200
    assert call("GET", report_url, read).status_code == 200
    assert call("POST", "/api/v1/cases", read, json=CASE).status_code == 403
    expired = accounts.create_api_token(db_session, user.email, expires_days=1,
                                        now=now - timedelta(days=2))
    assert call("GET", report_url, expired).status_code == 401
    accounts.revoke_token(db_session, accounts.find_token(db_session, read).id, utcnow())
    assert call("GET", "/api/v1/cases", read).status_code == 401


def test_every_api_read_of_cases_names_the_ids_returned(client, make_caller, db_session,
                                                         job_queue_recorder):
    handler = make_caller("call_handler")
    refs = [client.post("/api/v1/cases", json={**CASE, "phone": f"07700 90050{i}"},
                        headers=handler.headers).get_json()["reference"] for i in range(2)]
    assert client.get("/api/v1/cases", headers=handler.headers).status_code == 200
    [row] = _log(db_session, "api_list_cases")
    ids = set(db_session.scalars(select(Case.id).where(Case.reference.in_(refs))))
    assert set(row.detail["case_ids"]) == ids and row.user_id == handler.user.id


def test_each_token_has_its_own_rate_limit(runtime, make_caller):
    settings = dataclasses.replace(runtime.settings, api_rate_limit="3 per minute")
    app = create_app(runtime=Runtime(settings=settings, engine=runtime.engine,
                                     session_factory=runtime.session_factory))
    client = app.test_client()
    first, second = make_caller("coordinator"), make_caller("coordinator")
    codes = [client.get("/api/v1/messages", headers=first.headers).status_code
             for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert client.get("/api/v1/messages", headers=second.headers).status_code == 200


def test_the_api_never_hands_out_twilio_recording_urls(client, make_caller, db_session,
                                                       job_queue_recorder):
    from app.services.cases.timeline import add_case_event

    handler = make_caller("call_handler")
    reference = client.post("/api/v1/cases", json=CASE,
                            headers=handler.headers).get_json()["reference"]
    case = db_session.scalar(select(Case).where(Case.reference == reference))
    add_case_event(db_session, case, "voicemail", "Voicemail left: call back", now=utcnow(),
                   data={"recording_url": "https://api.twilio.com/2010-04-01/Recordings/RE1",
                         "duration": 12})
    db_session.commit()
    body = client.get(f"/api/v1/cases/{reference}", headers=handler.headers).get_json()
    [voicemail] = [e for e in body["events"] if e["kind"] == "voicemail"]
    assert voicemail["data"] == {"duration": 12}
