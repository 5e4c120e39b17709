"""Dated absences: staff record "away 14-28 Dec" on a volunteer's page; matching skips them.

Dates are UK local dates (Europe/London), both ends included, because that is how a volunteer
says it on the phone. An absence may not end in the past (it would change nothing), may not
start more than MAX_AHEAD_DAYS ahead nor last more than MAX_DAYS (a typo in the year, not a
plan), and a volunteer holds at most MAX_OPEN of them at once. Adding one that covers today
withdraws the offers they hold, as pausing does (the caller does that: it commits). Flushes only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.uk_time import uk_today
from app.models.volunteer import Volunteer, VolunteerAbsence

MAX_DAYS = 366
MAX_AHEAD_DAYS = 2 * 366
MAX_OPEN = 20
NOTE_LIMIT = 200


class AbsenceInvalid(ValueError):
    """The absence cannot be recorded; the message says why in one sentence."""


@dataclass(frozen=True)
class AbsenceRow:
    absence: VolunteerAbsence
    current: bool  # covers today


def upcoming(session: Session, volunteer: Volunteer, now: datetime) -> list[AbsenceRow]:
    """The absences not yet over (today's first), earliest first."""
    today = uk_today(now)
    rows = session.scalars(select(VolunteerAbsence).where(
        VolunteerAbsence.volunteer_id == volunteer.id, VolunteerAbsence.ends_on >= today)
        .order_by(VolunteerAbsence.starts_on, VolunteerAbsence.id))
    return [AbsenceRow(a, a.starts_on <= today) for a in rows]


def add_absence(session: Session, volunteer: Volunteer, starts_on: date | None,
                ends_on: date | None, note: str | None, now: datetime,
                user_id: int | None = None) -> VolunteerAbsence:
    """Record an absence after checking it (AbsenceInvalid says what is wrong)."""
    today = uk_today(now)
    if starts_on is None or ends_on is None:
        raise AbsenceInvalid("Give both the first and the last day of the absence.")
    if ends_on < starts_on:
        raise AbsenceInvalid("The last day must be on or after the first day.")
    if ends_on < today:
        raise AbsenceInvalid("That absence is already over; give dates from today on.")
    if starts_on > today + timedelta(days=MAX_AHEAD_DAYS):
        raise AbsenceInvalid("That absence starts more than two years ahead; check the year.")
    if (ends_on - starts_on).days + 1 > MAX_DAYS:
        raise AbsenceInvalid(f"An absence can last at most {MAX_DAYS} days; to stop offers "
                             "for longer, pause the volunteer instead.")
    text = (note or "").strip()
    if len(text) > NOTE_LIMIT or any(ord(c) < 32 for c in text):
        raise AbsenceInvalid(f"The note must be plain text of at most {NOTE_LIMIT} characters.")
    held = session.scalar(select(func.count()).select_from(VolunteerAbsence).where(
        VolunteerAbsence.volunteer_id == volunteer.id, VolunteerAbsence.ends_on >= today))
    if (held or 0) >= MAX_OPEN:
        raise AbsenceInvalid(f"{volunteer.name} already has {MAX_OPEN} absences to come; "
                             "remove one first.")
    absence = VolunteerAbsence(volunteer_id=volunteer.id, starts_on=starts_on, ends_on=ends_on,
                               note=text or None, created_by_user_id=user_id, created_at=now)
    session.add(absence)
    volunteer.updated_at = now
    session.flush()
    return absence


def remove_absence(session: Session, volunteer: Volunteer, absence_id: int,
                   now: datetime) -> VolunteerAbsence | None:
    """Delete one of this volunteer's absences; None when it is not theirs (or already gone)."""
    absence = session.get(VolunteerAbsence, absence_id) if 0 < absence_id < 2**31 else None
    if absence is None or absence.volunteer_id != volunteer.id:
        return None
    session.delete(absence)
    volunteer.updated_at = now
    session.flush()
    return absence


def describe(absence: VolunteerAbsence) -> str:
    """`Mon 14 Dec 2026 to Mon 28 Dec 2026` (or one day)."""
    first = f"{absence.starts_on:%a} {absence.starts_on.day} {absence.starts_on:%b %Y}"
    if absence.ends_on == absence.starts_on:
        return first
    return f"{first} to {absence.ends_on:%a} {absence.ends_on.day} {absence.ends_on:%b %Y}"
