"""The safeguarding report: alerts by month and district, median and 90th percentile minutes to
acknowledgement and to first contact, every figure checked by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from app.models.case import SafeguardingAlert
from app.services.reports.catalogue import build_report, report_keys
from app.services.reports.tables import Period
from tests import factories

JAN_FEB = Period(date(2026, 1, 1), date(2026, 2, 28))


def _alert(db_session, district, raised, ack_min=None, contact_min=None):
    case = factories.make_case(db_session, district=district)
    db_session.add(SafeguardingAlert(
        case_id=case.id, source="words", raised_at=raised, detail={},
        acknowledged_at=raised + timedelta(minutes=ack_min) if ack_min is not None else None,
        first_contact_at=raised + timedelta(minutes=contact_min)
        if contact_min is not None else None))
    db_session.flush()


def test_counts_and_response_times(db_session) -> None:
    jan = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
    _alert(db_session, "Worcester", jan, 4, 30)
    _alert(db_session, "Worcester", jan + timedelta(days=3), 10, 60)
    _alert(db_session, "Redditch", jan + timedelta(days=5), 2)
    _alert(db_session, "Worcester", jan + timedelta(days=40))  # February, still waiting
    _alert(db_session, "Worcester", datetime(2026, 3, 1, tzinfo=UTC), 1, 1)  # outside
    table = build_report(db_session, "safeguarding", JAN_FEB, date(2026, 3, 15))
    assert "safeguarding" in report_keys()
    assert table.rows == [
        ["2026-01", "Redditch", 1, 0, 2.0, 2.0, "", ""],
        ["2026-01", "Worcester", 2, 0, 7.0, 9.4, 45.0, 57.0],
        ["2026-01", "All districts", 3, 0, 4.0, 8.8, 45.0, 57.0],
        ["2026-02", "Worcester", 1, 1, "", "", "", ""],
        ["2026-02", "All districts", 1, 1, "", "", "", ""],
    ]
    assert table.chart == [("2026-01", 3.0), ("2026-02", 1.0)]


def test_an_empty_month_reads_zero(db_session) -> None:
    table = build_report(db_session, "safeguarding", Period(date(2025, 5, 1), date(2025, 5, 31)),
                         date(2026, 3, 15))
    assert table.rows == [["2025-05", "All districts", 0, 0, "", "", "", ""]]
