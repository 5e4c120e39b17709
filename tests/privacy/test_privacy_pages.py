"""/privacy: coordinators export and erase by phone number; others cannot; refusals show why."""

from __future__ import annotations

import io
import json
import zipfile

from sqlalchemy import select

from app.models.case import Case
from app.models.staff import AccessLogEntry
from tests.factories import make_case
from tests.signin import csrf_from, sign_in_as

PHONE = "+447700900777"


def _post(client, action: str, prefix: str, data: dict[str, str]):
    token = csrf_from(client.get("/privacy").get_data(as_text=True))
    return client.post(action, data={f"{prefix}-csrf_token": token,
                                     **{f"{prefix}-{k}": v for k, v in data.items()}})


def test_coordinator_exports_then_erases(client, db_session):
    user = sign_in_as(client, db_session, "coordinator")
    case = make_case(db_session, phone=PHONE, name="Cyd <script>", status="closed")
    db_session.commit()
    page = client.get("/privacy")
    assert page.status_code == 200 and "Data protection" in page.get_data(as_text=True)

    export = _post(client, "/privacy/export", "export", {"phone": "07700 900777"})
    assert export.status_code == 200 and export.mimetype == "application/zip"
    assert export.headers["Cache-Control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(export.data))
    data = json.loads(archive.read("subject-access.json"))
    assert data["tables"]["cases"][0]["name"] == "Cyd <script>"
    logged = db_session.scalars(select(AccessLogEntry).where(
        AccessLogEntry.action == "subject_access")).one()
    assert logged.user_id == user.id

    unticked = _post(client, "/privacy/erase", "erase", {"phone": PHONE})
    assert unticked.status_code == 400 and "Tick the box" in unticked.get_data(as_text=True)
    erased = _post(client, "/privacy/erase", "erase", {"phone": PHONE, "confirm": "y"})
    assert erased.status_code == 302
    db_session.expire_all()
    assert db_session.get(Case, case.id).phone is None
    assert "Erased: cases 1" in client.get("/privacy").get_data(as_text=True)


def test_refusal_shows_the_reason(client, db_session):
    sign_in_as(client, db_session, "admin")
    case = make_case(db_session, phone=PHONE, urgency="safeguarding", status="needs_staff")
    db_session.commit()
    refused = _post(client, "/privacy/erase", "erase", {"phone": PHONE, "confirm": "y"})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 409 and f"case {case.reference} is an open safeguarding" in body
    bad = _post(client, "/privacy/export", "export", {"phone": "not a number"})
    assert bad.status_code == 400 and "is not a phone number" in bad.get_data(as_text=True)


def test_call_handlers_and_partners_are_refused(client, db_session):
    sign_in_as(client, db_session, "call_handler")
    assert client.get("/privacy").status_code == 403
    assert client.post("/privacy/erase", data={}).status_code in (400, 403)
