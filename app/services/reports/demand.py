"""Demand: requests for help by category and need, by month, by district, and the "other" words.

The headline report councils ask for ("requests for help by category of support, by month")
and its breakdowns; each returns a `Table`, and `category_need_summary` is the API's JSON.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.enums import Category
from app.models.case import Case
from app.services.reports.tables import NOT_RECORDED, Period, Table, month_bucket, month_text

CATEGORY_LABELS = {Category.SHIELDING.value: "Shielding",
                   Category.SELF_ISOLATION.value: "Self-isolation",
                   Category.OTHER.value: "Other"}


def category_need_counts(session: Session, period: Period) -> list[tuple[str, str, str, int]]:
    """(month, category, need, cases): the one GROUP BY behind the headline table."""
    month = month_bucket(session, Case.created_at).label("month")
    stmt = (
        select(month, Case.category, Case.need, func.count())
        .where(period.contains(Case.created_at))
        .group_by(month, Case.category, Case.need)
    )  # no ORDER BY: a few hundred groups sort faster here than in the planner's sort-group plan
    return sorted((month_text(m), c or NOT_RECORDED, n or NOT_RECORDED, int(k))
                  for m, c, n, k in session.execute(stmt))


def categories_in(counts: list[tuple[str, str, str, int]]) -> list[str]:
    seen = {c for _, c, _, _ in counts}
    return [*CATEGORY_LABELS, *sorted(seen - set(CATEGORY_LABELS))]


def requests_by_category(session: Session, period: Period, today: date) -> Table:
    counts = category_need_counts(session, period)
    categories = categories_in(counts)
    cells: dict[tuple[str, str], int] = Counter()
    for month, category, _need, n in counts:
        cells[month, category] += n
    rows = []
    for month in period.months():
        values = [cells[month, c] for c in categories]
        rows.append([month, *values, sum(values)])
    rows.append(["Total", *[sum(r[i + 1] for r in rows) for i in range(len(categories))],
                 sum(r[-1] for r in rows)])
    return Table("requests-by-category", "Requests for help by category of support, by month",
                 ["Month", *[CATEGORY_LABELS.get(c, c) for c in categories], "Total"], rows,
                 chart=[(r[0], r[-1]) for r in rows[:-1]], chart_label="Requests per month")


def requests_by_need(session: Session, period: Period, today: date) -> Table:
    rows = [list(r) for r in category_need_counts(session, period)]
    return Table("requests-by-need", "Requests by month, category and need",
                 ["Month", "Category", "Need", "Requests"], rows,
                 chart=_totals((r[2], r[3]) for r in rows), chart_label="Requests by need")


def _totals(pairs: Any) -> list[tuple[str, float]]:
    total: Counter[str] = Counter()
    for label, n in pairs:
        total[label] += n
    return sorted(total.items(), key=lambda kv: (-kv[1], kv[0]))


def other_by_need(session: Session, period: Period, today: date) -> Table:
    stmt = (select(Case.need, func.count()).where(period.contains(Case.created_at),
                                                  Case.category == Category.OTHER.value)
            .group_by(Case.need))
    rows = sorted(([need or NOT_RECORDED, int(n)] for need, n in session.execute(stmt)),
                  key=lambda r: (-r[1], r[0]))
    return Table("other-by-need", "The \"other\" category by need", ["Need", "Requests"], rows,
                 chart=[(r[0], r[1]) for r in rows], chart_label="Other requests by need")


STOP_WORDS = frozenset("""
a about after again all am an and any are as at be been before being but by can could did do
does doing for from get got had has have having he her here him his how i i'm if in into is it
it's its just me more my myself need needs needed no not now of off on once only or other our
out over please so some than that the their them then there these they this those through to
too very was we were what when where which while who will with would you your like want help
also am pm im dont can't cant i've ive able bit really thank thanks much one
""".split())


def terms(text: str) -> list[str]:
    """Words of a resident's own description, lower-cased, without stop-words or tiny words."""
    words = re.findall(r"[a-z][a-z']+", text.lower().replace("\u2019", "'"))
    return [w.strip("'") for w in words if len(w.strip("'")) > 2 and w not in STOP_WORDS]


def other_terms(session: Session, period: Period, today: date, top: int = 20) -> Table:
    stmt = select(Case.details).where(period.contains(Case.created_at),
                                      Case.category == Category.OTHER.value,
                                      Case.details.is_not(None))
    counter: Counter[str] = Counter()
    for details in session.scalars(stmt):
        counter.update(set(terms(details)))  # a word counts once per case
    rows = [[word, n] for word, n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))]
    rows = rows[:top]
    return Table("other-terms", "The \"other\" category in residents' own words",
                 ["Word", "Cases using it"], rows, chart=[(r[0], r[1]) for r in rows],
                 chart_label="Most frequent words", note="Each word counts once per case; "
                 "common words (the, and, help, need...) are left out.")


def by_district(session: Session, period: Period, today: date) -> Table:
    stmt = (select(Case.district, Case.category, func.count())
            .where(period.contains(Case.created_at)).group_by(Case.district, Case.category))
    raw = [(d or NOT_RECORDED, c or NOT_RECORDED, int(n)) for d, c, n in session.execute(stmt)]
    categories = categories_in([("", c, "", 0) for _, c, _ in raw])
    cells: dict[tuple[str, str], int] = Counter({(d, c): n for d, c, n in raw})
    rows = []
    for district in sorted({d for d, _, _ in raw}):
        values = [cells[district, c] for c in categories]
        rows.append([district, *values, sum(values)])
    rows.sort(key=lambda r: (-r[-1], r[0]))
    return Table("by-district", "Requests by district",
                 ["District", *[CATEGORY_LABELS.get(c, c) for c in categories], "Total"], rows,
                 chart=[(r[0], r[-1]) for r in rows], chart_label="Requests per district")


def category_need_summary(session: Session, period: Period) -> dict[str, Any]:
    """The headline table as JSON: per month, per category, per need (the API's body)."""
    counts = category_need_counts(session, period)
    months: dict[str, dict[str, Any]] = {
        m: {"month": m, "total": 0, "categories": {}} for m in period.months()}
    totals: dict[str, Any] = {"total": 0, "categories": {}}
    for month, category, need, n in counts:
        entry = months[month]["categories"].setdefault(category, {"total": 0, "needs": {}})
        entry["total"] += n
        entry["needs"][need] = entry["needs"].get(need, 0) + n
        months[month]["total"] += n
        totals["categories"][category] = totals["categories"].get(category, 0) + n
        totals["total"] += n
    return {"from": period.start.strftime("%Y-%m"), "to": period.end.strftime("%Y-%m"),
            "months": list(months.values()), "totals": totals}
