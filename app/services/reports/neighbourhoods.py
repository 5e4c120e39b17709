"""The demand index per neighbourhood: where requests for help come from, relative to residents.

For each neighbourhood (an LSOA, or a postcode sector when no lookup is loaded) and a period:
requests per 1,000 residents a month; the shares of requests that were safeguarding, closed as
unmet, or repeat contacts (the resident had asked before); approved, active volunteers per
1,000 residents; and a relative score: each of those five measures standardised across the
area's neighbourhoods (a z-score: how many standard deviations above or below the average) and
the five averaged, volunteers counting against pressure. 0 is the area's average; higher means
more pressure on residents and the help line.

Small numbers are suppressed: a count of 1 to 4, and any rate or share worked out from it, is
published as "<5", so no resident can be picked out. The score is worked out from the exact
figures and published to two decimals, which cannot be turned back into a count.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from app.domain.enums import ApprovalStatus, CaseOutcome, Urgency
from app.domain.neighbourhoods import Measure, relative_scores, shown_count, shown_rate
from app.models.case import Case
from app.models.neighbourhood import Neighbourhood
from app.models.volunteer import Volunteer
from app.services.reports.tables import Period, Table, month_bucket, month_text

METHOD = (
    "Each neighbourhood's requests per 1,000 residents a month, shares of safeguarding, unmet "
    "and repeat requests, and volunteers per 1,000 residents are standardised across the "
    "neighbourhoods shown (value minus the average, divided by the standard deviation) and "
    "averaged, with volunteers counting against pressure; 0 is the average and higher means "
    "more pressure. Measures a neighbourhood has no figure for (no population loaded) are left "
    "out of its average. Every loaded neighbourhood in a district the help line served in the "
    "period is ranked, with or without requests. Counts of 1 to 4, and the rates and shares "
    "worked out from them, are shown as \"<5\". Requests with no placeable postcode are left "
    "out."
)


@dataclass
class NeighbourhoodDemand:
    """One neighbourhood's exact figures; `published()` gives them with small numbers hidden."""

    code: str
    name: str
    district: str | None
    population: int | None
    requests: int
    safeguarding: int
    unmet: int
    repeat: int
    volunteers: int
    months: int
    rank: int = 0
    score: float | None = None

    @property
    def per_1000_a_month(self) -> float | None:
        if not self.population:
            return None
        return self.requests * 1000 / self.population / self.months

    @property
    def volunteers_per_1000(self) -> float | None:
        return self.volunteers * 1000 / self.population if self.population else None

    def share(self, count: int) -> float | None:
        return 100 * count / self.requests if self.requests else None

    def published(self) -> dict[str, Any]:
        return {
            "code": self.code, "name": self.name, "district": self.district, "rank": self.rank,
            "residents": self.population, "requests": shown_count(self.requests),
            "requests_per_1000_a_month": shown_rate(self.requests, self.per_1000_a_month, 2),
            "safeguarding_percent": shown_rate(self.safeguarding, self.share(self.safeguarding)),
            "unmet_percent": shown_rate(self.unmet, self.share(self.unmet)),
            "repeat_percent": shown_rate(self.repeat, self.share(self.repeat)),
            "volunteers": shown_count(self.volunteers),
            "volunteers_per_1000": shown_rate(self.volunteers, self.volunteers_per_1000, 2),
            "score": self.score,
        }


