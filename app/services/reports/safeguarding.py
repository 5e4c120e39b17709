"""The safeguarding report: alerts by month and district, and how fast staff responded.

An alert belongs to the month it was raised in (UTC) and to its case's district. Response times
are minutes from the alert to a member of staff acknowledging it, and to the first recorded
contact with the resident; an alert not yet acknowledged (or contacted) does not count towards
that time but is counted as waiting. Computed in Python: alerts are few, and the percentiles
then read the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.case import Case, SafeguardingAlert
from app.services.reports.tables import NOT_RECORDED, Period, Table, percentile

ALL = "All districts"


def _minutes(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else round((end - start).total_seconds() / 60, 1)


def _stats(values: list[float | None]) -> list[object]:
    known = [v for v in values if v is not None]
    median, p90 = percentile(known, 0.5), percentile(known, 0.9)
    return [round(median, 1) if median is not None else "",
            round(p90, 1) if p90 is not None else ""]


def safeguarding_alerts(session: Session, period: Period, today: date) -> Table:
    stmt = (select(SafeguardingAlert.raised_at, SafeguardingAlert.acknowledged_at,
                   SafeguardingAlert.first_contact_at, Case.district)
            .join(Case, Case.id == SafeguardingAlert.case_id)
            .where(period.contains(SafeguardingAlert.raised_at)))
    groups: dict[tuple[str, str], list[tuple[float | None, float | None]]] = defaultdict(list)
    for raised, acknowledged, contacted, district in session.execute(stmt):
        times = (_minutes(raised, acknowledged), _minutes(raised, contacted))
        month = raised.strftime("%Y-%m")
        groups[(month, district or NOT_RECORDED)].append(times)
        groups[(month, ALL)].append(times)
    rows: list[list[object]] = []
    for month in period.months():
        districts = sorted(d for m, d in groups if m == month and d != ALL)
        for district in [*districts, ALL]:
            times = groups.get((month, district), [])
            if district == ALL and not times:
                rows.append([month, ALL, 0, 0, "", "", "", ""])
                continue
            waiting = sum(1 for ack, _ in times if ack is None)
            rows.append([month, district, len(times), waiting,
                         *_stats([ack for ack, _ in times]),
                         *_stats([contact for _, contact in times])])
    totals = [r for r in rows if r[1] == ALL]
    return Table(
        "safeguarding", "Safeguarding alerts by month and district, and time to respond",
        ["Month", "District", "Alerts", "Not yet acknowledged",
         "Median minutes to acknowledgement", "90th percentile minutes to acknowledgement",
         "Median minutes to first contact", "90th percentile minutes to first contact"],
        rows, chart=[(str(r[0]), float(r[2])) for r in totals], chart_label="Alerts per month",
        note="Minutes from the alert to a member of staff acknowledging it in the console, and "
             "to the first recorded conversation with the resident. Alerts are counted in the "
             "month they were raised.")
