"""The console's case queue: what is waiting for a person, in the order a person should take it.

Order: safeguarding, then urgent, then overdue call-backs, then the oldest first. The
order is computed in SQL so the page stays fast with thousands of open cases, and the same rule
serves the page and its auto-refreshing partial.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from app.domain.enums import OPEN_CASE_STATUSES, CaseStatus, Urgency
from app.models.case import Case
from app.services.geo.neighbourhoods import neighbourhood_labels

#: Statuses in which a person should look at the case; an assigned case joins only when a
#: call-back is due.
WAITING_STATUSES = (
    CaseStatus.NEW, CaseStatus.MATCHING, CaseStatus.OFFERED, CaseStatus.NEEDS_STAFF,
)
#: Age filter choices: label -> minimum age.
AGE_FILTERS = {
    "1h": timedelta(hours=1),
    "4h": timedelta(hours=4),
    "24h": timedelta(hours=24),
    "3d": timedelta(days=3),
}
PAGE_SIZE = 100


@dataclass(frozen=True)
class QueueFilters:
    status: str = ""
    category: str = ""
    need: str = ""
    district: str = ""
    neighbourhood: str = ""
    urgency: str = ""
    age: str = ""

    def active(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v}


@dataclass
class QueueRow:
    case: Case
    overdue: bool
    age: timedelta


@dataclass
class QueuePage:
    rows: list[QueueRow]
    total: int
    counts: dict[str, int] = field(default_factory=dict)
    districts: list[str] = field(default_factory=list)
    neighbourhoods: list[tuple[str, str]] = field(default_factory=list)  # (code, label)


def priority_order(now: datetime):
    """0 safeguarding, 1 urgent, 2 overdue call-back, 3 the rest."""
    return case(
        (Case.urgency == Urgency.SAFEGUARDING, 0),
        (Case.urgency == Urgency.URGENT, 1),
        (and_(Case.callback_due_at.is_not(None), Case.callback_due_at <= now), 2),
        else_=3,
    )


def _base(filters: QueueFilters, now: datetime) -> Select:
    stmt = select(Case)
    if filters.status:
        stmt = stmt.where(Case.status == filters.status)
    else:
        stmt = stmt.where(or_(
            Case.status.in_([s.value for s in WAITING_STATUSES]),
            and_(Case.status.in_([s.value for s in OPEN_CASE_STATUSES]),
                 Case.callback_due_at.is_not(None)),
        ))
    for column, value in ((Case.category, filters.category), (Case.need, filters.need),
                          (Case.district, filters.district), (Case.urgency, filters.urgency),
                          (Case.neighbourhood_code, filters.neighbourhood)):
        if value:
            stmt = stmt.where(column == value)
    if filters.age in AGE_FILTERS:
        stmt = stmt.where(Case.created_at <= now - AGE_FILTERS[filters.age])
    return stmt


def load_queue(session: Session, filters: QueueFilters, now: datetime,
               limit: int = PAGE_SIZE) -> QueuePage:
    base = _base(filters, now)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    cases = session.scalars(
        base.order_by(priority_order(now), Case.created_at, Case.id).limit(limit)
    ).all()
    rows = [
        QueueRow(case=c, overdue=bool(c.callback_due_at and c.callback_due_at <= now),
                 age=now - c.created_at)
        for c in cases
    ]
    return QueuePage(rows=rows, total=total, counts=status_counts(session),
                     districts=known_districts(session),
                     neighbourhoods=known_neighbourhoods(session))


def status_counts(session: Session) -> dict[str, int]:
    """Open cases per status (closed ones are counted in reports, not here)."""
    rows = session.execute(
        select(Case.status, func.count())
        .where(Case.status.in_([s.value for s in OPEN_CASE_STATUSES]))
        .group_by(Case.status)
    ).all()
    found = dict(rows)
    return {s.value: found.get(s.value, 0) for s in CaseStatus if s in OPEN_CASE_STATUSES}


def known_districts(session: Session) -> list[str]:
    return list(session.scalars(
        select(Case.district).where(Case.district.is_not(None)).distinct().order_by(Case.district)
    ))


def known_neighbourhoods(session: Session) -> list[tuple[str, str]]:
    """Neighbourhoods of open cases, as (code, "name (code)") choices, by name."""
    codes = session.scalars(
        select(Case.neighbourhood_code).distinct()
        .where(Case.neighbourhood_code.is_not(None),
               Case.status.in_([s.value for s in OPEN_CASE_STATUSES]))).all()
    labels = neighbourhood_labels(session, codes)
    choices = [(code, f"{labels[code][0]} ({code})" if code in labels else code)
               for code in codes]
    return sorted(choices, key=lambda choice: choice[1])


def format_age(age: timedelta) -> str:
    minutes = int(age.total_seconds() // 60)
    if minutes < 60:
        return f"{max(minutes, 0)} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h {minutes % 60} min" if hours < 6 else f"{hours} h"
    return f"{hours // 24} days"
