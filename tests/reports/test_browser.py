"""Chromium drives the console (fixtures from tests/plugins/browser.py): downloads and axe."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pypdf
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.models.base import utcnow
from app.web.console.reports import default_period

pytestmark = [pytest.mark.browser, pytest.mark.clock]


@pytest.fixture
def demo_data(live_server):
    """The demo directory and demo cases, committed once on the shared live server.

    The cases all fall in the period the reports page shows by default on the (possibly moved)
    day the test runs, so the page's totals are known whatever the date.
    """
    from app.models.case import Case
    from app.services.directory.demo import seed_demo_directory
    from tests.reports.demo_cases import seed_demo_cases

    today = utcnow().date()
    with live_server.session() as session:
        seed_demo_directory(session, today)
        session.commit()
        if session.scalar(select(Case.id).where(Case.reference == "H2H-D000")) is None:
            seed_demo_cases(session, today, since=default_period(today).start)


def test_reports_page_passes_axe_and_downloads_a_csv(logged_in_page, axe_check, demo_data):
    page = logged_in_page("coordinator")
    page.goto("/reports")
    assert page.locator("h1").inner_text() == "Reports"
    period = default_period(utcnow().date())
    assert page.locator("#from").input_value() == period.start.isoformat()
    assert page.locator("#to").input_value() == period.end.isoformat()
    assert page.locator("svg.chart").count() >= 9
    assert axe_check(page) == []
    with page.expect_download() as info:
        page.get_by_role("link", name="Download “Requests for help by category of support, by "
                         "month” as CSV").click()
    rows = list(csv.reader(io.StringIO(Path(info.value.path()).read_text())))
    assert rows[0][:2] == ["Month", "Shielding"]
    assert rows[-1][0] == "Total" and int(rows[-1][-1]) >= 240


def test_directory_page_passes_axe_and_downloads_the_pdf(logged_in_page, axe_check, demo_data):
    page = logged_in_page("partner")
    page.goto("/directory")
    assert "Worcester Foodbank (demo)" in page.content()
    assert axe_check(page) == []
    page.select_option("select[name=need]", "food")
    search = page.get_by_role("form", name="Search the directory")
    search.get_by_role("button", name="Search").click()
    page.wait_for_url("**need=food**")
    expect(page.locator("table caption")).to_contain_text("services")  # the results have loaded
    assert page.locator("tbody tr").count() >= 3
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the whole directory (PDF, large print)").click()
    reader = pypdf.PdfReader(info.value.path())
    assert "Contents" in reader.pages[0].extract_text()
    assert all("Correct on" in p.extract_text() for p in reader.pages)


def test_service_form_passes_axe(logged_in_page, axe_check):
    page = logged_in_page("coordinator")
    page.goto("/directory/new")
    assert axe_check(page) == []
    page.get_by_role("button", name="Save").click()  # empty form: errors shown accessibly
    assert page.get_by_text("There is a problem").is_visible()
    assert axe_check(page) == []
