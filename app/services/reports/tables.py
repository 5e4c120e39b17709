"""The shapes every report shares: a period of whole days, a table, a month bucket, percentiles.

Cases belong to the month they were created in (UTC). A period is whole days, both ends included.
Counting happens in SQL `GROUP BY` that runs on SQLite and PostgreSQL alike; only the month
bucket differs by dialect (`month_bucket`). Medians and 90th percentiles use PostgreSQL's
`percentile_cont`, and on SQLite (which has none) the same linear interpolation in Python.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func
from sqlalchemy.orm import Session

NOT_RECORDED = "not recorded"


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("the end of the period is before its start")

    @classmethod
    def from_months(cls, first: str, last: str) -> Period:
        """'YYYY-MM' to 'YYYY-MM', whole months; ValueError for anything else."""
        y1, m1 = _month(first)
        y2, m2 = _month(last)
        return cls(date(y1, m1, 1), date(y2, m2, calendar.monthrange(y2, m2)[1]))

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=UTC)

    @property
    def end_before(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=UTC)

    def months(self) -> list[str]:
        out, y, m = [], self.start.year, self.start.month
        while (y, m) <= (self.end.year, self.end.month):
            out.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out

    def contains(self, column: Any) -> ColumnElement[bool]:
        return and_(column >= self.start_at, column < self.end_before)


def _month(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{4})-(\d{2})", (text or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"{text!r} is not a month like 2026-04")
    return int(match.group(1)), int(match.group(2))


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    chart: list[tuple[str, float]] = field(default_factory=list)
    chart_label: str = ""
    note: str = ""


def month_bucket(session: Session, column: Any) -> ColumnElement[Any]:
    """The UTC month of a timestamp, for GROUP BY; read results through `month_text`.

    SQLite: strftime('%Y-%m'). PostgreSQL: date_trunc('month', ts AT TIME ZONE 'UTC'): grouping
    on a timestamp lets the planner hash-aggregate, about twice as fast over a million rows as
    grouping on to_char() text (see bench/reports_bench.py).
    """
    if session.get_bind().dialect.name == "postgresql":
        return func.date_trunc("month", func.timezone("UTC", column))
    return func.strftime("%Y-%m", column)


def month_text(value: Any) -> str:
    """'YYYY-MM' from either dialect's month bucket."""
    return value.strftime("%Y-%m") if isinstance(value, datetime | date) else str(value)[:7]


def percentile(values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (PostgreSQL's percentile_cont)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
