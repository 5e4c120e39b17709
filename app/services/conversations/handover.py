"""Handing a caller to a person: who is on duty, whether the line is open, and the case for it.

Within opening hours (settings.opening_hours, closed on England and Wales bank holidays) the call
rings everyone on duty now (app.services.staff.duty: switch or rota) at once; otherwise, or when
nobody answers, the caller leaves a voicemail. Either way a `needs_staff` case exists from the
moment of hand-over (with the answers given so far and a callback due time), so a caller who
hangs up while it rings is still called back.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.domain.opening_hours import OpeningHours, OpeningHoursError, parse_opening_hours
from app.domain.phone import parse_phone
from app.services.staff.duty import on_duty_staff
from app.settings import Settings

log = logging.getLogger(__name__)

#: Twilio rings at most 10 <Number>s in one <Dial>.
MAX_DIAL_NUMBERS = 10


def opening_hours(settings: Settings) -> OpeningHours | None:
    """The line's timetable, or None when the setting cannot be read.

    Settings are checked when they load, so an unreadable OPENING_HOURS here can only come from
    settings built by hand; callers then go to voicemail rather than ringing nobody.
    """
    try:
        return parse_opening_hours(settings.opening_hours, settings.bank_holiday_region)
    except OpeningHoursError as exc:
        log.warning("opening hours unusable (%s): sending callers to voicemail",
                    type(exc).__name__)
        return None


def line_is_open(settings: Settings, now: datetime) -> bool:
    """Whether a person can be rung now, in the bank-holiday region the line serves."""
    hours = opening_hours(settings)
    return hours is not None and hours.is_open(now)


def callback_due(settings: Settings, now: datetime) -> datetime:
    """When a call-back is due: CALLBACK_DUE_MINUTES of opening hours from now, so a request
    made on Friday evening is due on Monday morning, not in the middle of the night. Without a
    usable timetable the minutes are counted on the clock."""
    minutes = timedelta(minutes=settings.callback_due_minutes)
    hours = opening_hours(settings)
    due = hours.add_open_time(now, minutes) if hours is not None else None
    return due if due is not None else now + minutes


def opening_words(settings: Settings, now: datetime, language: str) -> str | None:
    """"at 9am on Monday": when the line next opens, for a caller; None when it never does."""
    hours = opening_hours(settings)
    return hours.opening_words(now, language) if hours is not None else None


def on_duty_numbers(session: Session, now: datetime, region: str = "GB") -> list[str]:
    """E.164 numbers of whoever is on duty now (switch or rota), deduplicated."""
    numbers: list[str] = []
    for raw in (staff.phone for staff in on_duty_staff(session, now)):
        parsed = parse_phone(raw, region)
        if parsed.is_number and parsed.e164 not in numbers:
            numbers.append(parsed.e164)
    return numbers[:MAX_DIAL_NUMBERS]


def numbers_to_dial(session: Session, settings: Settings, now: datetime) -> list[str]:
    """Whom to ring for a hand-over now; empty means "take a voicemail"."""
    if not line_is_open(settings, now):
        return []
    return on_duty_numbers(session, now, settings.default_region)
