"""Personal data stays out of logs and caches: database errors without their parameters, and
no response but static files may be stored by a browser or a proxy."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app.models.base import utcnow
from app.models.staff import StaffUser
from app.services.staff import accounts


def test_database_errors_do_not_carry_the_values(engine) -> None:
    with engine.connect() as conn, pytest.raises(IntegrityError) as caught:
        conn.execute(text("INSERT INTO residents (id, phone) VALUES (:id, :phone)"),
                     [{"id": 987654, "phone": "+447700900777"}, {"id": 987654,
                                                                 "phone": "+447700900777"}])
    assert "+447700900777" not in str(caught.value)


def test_a_duplicate_key_error_does_not_name_the_value(db_session) -> None:
    from app.models.resident import Resident

    db_session.add(Resident(phone="+447700900778"))
    db_session.commit()
    db_session.add(Resident(phone="+447700900778"))
    with pytest.raises(IntegrityError) as caught:
        db_session.commit()
    db_session.rollback()
    assert "+447700900778" not in str(caught.value)


def test_json_csv_and_pdf_are_never_cached(client, db_session) -> None:
    user = StaffUser(email="nostore@example.org", role="coordinator", password_hash="unused")
    db_session.add(user)
    db_session.commit()
    token = accounts.create_api_token(db_session, user.email, now=utcnow())
    api = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200 and api.headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/nothing-here").headers["Cache-Control"] == "no-store"
    assert client.get("/static/console.css").headers.get("Cache-Control") != "no-store"
