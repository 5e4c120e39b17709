"""What the case page shows: the merged timeline and the matching's ranked suggestions.

The timeline (app.services.casework.timeline_view) merges events, SMS both ways, calls with
their IVR steps, and offers by time. Suggestions come from
`app.services.matching.matcher.suggest_volunteers`; when it fails, the page says so plainly
instead of showing an empty list as if nobody fitted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.domain.enums import ApprovalStatus
from app.domain.uk_time import uk_today
from app.models.case import Case
from app.models.directory import DirectoryService
from app.models.volunteer import Volunteer
from app.repositories.absences import absent_until
from app.services.casework.timeline_view import TimelineItem, build_timeline
from app.services.matching.matcher import suggest_volunteers

__all__ = ["Suggestion", "Suggestions", "TimelineItem", "assignable_volunteers",
           "build_timeline", "signpost_options", "suggest"]

log = logging.getLogger(__name__)


@dataclass
class Suggestion:
    volunteer_id: int
    name: str
    reasons: list[str] = field(default_factory=list)
    score: float | None = None
    distance_km: float | None = None


@dataclass
class Suggestions:
    items: list[Suggestion]
    unavailable: str | None = None  # a plain reason when matching could not run


def suggest(session: Session, case: Case, now: datetime) -> Suggestions:
    try:
        ranked = suggest_volunteers(session, case, now)
    except Exception:  # a bug in matching must not take the case page down
        log.exception("suggest_volunteers failed for case %s", case.id)
        return Suggestions([], "Volunteer suggestions could not be worked out just now. You "
                               "can still choose a volunteer below.")
    return Suggestions([_suggestion(session, r) for r in ranked])


def _suggestion(session: Session, item: Any) -> Suggestion:
    """Accepts the matching module's result objects (or dicts) without depending on its class."""
    get = item.get if isinstance(item, dict) else (lambda k, d=None: getattr(item, k, d))
    volunteer = get("volunteer")
    vid = volunteer.id if volunteer is not None else get("volunteer_id")
    name = volunteer.name if volunteer is not None else get("name") or ""
    if not name and vid is not None:
        found = session.get(Volunteer, vid)
        name = found.name if found else f"Volunteer {vid}"
    reasons = get("reasons") or get("explanation") or []
    if isinstance(reasons, dict):
        reasons = [f"{k.replace('_', ' ')}: {v}" for k, v in reasons.items()]
    elif isinstance(reasons, str):
        reasons = [reasons]
    return Suggestion(int(vid), name, [str(r) for r in reasons], get("score"),
                      get("distance_km"))


def signpost_options(session: Session, case: Case) -> list[DirectoryService]:
    """Active services for the case's need first, then the rest, by name."""
    services = list(session.scalars(select(DirectoryService).where(
        DirectoryService.status == "active").order_by(DirectoryService.name)))
    return sorted(services, key=lambda s: (case.need not in (s.needs or []), s.name))


def assignable_volunteers(session: Session, now: datetime) -> list[Volunteer]:
    """The volunteers staff may offer a case to now: neither paused, away nor absent (the
    offer would be refused otherwise: casework.actions.assign_volunteer)."""
    volunteers = list(session.scalars(select(Volunteer).where(
        Volunteer.active.is_(True), Volunteer.opted_out.is_(False),
        Volunteer.approval_status == ApprovalStatus.APPROVED,
        or_(Volunteer.away_until.is_(None), Volunteer.away_until <= now))
        .order_by(Volunteer.name)))
    absent = absent_until(session, [v.id for v in volunteers], uk_today(now))
    return [v for v in volunteers if v.id not in absent]
