"""The console /reports page, its CSVs, the briefing PDF and the JSON API: same numbers."""

from __future__ import annotations

import csv
import io

import pypdf
import pytest

from app.models.base import utcnow
from app.services.reports.files import csv_cell, table_csv
from app.services.reports.tables import Table
from app.services.staff.accounts import create_api_token
from tests.factories import make_staff_user
from tests.signin import sign_in_as

pytestmark = pytest.mark.clock

QUERY = "from=2026-01-01&to=2026-02-28"


def test_reports_page_shows_every_report_with_chart_table_and_csv(client, seeded):
    sign_in_as(client, seeded, "coordinator")
    page = client.get(f"/reports?{QUERY}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for key in ("requests-by-category", "other-terms", "by-district", "outcomes", "timings",
                "volunteers", "dbs", "statutory-referrals", "costs"):
        assert f'id="{key}"' in html
        assert f'href="/reports/{key}.csv?{QUERY.replace("&", "&amp;")}"' in html
        assert f'aria-labelledby="chart-{key}-title"' in html
    assert "<svg" in html and "<table" in html


def test_call_handlers_and_partners_cannot_open_reports(client, seeded):
    sign_in_as(client, seeded, "call_handler")
    assert client.get("/reports").status_code == 403
    assert client.get("/reports/outcomes.csv").status_code == 403


def test_signed_out_is_sent_to_login(client, seeded):
    response = client.get("/reports")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_csv_download_matches_the_report(client, seeded):
    sign_in_as(client, seeded, "admin")
    response = client.get(f"/reports/requests-by-category.csv?{QUERY}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows == [["Month", "Shielding", "Self-isolation", "Other", "Total"],
                    ["2026-01", "2", "0", "1", "3"], ["2026-02", "0", "1", "2", "3"],
                    ["Total", "2", "1", "3", "6"]]
    assert client.get(f"/reports/nope.csv?{QUERY}").status_code == 404


def test_csv_neutralises_formulas():
    table = Table("t", "T", ["=SUM(A1)", "n"], [["=HYPERLINK(\"http://x\")", -3],
                                                ["+1", 2], ["-x", 1], ["@cmd", 0], ["\tx", 1],
                                                ["plain", 1]])
    rows = list(csv.reader(io.StringIO(table_csv(table))))
    assert rows == [["'=SUM(A1)", "n"], ["'=HYPERLINK(\"http://x\")", "-3"], ["'+1", "2"],
                    ["'-x", "1"], ["'@cmd", "0"], ["'\tx", "1"], ["plain", "1"]]
    assert csv_cell(-3) == -3 and csv_cell(None) == ""


def test_bad_dates_fall_back_with_a_message(client, seeded):
    sign_in_as(client, seeded, "coordinator")
    page = client.get("/reports?from=2026-02-30&to=2026-01-01")
    assert page.status_code == 200
    assert "Enter the dates as day, month and year" in page.get_data(as_text=True)
    page = client.get("/reports?from=1900-01-01&to=2026-01-01")
    assert "Choose a period of at most 10 years." in page.get_data(as_text=True)


def test_briefing_is_one_page(client, seeded):
    sign_in_as(client, seeded, "coordinator")
    response = client.get("/reports/briefing.pdf?month=2026-01")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "Members' briefing: January 2026" in text
    assert "3 requests for help" in text and "Worcester" in text
    assert client.get("/reports/briefing.pdf?month=2026-13").status_code == 400


@pytest.fixture
def token(seeded):
    user = make_staff_user(seeded, "coordinator")
    return create_api_token(seeded, user.email, now=utcnow())


def test_api_gives_the_same_numbers_as_the_console(client, seeded, token):
    response = client.get("/api/v1/reports/requests-by-category?from=2026-01&to=2026-02",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["from"] == "2026-01" and body["to"] == "2026-02"
    jan = body["months"][0]
    assert jan["month"] == "2026-01" and jan["total"] == 3
    assert jan["categories"]["shielding"] == {"total": 2,
                                              "needs": {"food": 1, "prescriptions": 1}}
    assert body["totals"] == {"total": 6, "categories": {"other": 3, "self_isolation": 1,
                                                         "shielding": 2}}
    sign_in_as(client, seeded, "admin")
    console = client.get(f"/reports/requests-by-category.csv?{QUERY}").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(console)))[1:-1]
    for row, month in zip(rows, body["months"], strict=True):
        cats = month["categories"]
        assert row == [month["month"], str(cats.get("shielding", {}).get("total", 0)),
                       str(cats.get("self_isolation", {}).get("total", 0)),
                       str(cats.get("other", {}).get("total", 0)), str(month["total"])]


def test_api_rejects_bad_months_and_missing_token(client, seeded, token):
    auth = {"Authorization": f"Bearer {token}"}
    url = "/api/v1/reports/requests-by-category"
    assert client.get(f"{url}?from=2026-01&to=2026-02").status_code == 401
    assert client.get(f"{url}?from=2026-13&to=2026-02", headers=auth).status_code == 422
    assert client.get(f"{url}?from=2026-03&to=2026-02", headers=auth).status_code == 422
    assert client.get(f"{url}?from=2026-01", headers=auth).status_code == 422


def test_api_refuses_partners_and_call_handlers(client, seeded):
    for role in ("partner", "call_handler"):
        user = make_staff_user(seeded, role)
        raw = create_api_token(seeded, user.email, now=utcnow())
        response = client.get("/api/v1/reports/requests-by-category?from=2026-01&to=2026-02",
                              headers={"Authorization": f"Bearer {raw}"})
        assert response.status_code == 403, role


def test_reports_cli(tmp_path):
    from click.testing import CliRunner

    from app import migrate
    from app.cli.reports import reports

    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    migrate.upgrade(url)
    env = {"DATABASE_URL": url, "HERE2HELP_INSTANCE": str(tmp_path), "SECRET_KEY": "x"}
    runner = CliRunner(env=env)
    result = runner.invoke(reports, ["briefing", "--month", "2026-01", str(tmp_path / "b.pdf")])
    assert result.exit_code == 0, result.output
    assert len(pypdf.PdfReader(tmp_path / "b.pdf").pages) == 1
    result = runner.invoke(reports, ["csv", "outcomes", "--from", "2026-01", "--to", "2026-02",
                                     str(tmp_path / "o.csv")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "o.csv").read_text().startswith("Outcome,Requests")
    bad = runner.invoke(reports, ["csv", "nope", "--from", "2026-01", "--to", "2026-02",
                                  str(tmp_path / "x.csv")])
    assert bad.exit_code == 1 and "unknown report 'nope'" in bad.output
    bad = runner.invoke(reports, ["briefing", "--month", "2026-13", str(tmp_path / "x.pdf")])
    assert bad.exit_code == 1 and "is not a month" in bad.output
