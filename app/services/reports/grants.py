"""Community grants in the reports: applications and awards by kind of group, by district and
neighbourhood, and the money in each pot; and the lines of the members' briefing.

Applications count in the period they arrived; awards in the period they were decided.
Amounts are in pounds. Groups are organisations, not residents, so nothing is suppressed.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.grants import AWARDED, ORGANISATION_TYPE_LABELS, pounds
from app.models.grant import GrantApplication
from app.services.geo.neighbourhoods import neighbourhood_labels
from app.services.grants.pots import pot_summaries
from app.services.reports.tables import NOT_RECORDED, Period, Table


def _pounds(pence: int) -> Decimal:
    return (Decimal(pence) / 100).quantize(Decimal("0.01"))


def _tallies(session: Session, period: Period, key: Any) -> dict[str, Counter[str]]:
    """Per group key: applications and pence requested (arrived in the period), awards and
    pence awarded (decided in the period)."""
    out: dict[str, Counter[str]] = {}
    rows = session.scalars(select(GrantApplication).where(
        period.contains(GrantApplication.created_at) | period.contains(
            GrantApplication.decided_at)))
    for app in rows:
        tally = out.setdefault(key(app) or NOT_RECORDED, Counter())
        if period.start_at <= app.created_at < period.end_before:
            tally["applications"] += 1
            tally["requested"] += app.amount_requested_pence
        decided = app.decided_at
        if app.status == AWARDED and decided and period.start_at <= decided < period.end_before:
            tally["awards"] += 1
            tally["awarded"] += app.awarded_pence or 0
    return out


def _rows(tallies: dict[str, Counter[str]]) -> list[list[Any]]:
    rows = [[name, t["applications"], _pounds(t["requested"]), t["awards"],
             _pounds(t["awarded"])] for name, t in tallies.items()]
    rows.sort(key=lambda r: (-r[1], -r[3], r[0]))
    return rows


COLUMNS = ["Applications", "Requested (£)", "Awards", "Awarded (£)"]


def grants_by_type(session: Session, period: Period, today: date) -> Table:
    tallies = _tallies(session, period, lambda a: ORGANISATION_TYPE_LABELS.get(
        a.organisation_type, a.organisation_type))
    rows = _rows(tallies)
    return Table("grants-by-type", "Community grants by kind of group",
                 ["Kind of group", *COLUMNS], rows,
                 chart=[(r[0], r[3]) for r in rows], chart_label="Awards by kind of group",
                 note="Applications count when they arrived, awards when they were decided.")


def grants_by_area(session: Session, period: Period, today: date) -> Table:
    tallies = _tallies(session, period,
                       lambda a: f"{a.district or NOT_RECORDED}|{a.neighbourhood_code or ''}")
    labels = neighbourhood_labels(session, [k.split("|")[1] for k in tallies])
    rows = []
    for row in _rows(tallies):
        district, code = row[0].split("|")
        name = f"{labels[code][0]} ({code})" if code in labels else (code or NOT_RECORDED)
        rows.append([district, name, *row[1:]])
    rows.sort(key=lambda r: (r[0], r[1]))
    by_district: Counter[str] = Counter()
    for row in rows:
        by_district[row[0]] += row[4]
    return Table("grants-by-area", "Community grants by district and neighbourhood",
                 ["District", "Neighbourhood", *COLUMNS], rows,
                 chart=sorted(by_district.items(), key=lambda kv: (-kv[1], kv[0])),
                 chart_label="Awards by district")


def grants_per_pot(session: Session, period: Period, today: date) -> Table:
    """Each pot's money as it stands today (the period does not apply to a running total)."""
    rows = [[s.pot.name, _pounds(s.pot.budget_pence), s.applications, s.awards,
             _pounds(s.awarded_pence), _pounds(s.paid_pence), _pounds(s.budget_left_pence),
             "open" if s.open_now else "closed"] for s in pot_summaries(session, today)]
    return Table("grants-per-pot", "Money awarded per funding pot",
                 ["Pot", "Budget (£)", "Applications", "Awards", "Awarded (£)", "Paid (£)",
                  "Budget left (£)", "Now"], rows,
                 chart=[(r[0], float(r[4])) for r in rows], chart_label="Awarded per pot (£)",
                 note="Totals to date, whatever the period chosen.")


def briefing_lines(session: Session, period: Period, today: date) -> list[str]:
    """Short lines for the members' briefing: this month's grants, and the pots open now."""
    tallies = _tallies(session, period, lambda a: ORGANISATION_TYPE_LABELS.get(
        a.organisation_type, a.organisation_type))
    applications = sum(t["applications"] for t in tallies.values())
    awards = sum(t["awards"] for t in tallies.values())
    awarded = sum(t["awarded"] for t in tallies.values())
    kinds = ", ".join(f"{name.lower()} {t['awards']}" for name, t in
                      sorted(tallies.items(), key=lambda kv: (-kv[1]["awards"], kv[0]))
                      if t["awards"])
    lines = [f"Expressions of interest: {applications}. Grants awarded: {awards}, "
             f"{pounds(awarded) or '£0'} in total" + (f" ({kinds})." if kinds else ".")]
    for summary in pot_summaries(session, today):
        if summary.open_now or summary.awarded_pence:
            lines.append(f"{summary.pot.name}: {pounds(summary.awarded_pence) or '£0'} awarded "
                         f"and {pounds(summary.paid_pence) or '£0'} paid of "
                         f"{pounds(summary.pot.budget_pence)}; "
                         f"{pounds(summary.budget_left_pence) or '£0'} left.")
    return lines[:4]
