"""The figures the council asks for, for any date range (pure SQL + Python, no Flask).

Each report returns a `Table` (title, columns, rows, and the series its chart draws), so the
console, the CSV downloads and the JSON API all show the same numbers from the same function.
Counting happens in SQL `GROUP BY` that runs on SQLite and PostgreSQL alike; only the month
bucket differs by dialect (`month_bucket`). Medians and 90th percentiles use PostgreSQL's
`percentile_cont`, and on SQLite (which has none) the same linear interpolation in Python.

Cases belong to the month they were created in (UTC). A period is whole days, both ends included.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy.orm import Session

from app.services.reports.demand import (
    by_district,
    other_by_need,
    other_terms,
    requests_by_category,
    requests_by_need,
)
from app.services.reports.follow_ups import follow_ups
from app.services.reports.grants import grants_by_area, grants_by_type, grants_per_pot
from app.services.reports.neighbourhoods import (
    neighbourhood_demand_table,
    neighbourhood_months_table,
)
from app.services.reports.outcomes import (
    costs,
    dbs_checks,
    outcomes,
    statutory_referrals,
    timings,
    volunteers,
)
from app.services.reports.safeguarding import safeguarding_alerts
from app.services.reports.tables import Period, Table

#: Every report by its key (the console's tabs, the CSV file names, `here2help reports csv`).
REPORT_BUILDERS: dict[str, Callable[[Session, Period, date], Table]] = {
    "requests-by-category": requests_by_category,
    "requests-by-need": requests_by_need,
    "other-by-need": other_by_need,
    "other-terms": other_terms,
    "by-district": by_district,
    "neighbourhood-demand": neighbourhood_demand_table,
    "neighbourhood-months": neighbourhood_months_table,
    "outcomes": outcomes,
    "timings": timings,
    "volunteers": volunteers,
    "dbs": dbs_checks,
    "statutory-referrals": statutory_referrals,
    "costs": costs,
    "follow-ups": follow_ups,
    "grants-by-type": grants_by_type,
    "grants-by-area": grants_by_area,
    "grants-per-pot": grants_per_pot,
    "safeguarding": safeguarding_alerts,
}


def report_keys() -> list[str]:
    return list(REPORT_BUILDERS)


def build_report(session: Session, key: str, period: Period, today: date) -> Table:
    """One report by key; KeyError for an unknown key."""
    return REPORT_BUILDERS[key](session, period, today)


def build_all(session: Session, period: Period, today: date) -> list[Table]:
    return [build_report(session, key, period, today) for key in report_keys()]
