"""`here2help volunteers import FILE.csv`: good rows in, each bad row reported, nothing lost.

Columns (header row required, any order; names are case-insensitive):

    name, phone, postcode, needs                       required
    max_distance_km, dbs_status, dbs_expires_on, kind, contact_name, capacity, email, active,
    availability, max_open_assignments, notes          optional

`needs` is a list separated by `;` (e.g. `food;prescriptions`); dates are `YYYY-MM-DD` or
`DD/MM/YYYY`; `availability` is like `mon 09:00-12:00; sat 10:00-16:00`; `active` is yes/no.
A phone number already on the register UPDATES that volunteer (so a corrected sheet can be
imported again); the summary counts created and updated rows separately. Each row is checked
with the same rules as the API (volunteers.register) and saved in its own SAVEPOINT, so a bad
row never spoils its neighbours; work is committed every BATCH rows.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from app.services.volunteers.register import (
    FIELDS,
    VolunteerInvalid,
    create_volunteer,
    find_by_phone,
    update_volunteer,
    validate,
)

REQUIRED_COLUMNS = ("name", "phone", "postcode", "needs")
COLUMNS = REQUIRED_COLUMNS + ("max_distance_km", "dbs_status", "dbs_expires_on", "kind",
                              "contact_name", "capacity", "email", "active", "availability",
                              "max_open_assignments", "notes")
BATCH = 500
MAX_REASON = 300


class ImportRefused(ValueError):
    """The file as a whole cannot be imported (no header, missing columns); one line."""


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.created + self.updated

    def summary(self) -> str:
        return (f"{self.imported} imported ({self.created} new, {self.updated} updated), "
                f"{len(self.errors)} rejected")


def import_volunteers_csv(session: Session, lines: Iterable[str], now: datetime, *,
                          progress: Callable[[int], None] | None = None,
                          on_error: Callable[[int, str], None] | None = None) -> ImportReport:
    reader = csv.reader(lines)
    header = _header(reader)
    report = ImportReport()
    rows = 0
    start = reader.line_num + 1
    for values in reader:
        line, start = start, reader.line_num + 1
        if not any(v.strip() for v in values):
            continue
        rows += 1
        reason = _import_row(session, header, values, now, report)
        if reason is not None:
            report.errors.append((line, reason[:MAX_REASON]))
            if on_error:
                on_error(line, reason[:MAX_REASON])
        if rows % BATCH == 0:
            session.commit()
        if progress and rows % 1000 == 0:
            progress(rows)
    session.commit()
    return report


def _header(reader: Iterable[list[str]]) -> list[str]:
    try:
        raw = next(iter(reader))
    except StopIteration:
        raise ImportRefused("the file is empty: it needs a header row") from None
    header = [h.strip().lower().lstrip("\ufeff") for h in raw]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ImportRefused(f"missing column(s): {', '.join(missing)} "
                            f"(columns: {', '.join(COLUMNS)})")
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise ImportRefused(f"unknown column(s): {', '.join(unknown)[:200]} "
                            f"(columns: {', '.join(COLUMNS)})")
    return header


def _import_row(session: Session, header: list[str], values: list[str], now: datetime,
                report: ImportReport) -> str | None:
    if len(values) != len(header):
        return f"expected {len(header)} values, found {len(values)}"
    data = {k: v for k, v in zip(header, values, strict=True) if v.strip() and k in FIELDS}
    try:
        clean_phone = validate({"phone": data.get("phone", "")}, partial=True).get("phone")
        existing = find_by_phone(session, clean_phone) if clean_phone else None
        with session.begin_nested():
            if existing is None:
                create_volunteer(session, data, now, source="csv_import")
                report.created += 1
            else:
                validate(data)  # the full rules, then only the columns given are changed
                update_volunteer(session, existing, data, now)
                report.updated += 1
    except VolunteerInvalid as exc:
        return " ".join(f"{name}: {' '.join(msgs)}" for name, msgs in exc.errors.items())
    return None
