"""Reading the access log back: the admin's viewer and its CSV (who looked at what, when).

The log itself is written by `accounts.record_access` and the console's `log_access`; this
module only filters it. Filters are by staff e-mail (exact or part), case reference and a range
of whole UK days (Europe/London, so a summer evening's row is on the day it happened); the
newest rows come first, at most `MAX_ROWS` at a time. Times are shown in UK time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.uk_time import format_uk, uk_midnight
from app.models.case import Case
from app.models.staff import AccessLogEntry, StaffUser

MAX_ROWS = 1000
COLUMNS = ("when (UK time)", "staff", "role", "action", "case", "target", "address", "detail")


@dataclass(frozen=True)
class AccessLogFilter:
    staff: str = ""  # part of an e-mail address
    case_reference: str = ""
    day_from: date | None = None
    day_to: date | None = None  # inclusive


@dataclass(frozen=True)
class AccessLogRow:
    created_at: datetime
    email: str | None
    role: str | None
    action: str
    case_reference: str | None
    target: str | None
    ip_address: str | None
    detail: dict[str, Any]

    def cells(self) -> tuple[Any, ...]:
        detail = "; ".join(f"{k}={v}" for k, v in sorted(self.detail.items()))
        return (format_uk(self.created_at, "%Y-%m-%d %H:%M:%S"), self.email or "", self.role or "",
                self.action, self.case_reference or "", self.target or "", self.ip_address or "",
                detail)


def search_access_log(session: Session, wanted: AccessLogFilter,
                      limit: int = MAX_ROWS) -> list[AccessLogRow]:
    query = (select(AccessLogEntry, StaffUser.email, StaffUser.role, Case.reference)
             .outerjoin(StaffUser, StaffUser.id == AccessLogEntry.user_id)
             .outerjoin(Case, Case.id == AccessLogEntry.case_id)
             .order_by(AccessLogEntry.id.desc()).limit(max(1, min(limit, MAX_ROWS))))
    staff = wanted.staff.strip().lower()[:254]
    if staff:
        escaped = staff.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(StaffUser.email.like(f"%{escaped}%", escape="\\"))
    reference = wanted.case_reference.strip().upper()[:12]
    if reference:
        query = query.where(Case.reference == reference)
    if wanted.day_from:
        query = query.where(AccessLogEntry.created_at >= uk_midnight(wanted.day_from))
    if wanted.day_to:
        query = query.where(AccessLogEntry.created_at < uk_midnight(
            wanted.day_to + timedelta(days=1)))
    return [AccessLogRow(entry.created_at, email, role, entry.action, case_ref, entry.target,
                         entry.ip_address, entry.detail or {})
            for entry, email, role, case_ref in session.execute(query)]
