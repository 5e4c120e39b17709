"""The /directory console pages: who may search, who may change entries, downloads."""

from __future__ import annotations

import io
import json

import pypdf
import pytest
from sqlalchemy import select

from app.models.directory import DirectoryService
from app.services.directory.hsds_export import validate_services
from app.services.geo.postcodes import Location
from app.web.console import directory as directory_views
from tests.signin import csrf_from, sign_in_as

pytestmark = pytest.mark.clock

FORM = {"name": "Evesham Lunch Club", "organisation_name": "Evesham Friends",
        "description": "Hot lunch on Tuesdays", "needs": ["food", "befriending"],
        "districts": "Wychavon, Worcester", "phone": "01632 960123",
        "email": "club@example.org", "status": "active", "last_reviewed_on": "2026-10-01",
        "address_1": "1 Foregate St", "city": "Worcester", "postcode": "wr11aa"}


def test_partner_can_search_but_not_edit(client, db_session, directory):
    sign_in_as(client, db_session, "partner")
    page = client.get("/directory?need=food&district=Redditch")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Redditch Pantry" in html and "Worcester Foodbank" not in html
    assert "Needs review" in html  # reviewed in 2024
    assert "/edit" not in html
    assert client.get("/directory/new").status_code == 403
    assert client.get(f"/directory/{directory[0].id}/edit").status_code == 403
    assert client.get("/directory/export.json").status_code == 403
    pdf = client.get("/directory.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "Contents" in pypdf.PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()


def test_signed_out_goes_to_login(client, db_session):
    assert "/login" in client.get("/directory").headers["Location"]


def test_unknown_postcode_is_explained(client, db_session, directory, monkeypatch):
    monkeypatch.setattr(directory_views, "locate", lambda _pc: None)
    sign_in_as(client, db_session, "call_handler")
    html = client.get("/directory?postcode=ZZ99+9ZZ").get_data(as_text=True)
    assert "We could not find that postcode" in html


def test_search_near_a_postcode_lists_nearest_first(client, db_session, directory, monkeypatch):
    monkeypatch.setattr(directory_views, "locate", lambda pc: Location(
        pc, None, "Redditch", 52.30, -1.94, "postcode"))
    sign_in_as(client, db_session, "call_handler")
    html = client.get("/directory?need=food&postcode=B97+4AA&within_km=50").get_data(
        as_text=True)
    assert html.index("Redditch Pantry") < html.index("Worcester Foodbank")
    assert "km away" in html


def test_coordinator_adds_and_edits_a_service(client, db_session, directory):
    sign_in_as(client, db_session, "coordinator")
    form_page = client.get("/directory/new").get_data(as_text=True)
    missing_token = client.post("/directory/new", data=FORM)
    assert missing_token.status_code == 400
    response = client.post("/directory/new", data={**FORM, "csrf_token": csrf_from(form_page)})
    assert response.status_code == 302
    service = db_session.scalar(select(DirectoryService).where(
        DirectoryService.name == "Evesham Lunch Club"))
    assert service.needs == ["food", "befriending"]
    assert service.districts == ["Wychavon", "Worcester"]
    assert service.organisation.name == "Evesham Friends"
    location = service.locations[0]  # the ONS lookup gives the district and the map point
    assert (location.postcode, location.district) == ("WR1 1AA", "Worcester")
    assert location.latitude == pytest.approx(52.1967, abs=0.001)
    edit = client.get(f"/directory/{service.id}/edit").get_data(as_text=True)
    assert 'value="Wychavon, Worcester"' in edit
    changed = {**FORM, "name": "Evesham Lunch and Chat", "csrf_token": csrf_from(edit)}
    assert client.post(f"/directory/{service.id}/edit", data=changed).status_code == 302
    db_session.expire_all()
    assert db_session.get(DirectoryService, service.id).name == "Evesham Lunch and Chat"


def test_form_errors_are_shown(client, db_session):
    sign_in_as(client, db_session, "admin")
    token = csrf_from(client.get("/directory/new").get_data(as_text=True))
    response = client.post("/directory/new", data={"csrf_token": token, "name": "",
                                                    "status": "active"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and "Choose at least one need" in html


def test_mark_reviewed_and_export(client, db_session, directory):
    sign_in_as(client, db_session, "coordinator")
    token = csrf_from(client.get("/directory").get_data(as_text=True))
    stale = directory[2]
    assert client.post(f"/directory/{stale.id}/reviewed", data={"csrf_token": token}
                       ).status_code == 302
    db_session.expire_all()
    assert db_session.get(DirectoryService, stale.id).last_reviewed_on is not None
    assert client.post(f"/directory/{stale.id}/reviewed").status_code == 400
    export = client.get("/directory/export.json")
    assert export.status_code == 200
    document = json.loads(export.data)
    assert document["total_items"] == 3 and validate_services(document) == []


def test_real_postcode_search(client, db_session, directory):
    sign_in_as(client, db_session, "partner")
    html = client.get("/directory?postcode=B97+4AA").get_data(as_text=True)
    assert html.index("Redditch Pantry") < html.index("Worcester Foodbank")
    assert "0.0 km away" in html


def test_page_shows_why_each_need_and_feed_health(client, db_session):
    from datetime import UTC, datetime

    from app.models.directory import DirectoryFeed
    from app.services.directory.hsds_import import import_records

    import_records(db_session, [{
        "id": "lc-1", "name": "Tuesday Lunch Club", "description": "<p>A hot meal&nbsp;</p>",
        "organization": {"id": "o-1", "name": "Friends"}}])
    db_session.add(DirectoryFeed(url="https://feed.example/api", services_seen=0,
                                 last_error="timed out",
                                 last_success_at=datetime(2026, 11, 1, 3, tzinfo=UTC)))
    db_session.commit()
    sign_in_as(client, db_session, "coordinator")
    html = client.get("/directory").get_data(as_text=True)
    assert "food: name: &#39;lunch club&#39;" in html
    assert "Feed health" in html and "https://feed.example/api" in html
    assert "timed out" in html and "entries kept from 01 Nov 2026" in html
