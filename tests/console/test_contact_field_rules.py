"""One set of contact-field rules on every door: the public volunteer sign-up, a partner's
referral, staff's new case and the directory entry form (new and edit), then the API and the
CSV import. Each rule is tried on every form that has the field; a refused value is said
against the field (400) and nothing is stored."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import func, select

from app.models.base import utcnow
from app.models.case import Case
from app.models.directory import DirectoryService
from app.models.staff import StaffUser
from app.models.volunteer import Volunteer
from app.services.directory.entries import ServiceInput, create_service
from app.services.fields.rules import (
    FieldInvalid,
    check_districts,
    check_phone,
    check_postcode,
    check_website,
)
from app.services.staff import accounts as staff
from app.services.volunteers.csv_import import import_volunteers_csv
from tests.signin import csrf_from, sign_in_as

_numbers = itertools.count(600)
_accounts = itertools.count()


@pytest.fixture
def api_token(db_session):
    def make(role: str) -> str:
        email = f"rules-{role}{next(_accounts)}@example.org"
        db_session.add(StaffUser(email=email, role=role, password_hash="unused"))
        db_session.commit()
        return staff.create_api_token(db_session, email, name="tests", now=utcnow())

    return make


def _mobile() -> str:
    return f"07700 900{next(_numbers):03d}"


def _signup(client, db_session, fields):
    page = client.get("/volunteer-signup").get_data(as_text=True)
    data = {"name": "Sam Helper", "phone": _mobile(), "postcode": "WR1 2NN",
            "needs": ["food"], "max_distance_km": "3", "agree": "y", **fields}
    return client.post("/volunteer-signup", data={"csrf_token": csrf_from(page), **data})


def _new_case(client, db_session, fields, role="call_handler"):
    sign_in_as(client, db_session, role, organisation="Malvern GP Practice")
    page = client.get("/cases/new").get_data(as_text=True)
    data = {"phone": _mobile(), "category": "shielding", "need": "food", "urgency": "routine",
            "postcode": "WR1 2NN", "consent_to_share": "y", **fields}
    return client.post("/cases/new", data={"csrf_token": csrf_from(page), **data})


def _referral(client, db_session, fields):
    return _new_case(client, db_session, fields, role="partner")


DIRECTORY_FORM = {"name": "Evesham Lunch Club", "organisation_name": "Evesham Friends",
                  "needs": ["food"], "districts": "Wychavon, Worcester",
                  "phone": "01632 960123", "website": "https://example.org/lunch",
                  "status": "active", "postcode": "WR1 1AA"}


def _directory_new(client, db_session, fields):
    sign_in_as(client, db_session, "coordinator")
    page = client.get("/directory/new").get_data(as_text=True)
    return client.post("/directory/new", data={"csrf_token": csrf_from(page),
                                               **DIRECTORY_FORM, **fields})


def _directory_edit(client, db_session, fields):
    service = create_service(db_session, ServiceInput(organisation_name="Trust",
                                                      name="Edit Me Foodbank", needs=("food",)))
    sign_in_as(client, db_session, "coordinator")
    url = f"/directory/{service.id}/edit"
    page = client.get(url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf_from(page), **DIRECTORY_FORM, **fields})


FORMS = {"signup": _signup, "new_case": _new_case, "referral": _referral,
         "directory_new": _directory_new, "directory_edit": _directory_edit}
PHONE_FORMS = list(FORMS)
POSTCODE_FORMS = list(FORMS)
DIRECTORY_FORMS = ["directory_new", "directory_edit"]


def _stored(db_session) -> int:
    return sum(db_session.scalar(select(func.count()).select_from(model))
               for model in (Case, Volunteer)) + db_session.scalar(
        select(func.count()).select_from(DirectoryService).where(
            DirectoryService.name == DIRECTORY_FORM["name"]))


def _refused(response, db_session, before: int, message: str) -> None:
    html = response.get_data(as_text=True)
    assert response.status_code == 400, html[:300]
    assert message in html and "There is a problem" in html
    assert _stored(db_session) == before


def _tried(form, client, db_session, fields, accepted: bool, message: str) -> None:
    before = _stored(db_session)
    response = form(client, db_session, fields)
    if accepted:
        assert response.status_code == 302
    else:
        _refused(response, db_session, before, message)


@pytest.mark.parametrize("form", PHONE_FORMS)
def test_a_local_fragment_is_not_a_phone_number(client, db_session, form):
    before = _stored(db_session)
    _refused(FORMS[form](client, db_session, {"phone": "12345"}), db_session, before,
             "Enter a UK phone number")
    assert db_session.scalar(select(Case).where(Case.phone == "+4412345")) is None


@pytest.mark.parametrize("form", PHONE_FORMS)
def test_words_are_not_a_phone_number(client, db_session, form):
    before = _stored(db_session)
    _refused(FORMS[form](client, db_session, {"phone": "call me maybe"}), db_session, before,
             "Enter a UK phone number")


def _spaced(number: str, width: int) -> str:
    """`number` with its gaps widened until it is `width` characters long."""
    digits = number.split(" ")
    gap = " " * ((width - sum(map(len, digits))) // (len(digits) - 1))
    return gap.join(digits).ljust(width)


@pytest.mark.parametrize("form", PHONE_FORMS)
def test_every_form_takes_the_same_length_of_number_as_the_api(client, db_session, form):
    """The rules allow 40 characters (spaces and all) on every door; no form cuts it shorter."""
    accepted = _spaced(_mobile(), 36)
    assert len(accepted) == 36 and FORMS[form](client, db_session,
                                               {"phone": accepted}).status_code == 302
    _tried(FORMS[form], client, db_session, {"phone": _spaced(_mobile(), 41)}, False,
           "Enter a UK phone number")


@pytest.mark.parametrize(("form", "accepted"), [
    ("signup", False), ("new_case", True), ("referral", True), ("directory_new", True),
    ("directory_edit", True)])
def test_a_landline_only_where_no_mobile_is_needed(client, db_session, form, accepted):
    _tried(FORMS[form], client, db_session, {"phone": "01632 960441"}, accepted,
           "Enter a mobile number")


@pytest.mark.parametrize("form", PHONE_FORMS)
def test_a_drama_mobile_is_accepted_everywhere(client, db_session, form):
    """Ofcom's drama range is possible but not valid: accepted (flagged), never refused."""
    assert FORMS[form](client, db_session, {"phone": _mobile()}).status_code == 302


