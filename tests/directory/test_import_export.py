"""Import Open Referral feeds as councils publish them, export again, validate against HSDS 3.0."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.models.directory import DirectoryOrganisation, DirectoryService
from app.services.directory.hsds_export import export_document, validate_services
from app.services.directory.hsds_feeds import FeedError, clean_text, read_feed
from app.services.directory.hsds_import import import_file, import_records

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "hsds"


def _count(db_session, model) -> int:
    return db_session.scalar(select(func.count()).select_from(model))


def test_council_feed_imports_good_records_and_reports_bad(db_session):
    result = import_file(db_session, FIXTURES / "council_feed.json")
    assert (result.created, result.updated) == (6, 0)
    assert [(n, rid) for n, rid, _ in result.errors] == [(6, None), (8, "bad-4")]
    reasons = [reason for _, _, reason in result.errors]
    assert reasons == ["not a JSON object", "unknown status 'paused'"]
    # Real feeds: an empty name takes the organisation's; no organisation, the service's name.
    unnamed = db_session.scalar(select(DirectoryService).where(DirectoryService.name == "X"))
    assert unnamed.description == "no name here"
    orphan = db_session.scalar(select(DirectoryService).where(
        DirectoryService.name == "Orphan service"))
    assert orphan.organisation.name == "Orphan service"
    food = db_session.scalar(select(DirectoryService).where(
        DirectoryService.name == "Exampleton Foodbank"))
    assert food.needs == ["food"]
    assert food.description == ("Emergency food parcels for people in crisis.\n"
                                "Referral needed & ID.\nCall us first")
    assert food.locations[0].postcode == "AB1 0AB"
    care = db_session.scalar(select(DirectoryService).where(
        DirectoryService.name == "Adult Social Care"))
    assert care.is_statutory is True
    sparse = db_session.scalar(select(DirectoryService).where(
        DirectoryService.name == "Welfare Benefits Advice"))
    assert (sparse.status, sparse.needs, sparse.description) == (
        "active", ["money"], "Help with benefits & debt")
    counselling = db_session.scalar(select(DirectoryService).where(
        DirectoryService.name == "Community Counselling"))
    assert counselling.needs == ["wellbeing"]
    assert counselling.last_reviewed_on.isoformat() == "2005-01-01"


def test_reimport_updates_instead_of_duplicating(db_session):
    import_file(db_session, FIXTURES / "council_feed.json")
    again = import_file(db_session, FIXTURES / "council_feed.json")
    assert (again.created, again.updated) == (0, 6)
    assert _count(db_session, DirectoryService) == 6
    assert _count(db_session, DirectoryOrganisation) == 6


@pytest.mark.parametrize("name", ["oruk_service_full.json", "hsds_service_full.json",
                                  "hsds_service_list.json", "oruk_organization_full.json"])
def test_example_shapes_import(db_session, name):
    result = import_file(db_session, FIXTURES / name)
    assert result.errors == []
    assert result.created == 1


def test_csv_package_directory_and_zip(db_session, tmp_path):
    result = import_file(db_session, FIXTURES / "csv")
    assert (result.created, result.errors) == (1, [])
    service = db_session.scalar(select(DirectoryService))
    assert service.phone == "+44 1234 234567"
    assert service.organisation.name == "Example Organization Inc."
    assert service.locations[0].name == "MyCity Civic Center"
    archive = tmp_path / "feed.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in (FIXTURES / "csv").glob("*.csv"):
            zf.write(path, f"package/{path.name}")
    assert import_file(db_session, archive).updated == 1


def test_uk_profile_csv_package_with_singular_table_names(db_session):
    result = import_file(db_session, FIXTURES / "oruk_csv")
    assert (result.created, result.errors) == (1, [])
    service = db_session.scalar(select(DirectoryService))
    assert service.locations[0].postcode == "ABC 1234"  # from address.csv
    assert service.opening_hours.startswith("The service is available from 10 am")  # schedule.csv
    assert service.needs == ["wellbeing"]  # "Community Counselling": counselling -> wellbeing


def test_single_services_csv_without_organisations_stands_alone(db_session, tmp_path):
    single = tmp_path / "services.csv"
    shutil.copy(FIXTURES / "csv" / "services.csv", single)
    result = import_file(db_session, single)
    assert (result.imported, result.errors) == (1, [])
    service = db_session.scalar(select(DirectoryService))
    assert service.organisation.name == service.name


def test_single_spreadsheet_with_organisation_names_and_keywords(db_session, tmp_path):
    sheet = tmp_path / "council-services.csv"
    sheet.write_text(
        "id,name,description,organisation_name,keywords,url\n"
        "17,Pershore Pantry,<b>Low-cost</b> food,Pershore Churches,food bank; pantry,"
        "www.pershore.example\n"
        "18,Lift Scheme,,Village Lifts,transport,\n"
        ",No id,,X,,\n", encoding="utf-8")
    result = import_file(db_session, sheet)
    assert (result.created, [(n, r) for n, _, r in result.errors]) == (
        2, [(3, "the service has no id")])
    pantry = db_session.scalar(select(DirectoryService).where(
        DirectoryService.name == "Pershore Pantry"))
    assert (pantry.needs, pantry.description, pantry.organisation.name) == (
        ["food"], "Low-cost food", "Pershore Churches")
    document = export_document(db_session)
    assert validate_services(document) == []
    urls = [s.get("url") for s in document["contents"]]
    assert "https://www.pershore.example" in urls


def test_unreadable_files(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text("{not json")
    with pytest.raises(FeedError, match="is not JSON"):
        read_feed(bad)
    with pytest.raises(FeedError, match="does not exist"):
        read_feed(tmp_path / "missing.json")


def test_clean_text_strips_markup_keeps_words():
    assert clean_text("<p>A&amp;B</p><ul><li>one</li><li>two</li></ul>") == "A&B\none\ntwo"
    assert clean_text(None) == ""
    assert clean_text("<script>x()</script>Hello &lt;you&gt;") == "Hello <you>"


def test_export_validates_against_hsds_schemas_and_round_trips(db_session):
    import_file(db_session, FIXTURES / "council_feed.json")
    import_file(db_session, FIXTURES / "csv")
    document = export_document(db_session)
    assert document["total_items"] == 6  # the CSV example updates "Community Counselling"
    assert validate_services(document) == []
    names = sorted(s["name"] for s in document["contents"])
    assert "Exampleton Foodbank" in names
    again = import_records(db_session, json.loads(json.dumps(document))["contents"])
    assert (again.created, again.updated, again.errors) == (0, 6, [])
    food = db_session.scalar(select(DirectoryService).where(
        DirectoryService.name == "Adult Social Care"))
    assert food.is_statutory and food.needs == ["other"]


def test_validation_catches_a_broken_export(db_session):
    import_file(db_session, FIXTURES / "council_feed.json")
    document = export_document(db_session)
    del document["contents"][0]["status"]
    document["contents"][1]["id"] = "not-a-uuid"
    errors = validate_services(document)
    assert any("service 1: (root): 'status' is a required property" in e for e in errors)
    assert any(e.startswith("service 2: id:") for e in errors)


def test_hsds_text_is_unescaped_exactly_once() -> None:
    """Markup is dropped; text the council escaped stays text, never becoming markup."""
    from app.services.directory.hsds_feeds import clean_text

    assert clean_text("<p>Food &amp;amp; more</p><script>x()</script>") == "Food &amp; more"
    assert clean_text("Call &lt;img src=x&gt; now") == "Call <img src=x> now"
    assert clean_text("<b>Open</b><br>Mon&nbsp;to Fri") == "Open\nMon to Fri"


def test_oruk_v1_full_record_and_odd_shapes() -> None:
    from app.services.directory.hsds_import import validate_record

    record = validate_record({
        "id": 101, "name": "Memory Cafe", "status": "active",
        "description": "<p>Monthly&nbsp;cafe</p><p><br></p>",
        "organization": {"id": 9, "name": "Dementia Friends", "description": "",
                         "url": "https://example.org", "logo": None},
        "eligibilitys": [{"id": "e", "eligibility": "Carers of people with dementia"}],
        "service_taxonomys": [{"id": "t", "taxonomy": {
            "id": "esd-1", "name": "Debt advice", "vocabulary": "esdServiceTypes"}}],
        "service_at_locations": [{"id": "s", "location": {
            "id": "l", "physical_addresses": [{"postal_code": "WR1 2HP"}]}}],
        "service_areas": 3, "cost_options": None, "languages": "English"})
    assert record["description"] == "Monthly cafe"
    assert record["needs"] == ["befriending", "money", "wellbeing"]
    assert record["needs_reasons"]["money"] == ["term: 'Debt advice'"]
    assert record["eligibility"] == "Carers of people with dementia"
    assert record["locations"][0]["postcode"] == "WR1 2HP" and record["districts"] == []
    odd = validate_record({"id": "2", "name": "X", "eligibilitys": 5, "service_taxonomys": 7})
    assert odd["needs"] == ["other"] and odd["organization"]["name"] == "X"
