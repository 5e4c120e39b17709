"""/search: cases by reference, phone (any format) and name; volunteers for coordinators;
partners only their own referrals; each search in the access log, a number never written."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models.staff import AccessLogEntry
from app.services.casework.search import MAX_RESULTS, clean_query
from tests.signin import login

pytestmark = pytest.mark.clock


def _refs(html: str, *cases) -> list[bool]:
    """Which cases the page links to (the text searched for is echoed, so not just the text)."""
    return [f'href="/cases/{case.reference}"' in html for case in cases]


def _search(client, q: str) -> str:
    response = client.get("/search", query_string={"q": q})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_case_is_found_by_reference_in_any_form(client, make_user, make_case):
    case, other = make_case(name="Mary Jones"), make_case(name="Olive Other")
    login(client, make_user("call_handler").email)
    body = case.reference.split("-")[1]
    for q in (case.reference, case.reference.lower(), f"h2h {body.lower()}", body):
        assert _refs(_search(client, q), case, other) == [True, False], q


@pytest.mark.parametrize("typed", ["07700 900777", "+44 7700 900777", "00447700900777",
                                   "(07700) 900-777", "447700900777"])
def test_a_case_is_found_by_phone_in_any_format_and_the_number_is_not_logged(
        client, db_session, make_user, make_case, typed):
    case = make_case(phone="+447700900777")
    other = make_case(phone="+447700900778")
    login(client, make_user("call_handler").email)
    html = _search(client, typed)
    assert _refs(html, case, other) == [True, False]
    assert "900777" not in html.split("<h2")[1]  # masked in the results
    entry = db_session.scalars(select(AccessLogEntry).where(AccessLogEntry.action == "search")
                               .order_by(AccessLogEntry.id.desc())).first()
    assert entry.detail["kind"] == "phone" and "q" not in entry.detail
    assert entry.detail["case_ids"] == [case.id] and "900777" not in str(entry.detail)


def test_a_case_is_found_by_part_of_a_name_case_insensitively(client, db_session, make_user,
                                                               make_case):
    jones, smith = make_case(name="Mary Jones"), make_case(name="Sam Smith")
    percent = make_case(name="100% Real")
    login(client, make_user("call_handler").email)
    assert _refs(_search(client, "JONES"), jones, smith, percent) == [True, False, False]
    assert _refs(_search(client, "ary jo"), jones, smith, percent) == [True, False, False]
    assert _refs(_search(client, "%"), jones, smith, percent) == [False, False, True]
    assert "No case matches" in _search(client, "Nobody Here")
    entry = db_session.scalars(select(AccessLogEntry).where(AccessLogEntry.action == "search")
                               .order_by(AccessLogEntry.id.desc())).first()
    assert entry.detail == {"kind": "text", "q": "Nobody Here", "case_ids": [],
                            "volunteer_ids": []}


def test_volunteers_are_found_by_coordinators_only(client, make_user, make_volunteer,
                                                   make_case):
    volunteer = make_volunteer(name="Gwen Roberts", phone="+447700900555")
    make_case(name="Gwen Case")
    login(client, make_user("coordinator").email)
    html = _search(client, "gwen")
    assert f"/volunteers/{volunteer.id}" in html and "Gwen Case" in html
    assert f"/volunteers/{volunteer.id}" in _search(client, "07700 900555")
    other = client.application.test_client()
    login(other, make_user("call_handler").email)
    html = other.get("/search?q=gwen").get_data(as_text=True)
    assert "Gwen Case" in html and f"/volunteers/{volunteer.id}" not in html
    assert "Volunteers</h2>" not in html


def test_a_partner_finds_only_its_own_referrals(client, make_user, make_case, make_volunteer):
    partner, someone = make_user("partner"), make_user("partner")
    mine = make_case(name="Pat Mine", referred_by_user_id=partner.id, phone="+447700900333")
    theirs = make_case(name="Pat Theirs", referred_by_user_id=someone.id, phone="+447700900333")
    walk_in = make_case(name="Pat Walkin", phone="+447700900333")
    make_volunteer(name="Pat Volunteer")
    login(client, partner.email)
    for q in ("pat", "07700900333"):
        html = _search(client, q)
        assert _refs(html, mine, theirs, walk_in) == [True, False, False], q
        assert "Pat Volunteer" not in html
    assert _refs(_search(client, theirs.reference), theirs) == [False]


def test_the_search_box_is_on_every_staff_page_and_not_for_anonymous(client, make_user):
    assert 'action="/search"' not in client.get("/login").get_data(as_text=True)
    assert client.get("/search?q=x").status_code in (302, 401)
    login(client, make_user("partner").email)
    assert 'action="/search"' in client.get("/cases/new").get_data(as_text=True)


@pytest.mark.parametrize("q", ["", " ", "\x00", "x" * 5000, "🙂 émoji", "H2H-", "'; drop table",
                               "07700\x00900777", "+", "_", "\\"])
def test_awkward_input_gets_an_answer_not_an_error(client, make_user, q):
    login(client, make_user("coordinator").email)
    response = client.get("/search", query_string={"q": q})
    assert response.status_code == 200


def test_clean_query_and_the_cut():
    assert clean_query("  Mary\x00  Jones\n") == "Mary Jones" and len(clean_query("x" * 500)) == 100
    assert MAX_RESULTS == 50


def test_many_matches_are_cut_and_the_page_says_so(client, make_user, make_case):
    for _ in range(MAX_RESULTS + 1):
        make_case(name="Common Name")
    login(client, make_user("call_handler").email)
    assert "only the first 50" in _search(client, "common")