@pytest.mark.parametrize("postcode", ["XX9 9ZZ", "WR1 9ZZ", "not a postcode"])
@pytest.mark.parametrize("form", POSTCODE_FORMS)
def test_a_postcode_must_be_in_the_postcode_directory(client, db_session, form, postcode):
    before = _stored(db_session)
    _refused(FORMS[form](client, db_session, {"postcode": postcode}), db_session, before,
             "Enter a real UK postcode")


@pytest.mark.parametrize(("form", "accepted"), [
    ("signup", False), ("new_case", True), ("referral", True), ("directory_new", False),
    ("directory_edit", False)])
def test_the_first_half_of_a_postcode_is_enough_only_for_a_request(client, db_session, form,
                                                                    accepted):
    _tried(FORMS[form], client, db_session, {"postcode": "WR1"}, accepted,
           "Enter a real UK postcode")


@pytest.mark.parametrize("website", ["example", "www.example.org", "ftp://example.org",
                                     "javascript:alert(1)", "https://", "https://exa mple.org"])
@pytest.mark.parametrize("form", DIRECTORY_FORMS)
def test_a_website_must_be_an_http_address(client, db_session, form, website):
    before = _stored(db_session)
    _refused(FORMS[form](client, db_session, {"website": website}), db_session, before,
             "Enter a web address that starts with https://")


@pytest.mark.parametrize("form", DIRECTORY_FORMS)
def test_districts_come_from_the_known_list(client, db_session, form):
    before = _stored(db_session)
    _refused(FORMS[form](client, db_session, {"districts": "Worcster, Narnia"}), db_session,
             before, "Not a district we know: Worcster, Narnia")