def neighbourhood_demand(session: Session, period: Period) -> list[NeighbourhoodDemand]:
    """Neighbourhoods with requests in the period or volunteers, and the loaded ones in the
    districts served, ranked by relative score."""
    earlier = aliased(Case)
    is_repeat = exists().where(and_(earlier.resident_id == Case.resident_id,
                                    earlier.created_at < Case.created_at, earlier.id != Case.id))
    counts = session.execute(
        select(Case.neighbourhood_code, func.count(),
               func.count().filter(Case.urgency == Urgency.SAFEGUARDING),
               func.count().filter(Case.outcome == CaseOutcome.UNMET),
               func.count().filter(and_(Case.resident_id.is_not(None), is_repeat)),
               func.max(Case.district))
        .where(period.contains(Case.created_at), Case.neighbourhood_code.is_not(None))
        .group_by(Case.neighbourhood_code)).all()
    helpers = dict(session.execute(
        select(Volunteer.neighbourhood_code, func.count())
        .where(Volunteer.neighbourhood_code.is_not(None), Volunteer.active.is_(True),
               Volunteer.approval_status == ApprovalStatus.APPROVED)
        .group_by(Volunteer.neighbourhood_code)).tuples().all())
    # Loaded neighbourhoods with figures, and every other one in a district the help line
    # served in the period: a neighbourhood with no requests is low demand, not unknown.
    served = session.scalars(select(Case.district_code).distinct().where(
        period.contains(Case.created_at), Case.district_code.is_not(None))).all()
    codes = sorted({row[0] for row in counts} | set(helpers))
    known = {n.code: n for n in session.scalars(select(Neighbourhood).where(or_(
        Neighbourhood.code.in_(codes), Neighbourhood.district_code.in_(sorted(served)))))}
    months = len(period.months())
    rows: dict[str, NeighbourhoodDemand] = {}
    for code, total, safeguarding, unmet, repeat, district in counts:
        rows[code] = _row(known, code, district, months, int(total), int(safeguarding),
                          int(unmet), int(repeat))
    for code in [*helpers, *known]:
        rows.setdefault(code, _row(known, code, None, months, 0, 0, 0, 0))
        rows[code].volunteers = int(helpers.get(code, 0))
    ranked = list(rows.values())
    scores = relative_scores([
        Measure("requests per 1,000", [r.per_1000_a_month for r in ranked]),
        Measure("safeguarding share", [r.share(r.safeguarding) for r in ranked]),
        Measure("unmet share", [r.share(r.unmet) for r in ranked]),
        Measure("repeat share", [r.share(r.repeat) for r in ranked]),
        Measure("volunteers per 1,000", [r.volunteers_per_1000 for r in ranked], direction=-1),
    ], len(ranked))
    for row, score in zip(ranked, scores, strict=True):
        row.score = score
    ranked.sort(key=lambda r: (r.score is None, -(r.score or 0.0), r.code))
    for rank, row in enumerate(ranked, start=1):
        row.rank = rank
    return ranked


def _row(known: dict[str, Neighbourhood], code: str, district: str | None, months: int,
         total: int, safeguarding: int, unmet: int, repeat: int) -> NeighbourhoodDemand:
    area = known.get(code)
    return NeighbourhoodDemand(
        code=code, name=area.name if area else code,
        district=(area.district_name if area else None) or district,
        population=area.population if area else None, requests=total,
        safeguarding=safeguarding, unmet=unmet, repeat=repeat, volunteers=0, months=months)


def neighbourhood_demand_table(session: Session, period: Period, today: date) -> Table:
    ranked = neighbourhood_demand(session, period)
    rows = []
    for row in ranked:
        p = row.published()
        label = p["name"] if p["name"] == p["code"] else f"{p['name']} ({p['code']})"
        rows.append([label, p["rank"], p["district"], p["residents"], p["requests"],
                     p["requests_per_1000_a_month"], p["safeguarding_percent"],
                     p["unmet_percent"], p["repeat_percent"], p["volunteers"],
                     p["volunteers_per_1000"], p["score"]])
    chart = [(r[0], r[-1]) for r in rows if r[-1] is not None and r[-1] > 0][:20]
    return Table(
        "neighbourhood-demand", "Demand by neighbourhood (ranked)",
        ["Neighbourhood", "Rank", "District", "Residents", "Requests",
         "Requests per 1,000 residents a month", "Safeguarding %", "Unmet %",
         "Repeat contacts %", "Volunteers", "Volunteers per 1,000 residents", "Relative score"],
        rows, chart=chart,
        chart_label="Relative score of the neighbourhoods above the area's average (0)",
        note=METHOD)


def neighbourhood_months_table(session: Session, period: Period, today: date) -> Table:
    """Requests per 1,000 residents in each month (requests, where no population is loaded)."""
    bucket = month_bucket(session, Case.created_at)
    raw = session.execute(
        select(Case.neighbourhood_code, bucket, func.count())
        .where(period.contains(Case.created_at), Case.neighbourhood_code.is_not(None))
        .group_by(Case.neighbourhood_code, bucket)).all()
    cells: Counter[tuple[str, str]] = Counter()
    for code, month, total in raw:
        cells[code, month_text(month)] += int(total)
    known = {n.code: n for n in session.scalars(select(Neighbourhood).where(
        Neighbourhood.code.in_(sorted({code for code, _ in cells}))))}
    months = period.months()
    rows = []
    for code in sorted({code for code, _ in cells}):
        area = known.get(code)
        population = area.population if area else None
        values = []
        for month in months:
            count = cells[code, month]
            values.append(shown_rate(count, count * 1000 / population, 2) if population
                          else shown_count(count))
        label = f"{area.name} ({code})" if area else code
        rows.append([label, population, *values])
    return Table(
        "neighbourhood-months", "Requests per 1,000 residents by neighbourhood and month",
        ["Neighbourhood", "Residents", *months], rows,
        note="Where no population is loaded (postcode sectors) the cells are requests, not "
             "rates. A month with 1 to 4 requests is shown as \"<5\".")
