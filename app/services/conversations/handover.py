"""Handing a caller to a person: who is on duty, whether the line is open, and the case for it.

Within opening hours (settings.opening_hours, closed on England and Wales bank holidays) the call
rings everyone on duty now (app.services.staff.duty: switch or rota) at once; otherwise, or when
nobody answers, the caller leaves a voicemail. Either way a `needs_staff` case exists from the
moment of hand-over (with the answers given so far and a callback due time), so a caller who
hangs up while it rings is still called back.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from app.domain.opening_hours import OpeningHoursError, parse_opening_hours
from app.domain.phone import parse_phone
from app.services.staff.duty import on_duty_staff
from app.settings import Settings

log = logging.getLogger(__name__)

#: Twilio rings at most 10 <Number>s in one <Dial>.
MAX_DIAL_NUMBERS = 10


def line_is_open(settings: Settings, now: datetime) -> bool:
    """Whether a person can be rung now, in the bank-holiday region the line serves.

    Settings are checked when they load, so an unreadable OPENING_HOURS here can only come from
    settings built by hand; callers then go to voicemail rather than ringing nobody.
    """
    try:
        hours = parse_opening_hours(settings.opening_hours, settings.bank_holiday_region)
        return hours.is_open(now)
    except OpeningHoursError as exc:
        log.warning("opening hours unusable (%s): sending callers to voicemail",
                    type(exc).__name__)
        return False


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
