"""The volunteer register: API (201/200/404/422), validation rules and the CSV import command."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from app.models.base import utcnow
from app.models.staff import StaffUser
from app.models.volunteer import Volunteer
from app.services.staff import accounts as staff
from app.services.volunteers.csv_import import import_volunteers_csv
from app.services.volunteers.register import VolunteerInvalid, validate
from tests.matching.conftest import NOW

GOOD = {"name": "Sam Patel", "phone": "07700 900123", "postcode": "wr1 2nn",
        "needs": ["food", "prescriptions"], "max_distance_km": 5, "dbs_status": "clear",
        "dbs_expires_on": "2027-05-01"}


@pytest.fixture
def headers(db_session) -> dict[str, str]:
    user = StaffUser(email="coord-matching@example.org", role="coordinator",
                     password_hash="unused")
    db_session.add(user)
    db_session.commit()
    token = staff.create_api_token(db_session, user.email, name="tests", now=utcnow())
    return {"Authorization": f"Bearer {token}"}


def test_create_read_list_and_patch(client, headers) -> None:
    created = client.post("/api/v1/volunteers", json=GOOD, headers=headers)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["phone"] == "+447700900123" and body["postcode"] == "WR1 2NN"
    assert body["district"] == "Worcester" and body["needs"] == ["food", "prescriptions"]
    assert body["dbs_expires_on"] == "2027-05-01" and body["active"] is True
    got = client.get(f"/api/v1/volunteers/{body['id']}", headers=headers)
    assert got.status_code == 200 and got.get_json()["name"] == "Sam Patel"
    listed = client.get("/api/v1/volunteers?need=food", headers=headers).get_json()
    assert [v["id"] for v in listed["items"]] == [body["id"]] and listed["next"] is None
    patched = client.patch(f"/api/v1/volunteers/{body['id']}", headers=headers,
                           json={"active": False, "max_distance_km": 2.5})
    assert patched.status_code == 200
    assert patched.get_json()["active"] is False and patched.get_json()["max_distance_km"] == 2.5
    assert client.get("/api/v1/volunteers/999999", headers=headers).status_code == 404
    assert client.get("/api/v1/volunteers").status_code == 401


@pytest.mark.parametrize(("change", "field"), [
    ({"phone": "12"}, "phone"),
    ({"phone": "01632 960123"}, "phone"),  # a landline cannot take an SMS offer
    ({"postcode": "ZZ9 9ZZ"}, "postcode"),
    ({"needs": ["gardening"]}, "needs"),
    ({"needs": []}, "needs"),
    ({"dbs_status": "maybe"}, "dbs_status"),
    ({"max_distance_km": 0}, "max_distance_km"),
    ({"max_distance_km": -3}, "max_distance_km"),
    ({"kind": "organisation"}, "contact_name"),
    ({"availability": {"someday": [["09:00", "10:00"]]}}, "availability"),
    ({"name": None}, "name"),
    ({"shoe_size": 9}, "shoe_size"),
])
def test_bad_fields_get_422_with_field_errors(client, headers, change, field) -> None:
    response = client.post("/api/v1/volunteers", json={**GOOD, **change}, headers=headers)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]["json"]


def test_duplicate_phone_is_a_field_error(client, headers) -> None:
    assert client.post("/api/v1/volunteers", json=GOOD, headers=headers).status_code == 201
    again = client.post("/api/v1/volunteers", json={**GOOD, "phone": "+447700900123"},
                        headers=headers)
    assert again.status_code == 422 and "phone" in again.get_json()["errors"]["json"]


def test_organisation_needs_contact_and_capacity() -> None:
    with pytest.raises(VolunteerInvalid) as caught:
        validate({**GOOD, "kind": "organisation"})
    assert set(caught.value.errors) == {"contact_name", "capacity"}
    clean = validate({**GOOD, "kind": "organisation", "contact_name": "Jo", "capacity": "4"})
    assert clean["capacity"] == 4 and clean["kind"] == "organisation"


CSV = ("name,phone,postcode,needs,max_distance_km,dbs_status,dbs_expires_on,kind,contact_name,"
       "capacity,availability\n") + """\
Sam Patel,07700 900201,wr1 2nn,food;prescriptions,5,clear,2027-05-01,,,,mon 09:00-12:00
Bad Phone,12,WR1 2NN,food,5,none,,,,,
St Mark's Church,07700 900202,WR2 4AA,befriending,10,clear,01/02/2027,organisation,Jo Bloggs,6,
Nobody,07700 900203,ZZ9 9ZZ,gardening,5,none,,,,,

Sam Again,07700900201,WR1 2NN,food,3,clear,2027-05-01,,,,
"""


def test_import_reports_bad_rows_by_line_and_updates_known_phones(db_session) -> None:
    report = import_volunteers_csv(db_session, CSV.splitlines(keepends=True), NOW)
    assert (report.created, report.updated) == (2, 1)
    assert [line for line, _ in report.errors] == [3, 5]
    assert "phone" in report.errors[0][1] and "postcode" in report.errors[1][1]
    sam = db_session.scalar(select(Volunteer).where(Volunteer.phone == "+447700900201"))
    assert sam.name == "Sam Again" and sam.max_distance_km == 3
    assert sam.availability == {"mon": [["09:00", "12:00"]]} and sam.source == "csv_import"
    church = db_session.scalar(select(Volunteer).where(Volunteer.phone == "+447700900202"))
    assert church.kind == "organisation" and church.capacity == 6


def _cli(env: dict[str, str], *args: str):
    from app.cli import _register, cli

    if "volunteers" not in cli.commands:
        _register()
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_cli_import_exit_codes(tmp_path: Path, committed_env: dict[str, str]) -> None:
    good = tmp_path / "good.csv"
    good.write_text(CSV, encoding="utf-8")
    result = _cli(committed_env, "volunteers", "import", str(good))
    assert result.exit_code == 0, result.output
    assert "line 3: phone:" in result.stderr and "line 5: postcode:" in result.stderr
    assert "3 imported (2 new, 1 updated), 2 rejected" in result.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("name,phone,postcode,needs\nX,1,ZZ9,none\n", encoding="utf-8")
    assert _cli(committed_env, "volunteers", "import", str(bad)).exit_code == 1
    header_only = tmp_path / "cols.csv"
    header_only.write_text("name,phone\n", encoding="utf-8")
    refused = _cli(committed_env, "volunteers", "import", str(header_only))
    assert refused.exit_code == 1 and "missing column(s): postcode, needs" in refused.stderr
    assert _cli(committed_env, "volunteers", "import", str(tmp_path / "none.csv")).exit_code == 1


def test_large_import_shows_progress(tmp_path: Path, committed_env: dict[str, str]) -> None:
    rows = ["name,phone,postcode,needs"] + [
        f"V{i},+4477009{i:05d},WR1 2NN,food" for i in range(2100)]
    big = tmp_path / "big.csv"
    big.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = _cli(committed_env, "volunteers", "import", str(big))
    assert result.exit_code == 0
    assert "1000 rows read" in result.stderr and "2000 rows read" in result.stderr
    assert "2100 imported" in result.stdout