def test_districts_are_saved_in_the_directory_spelling(client, db_session):
    response = _directory_new(client, db_session, {"districts": "wychavon,  WORCESTER"})
    assert response.status_code == 302
    service = db_session.scalar(select(DirectoryService).where(
        DirectoryService.name == DIRECTORY_FORM["name"]))
    assert service.districts == ["Wychavon", "Worcester"]
    assert service.website == "https://example.org/lunch"


# --- the same rules through the API and the CSV import ---------------------------------


API_CASE = ("/api/v1/cases", "call_handler",
            {"category": "shielding", "need": "food", "phone": "07700 900699"})
API_VOLUNTEER = ("/api/v1/volunteers", "coordinator",
                 {"name": "Api Volunteer", "phone": "07700 900698", "postcode": "WR1 2NN",
                  "needs": ["food"]})


@pytest.mark.parametrize(("api", "body", "field", "message"), [
    (API_CASE, {"phone": "12345"}, "phone", "Enter a UK phone number"),
    (API_CASE, {"postcode": "XX9 9ZZ"}, "postcode", "Enter a real UK postcode"),
    (API_CASE, {"postcode": "WR1 9ZZ"}, "postcode", "Enter a real UK postcode"),
    (API_VOLUNTEER, {"phone": "12345"}, "phone", "Enter a UK phone number"),
    (API_VOLUNTEER, {"phone": "01632 960441"}, "phone", "Enter a mobile number"),
    (API_VOLUNTEER, {"postcode": "XX9 9ZZ"}, "postcode", "Enter a real UK postcode"),
    (API_VOLUNTEER, {"postcode": "WR1"}, "postcode", "Enter a real UK postcode"),
])
def test_the_api_applies_the_same_rules(client, db_session, api_token, api, body, field,
                                        message):
    path, role, base = api
    before = _stored(db_session)
    response = client.post(path, json={**base, **body},
                           headers={"Authorization": f"Bearer {api_token(role)}"})
    assert response.status_code == 422
    assert message in " ".join(response.get_json()["errors"]["json"][field])
    assert _stored(db_session) == before


def test_the_csv_import_applies_the_same_rules(db_session):
    lines = ["name,phone,postcode,needs",
             "Good Row,07700 900691,WR1 2NN,food",
             "Fragment,12345,WR1 2NN,food",
             "Landline,01632 960441,WR1 2NN,food",
             "Made Up,07700 900692,XX9 9ZZ,food",
             "Half Known,07700 900693,WR1 9ZZ,food"]
    report = import_volunteers_csv(db_session, lines, utcnow())
    assert report.created == 1
    reasons = dict(report.errors)
    assert "Enter a UK phone number" in reasons[3]
    assert "Enter a mobile number" in reasons[4]
    assert "Enter a real UK postcode" in reasons[5] and "Enter a real UK postcode" in reasons[6]


# --- the rules themselves -------------------------------------------------------------------


@pytest.mark.parametrize(("check", "value"), [
    (check_phone, "12345"), (check_phone, "+4412345"), (check_phone, "07700\x00900123"),
    (check_phone, "0" * 100), (check_postcode, "XX9 9ZZ"), (check_postcode, "WR1"),
    (check_postcode, "WR1\x002NN"), (check_website, "http://localhost"),
    (check_website, "https://example.org:99999"), (check_districts, "Narnia"),
])
def test_each_rule_refuses(check, value):
    with pytest.raises(FieldInvalid):
        check(value)


def test_each_rule_accepts_and_cleans():
    assert check_phone("01632 960123").e164 == "+441632960123"
    assert check_phone("07700 900123", mobile=True).valid is False  # drama: flagged, accepted
    assert check_postcode("wr12nn").postcode == "WR1 2NN"
    assert check_postcode("wr1", outcode_ok=True).precision == "outcode"
    assert check_districts(" malvern hills ,Worcester,worcester") == ("Malvern Hills",
                                                                      "Worcester")
    assert check_website("https://bücher.example/") == "https://bücher.example/"
