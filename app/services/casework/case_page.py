"""What the case page shows: the merged timeline and the matching's ranked suggestions.

The timeline is built from four tables (events, SMS, calls, offers) and merged by time, because
each of them is written by a different part of the service and none of them alone tells the
story. Suggestions come from `app.services.matching.matcher.suggest_volunteers`; when it fails,
the page says so plainly instead of showing an empty list as if nobody fitted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.case import Case, CaseEvent
from app.models.directory import DirectoryService
from app.models.message import Call, Message
from app.models.staff import StaffUser
from app.models.volunteer import Offer, Volunteer
from app.services.matching.matcher import suggest_volunteers

log = logging.getLogger(__name__)


@dataclass
class TimelineItem:
    at: datetime
    kind: str  # event | sms_in | sms_out | call | offer | note
    title: str
    body: str = ""
    meta: str = ""
    recording_call_id: int | None = None  # a voicemail: played through the console, logged


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


def build_timeline(session: Session, case: Case) -> list[TimelineItem]:
    staff = {u.id: u.name or u.email for u in session.scalars(select(StaffUser))}
    items = [_event(e, staff) for e in session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.message_id.is_(None)))]
    for m in session.scalars(select(Message).where(Message.case_id == case.id)):
        inbound = m.direction == "inbound"
        who = "resident" if m.volunteer_id is None else "volunteer"
        items.append(TimelineItem(
            m.created_at, "sms_in" if inbound else "sms_out",
            f"SMS from {who}" if inbound else f"SMS to {who} ({m.purpose.replace('_', ' ')})",
            m.body, f"Status: {m.status}"))
    for c in session.scalars(select(Call).where(Call.case_id == case.id)):
        length = f", {c.duration_seconds} s" if c.duration_seconds else ""
        items.append(TimelineItem(
            c.created_at, "call", f"{c.direction.capitalize()} call",
            "Voicemail left" if c.recording_url else "", f"Status: {c.status}{length}",
            recording_call_id=c.id if c.recording_url else None))
    names = _volunteer_names(session, case)
    for o in session.scalars(select(Offer).where(Offer.case_id == case.id)):
        answered = f", answered {o.answered_at:%d %b %H:%M}" if o.answered_at else ""
        items.append(TimelineItem(
            o.created_at, "offer", f"Offer {o.attempt} to {names.get(o.volunteer_id, 'volunteer')}",
            "", f"Offer status: {o.status}{answered}"))
    items.sort(key=lambda i: i.at)
    return items


def _event(e: CaseEvent, staff: dict[int, str]) -> TimelineItem:
    by = f"by {staff.get(e.staff_user_id, 'staff')}" if e.staff_user_id else "automatic"
    title = e.kind.replace("_", " ").capitalize()
    return TimelineItem(e.created_at, "note" if e.kind == "note" else "event",
                        "Staff note" if e.kind == "note" else title, e.summary, by)


def _volunteer_names(session: Session, case: Case) -> dict[int, str]:
    ids = select(Offer.volunteer_id).where(Offer.case_id == case.id)
    return {v.id: v.name for v in session.scalars(select(Volunteer).where(Volunteer.id.in_(ids)))}


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


def assignable_volunteers(session: Session) -> list[Volunteer]:
    return list(session.scalars(select(Volunteer).where(
        Volunteer.active.is_(True), Volunteer.opted_out.is_(False),
        Volunteer.approval_status == "approved").order_by(Volunteer.name)))
