"""The demand index per neighbourhood: rates, shares, suppression of small numbers, the score,
and the same figures on /reports, in the CSV, through the API and in the queue filter."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest

from app.domain.neighbourhoods import Measure, relative_scores, shown_count, shown_rate
from app.models import Case, Neighbourhood, Resident
from app.models.base import utcnow
from app.services.reports.neighbourhoods import neighbourhood_demand, neighbourhood_demand_table
from app.services.reports.tables import Period
from app.services.staff.accounts import create_api_token
from tests.factories import drama_mobile, make_case, make_staff_user, make_volunteer
from tests.neighbourhoods.test_neighbourhoods import _import
from tests.signin import sign_in_as

MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))
BUSY, QUIET, WYRE = "E01032144", "E01032150", "E01032300"


def at(day: int) -> datetime:
    return datetime(2026, 3, day, 10, 0, tzinfo=UTC)


@pytest.fixture
def demand(db_session):
    """March 2026: 8 requests in BUSY (1 safeguarding, 5 unmet, 2 repeats from one resident),
    3 in QUIET, none in WYRE but 6 volunteers there; 1 request outside March."""
    _import(db_session)
    resident = Resident(phone=drama_mobile(42), phone_valid=True)
    db_session.add(resident)
    db_session.flush()
    for i in range(8):
        make_case(db_session, neighbourhood_code=BUSY, created_at=at(1 + i),
                  phone=drama_mobile(100 + i), urgency="safeguarding" if i == 0 else "routine",
                  outcome="unmet" if i < 5 else None,
                  resident_id=resident.id if i >= 5 else None)
    for i in range(3):
        make_case(db_session, neighbourhood_code=QUIET, created_at=at(10 + i),
                  phone=drama_mobile(200 + i))
    make_case(db_session, neighbourhood_code=QUIET, created_at=datetime(2026, 4, 2, tzinfo=UTC),
              phone=drama_mobile(300))
    make_volunteer(db_session, postcode="WR1 2NN", neighbourhood_code=BUSY)
    for _ in range(6):
        make_volunteer(db_session, postcode="DY10 1AA", neighbourhood_code=WYRE)
    make_volunteer(db_session, postcode="DY10 1AA", neighbourhood_code=WYRE, active=False)
    db_session.flush()
    return db_session


def test_suppression_rules() -> None:
    assert [shown_count(n) for n in (0, 1, 4, 5, 12)] == [0, "<5", "<5", 5, 12]
    assert shown_rate(3, 12.345) == "<5" and shown_rate(5, 12.345) == 12.3
    assert shown_rate(0, 0.0) == 0.0 and shown_rate(7, None) is None


def test_scores_are_standardised_measures_averaged() -> None:
    scores = relative_scores([Measure("a", [1.0, 2.0, 3.0]),
                              Measure("b", [10.0, 10.0, None], direction=-1)], 3)
    # a: z = -1.22, 0, 1.22; b does not vary (0 where known) and the third has no b.
    assert scores == [-0.61, 0.0, 1.22]
    assert relative_scores([Measure("a", [None, None])], 2) == [None, None]


def test_demand_figures_rank_and_suppress(demand) -> None:
    demand.add(Neighbourhood(code="E01032999", name="Worcester 099Z", district_code="E07000237",
                             district_name="Worcester", population=1800))
    demand.add(Neighbourhood(code="E01099999", name="Elsewhere 001A", district_code="E09000001",
                             district_name="Elsewhere", population=1800))
    rows = {r.code: r for r in neighbourhood_demand(demand, MARCH)}
    # A neighbourhood of a district served, with no requests, is ranked; one elsewhere is not.
    assert rows["E01032999"].requests == 0 and "E01099999" not in rows
    busy, quiet, wyre = rows[BUSY], rows[QUIET], rows[WYRE]
    assert (busy.requests, busy.safeguarding, busy.unmet, busy.repeat) == (8, 1, 5, 2)
    assert (quiet.requests, wyre.requests, wyre.volunteers) == (3, 0, 6)
    assert busy.rank == 1 and busy.score > quiet.score > wyre.score
    published = busy.published()
    assert published["requests"] == 8
    assert published["requests_per_1000_a_month"] == round(8 * 1000 / 1734, 2)
    assert published["unmet_percent"] == 62.5
    assert published["safeguarding_percent"] == "<5" and published["repeat_percent"] == "<5"
    assert published["volunteers"] == "<5" and published["volunteers_per_1000"] == "<5"
    assert quiet.published()["requests"] == "<5"
    assert quiet.published()["requests_per_1000_a_month"] == "<5"
    assert wyre.published()["volunteers_per_1000"] == 4.0 and wyre.published()["requests"] == 0


def test_sector_fallback_ranks_on_shares_without_rates(db_session) -> None:
    for i in range(6):
        make_case(db_session, neighbourhood_code="WR1 2", created_at=at(2), district="Worcester",
                  phone=drama_mobile(400 + i), outcome="unmet" if i < 5 else None)
    for i in range(5):
        make_case(db_session, neighbourhood_code="WR5 1", created_at=at(3),
                  phone=drama_mobile(450 + i))
    table = neighbourhood_demand_table(db_session, MARCH, date(2026, 4, 1))
    first, second = table.rows
    assert first[:5] == ["WR1 2", 1, "Worcester", None, 6]
    assert first[5] is None and first[7] == 83.3 and second[7] == 0.0
    assert first[-1] > 0 > second[-1]
    assert "standardised" in table.note and '"<5"' in table.note


def test_reports_page_csv_and_api_show_the_same_suppressed_figures(client, demand) -> None:
    sign_in_as(client, demand, "coordinator")
    html = client.get("/reports?from=2026-03-01&to=2026-03-31").get_data(as_text=True)
    assert 'id="neighbourhood-demand"' in html and 'id="neighbourhood-months"' in html
    assert "Worcester 010A (E01032144)" in html and "standardised" in html
    response = client.get("/reports/neighbourhood-demand.csv?from=2026-03-01&to=2026-03-31")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:5] == ["Neighbourhood", "Rank", "District", "Residents", "Requests"]
    assert rows[1][:5] == ["Worcester 010A (E01032144)", "1", "Worcester", "1734", "8"]
    assert rows[2][4] == "<5"
    months = client.get("/reports/neighbourhood-months.csv?from=2026-03-01&to=2026-04-30")
    month_rows = list(csv.reader(io.StringIO(months.get_data(as_text=True))))
    assert month_rows[0] == ["Neighbourhood", "Residents", "2026-03", "2026-04"]
    assert ["Worcester 011B (E01032150)", "2100", "<5", "<5"] in month_rows

    user = make_staff_user(demand, "admin")
    token = create_api_token(demand, user.email, now=utcnow())
    body = client.get("/api/v1/reports/neighbourhood-demand?from=2026-03&to=2026-03",
                      headers={"Authorization": f"Bearer {token}"}).get_json()
    assert [n["code"] for n in body["neighbourhoods"]] == [BUSY, QUIET, WYRE]
    assert body["neighbourhoods"][1]["requests"] == "<5" and "standardised" in body["method"]
    handler = make_staff_user(demand, "call_handler")
    handler_token = create_api_token(demand, handler.email, now=utcnow())
    refused = client.get("/api/v1/reports/neighbourhood-demand?from=2026-03&to=2026-03",
                         headers={"Authorization": f"Bearer {handler_token}"})
    assert refused.status_code == 403


def test_queue_filters_by_neighbourhood(client, demand) -> None:
    make_case(demand, neighbourhood_code=QUIET, phone=drama_mobile(600), details="quiet one")
    make_case(demand, neighbourhood_code=BUSY, phone=drama_mobile(601), details="busy one")
    sign_in_as(client, demand, "call_handler")
    page = client.get("/queue").get_data(as_text=True)
    assert '<option value="E01032150" >Worcester 011B (E01032150)</option>' in page
    filtered = client.get(f"/queue?neighbourhood={QUIET}").get_data(as_text=True)
    assert 'value="E01032150" selected' in filtered
    partial = client.get(f"/queue/partial?neighbourhood={QUIET}").get_data(as_text=True)
    busy_refs = {c.reference for c in demand.query(Case).filter_by(neighbourhood_code=BUSY)}
    quiet_refs = {c.reference for c in demand.query(Case).filter_by(neighbourhood_code=QUIET,
                                                                    status="new")}
    assert quiet_refs and all(ref in partial for ref in quiet_refs)
    assert not any(ref in partial for ref in busy_refs)
