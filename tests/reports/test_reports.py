"""Every report on the seeded cases (tests/reports/conftest.py), every figure checked by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.models.case import Case
from app.services.reports.catalogue import build_report
from app.services.reports.demand import terms
from app.services.reports.tables import Period, month_bucket, month_text, percentile

pytestmark = pytest.mark.clock

JAN_FEB = Period(date(2026, 1, 1), date(2026, 2, 28))
TODAY = date(2026, 3, 15)


def report(session, key, period=JAN_FEB):
    return build_report(session, key, period, TODAY)


def test_requests_by_category_headline(seeded):
    table = report(seeded, "requests-by-category")
    assert table.columns == ["Month", "Shielding", "Self-isolation", "Other", "Total"]
    assert table.rows == [["2026-01", 2, 0, 1, 3], ["2026-02", 0, 1, 2, 3],
                          ["Total", 2, 1, 3, 6]]
    assert table.chart == [("2026-01", 3), ("2026-02", 3)]


def test_requests_by_need_detail(seeded):
    assert report(seeded, "requests-by-need").rows == [
        ["2026-01", "other", "befriending", 1], ["2026-01", "shielding", "food", 1],
        ["2026-01", "shielding", "prescriptions", 1], ["2026-02", "other", "money", 1],
        ["2026-02", "other", "other", 1], ["2026-02", "self_isolation", "food", 1]]


def test_other_by_need_and_words(seeded):
    assert report(seeded, "other-by-need").rows == [["befriending", 1], ["money", 1],
                                                    ["other", 1]]
    assert report(seeded, "other-terms").rows == [
        ["lonely", 2], ["phone", 2], ["bill", 1], ["dog", 1], ["feel", 1], ["garden", 1],
        ["money", 1], ["old", 1], ["someone", 1], ["talk", 1], ["walking", 1], ["worries", 1]]


def test_by_district(seeded):
    assert report(seeded, "by-district").rows == [
        ["Worcester", 1, 0, 2, 3], ["Bromsgrove", 0, 1, 0, 1], ["Redditch", 1, 0, 0, 1],
        ["not recorded", 0, 0, 1, 1]]


def test_outcomes_and_timings(seeded):
    assert report(seeded, "outcomes").rows == [
        ["Matched with a volunteer", 2], ["Signposted", 1], ["Handled by staff", 1],
        ["Unmet", 1], ["Withdrawn by the resident", 0], ["Merged into another request", 0],
        ["No outcome yet", 1], ["Total", 6]]
    assert report(seeded, "timings").rows == [
        ["Time to first offer", 3, 2.0, 2.8], ["Time to assignment", 2, 3.0, 3.8],
        ["Time to completion", 2, 36.0, 45.6]]


def test_volunteers(seeded):
    table = report(seeded, "volunteers")
    assert table.columns == ["Month", "Active volunteers", "Sign-ups", "Sign-ups: staff",
                             "Sign-ups: web"]
    assert table.rows == [["2026-01", 2, 2, 1, 1], ["2026-02", 0, 1, 0, 1]]


def test_dbs(seeded):
    table = report(seeded, "dbs")
    assert table.title.endswith("2026-02-28")
    assert table.rows == [["Pending", 1], ["Cleared", 1],
                          ["Clear, expiring within 60 days", 1], ["Expired", 1],
                          ["Checks done in the period", 2],
                          ["Cost of checks done in the period (£)", "68.00"]]


def test_statutory_referrals(seeded):
    assert report(seeded, "statutory-referrals").rows == [["Adult Social Care", 2], ["Total", 2]]


def test_costs(seeded):
    d = Decimal
    assert report(seeded, "costs").rows == [
        ["2026-01", 3, 3, d("0.1200"), 1, d("0.1500"), d("0.2700"), d("0.0900")],
        ["2026-02", 3, 1, d("0.0790"), 0, d("0"), d("0.0790"), d("0.0263")],
        ["Total", 6, 4, d("0.1990"), 1, d("0.1500"), d("0.3490"), d("0.0582")]]


def test_period_edges_include_whole_days(seeded):
    march = Period(date(2026, 3, 1), date(2026, 3, 1))
    assert report(seeded, "requests-by-category", march).rows[-1] == ["Total", 1, 0, 0, 1]
    dec = Period.from_months("2025-12", "2025-12")
    assert report(seeded, "requests-by-category", dec).rows[-1] == ["Total", 0, 0, 1, 1]


def test_month_bucket_is_utc_month(seeded):
    month = month_bucket(seeded, Case.created_at)
    got = month_text(seeded.scalar(select(month).where(Case.reference == "H2H-0006")))
    assert got == "2026-02"


def test_period_parsing():
    assert Period.from_months("2026-01", "2026-02") == JAN_FEB
    assert Period.from_months("2024-02", "2024-02").end == date(2024, 2, 29)
    for bad in ("2026-13", "26-01", "", "2026-1"):
        with pytest.raises(ValueError):
            Period.from_months(bad, "2026-01")
    with pytest.raises(ValueError):
        Period(date(2026, 2, 1), date(2026, 1, 1))


def test_percentile_and_terms():
    assert percentile([], 0.5) is None
    assert percentile([5.0], 0.9) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert terms("I NEED my Prescriptions, please! It's the cat's food") == [
        "prescriptions", "cat's", "food"]
