"""Who is on duty at a moment: a person's hand-set switch and their weekly rota.

The rule, so that a rota runs the line without anyone remembering to toggle, yet a person can
always step in or out: the switch as last set by hand holds until the next boundary (a start or
an end) of that person's own rota; from then on the rota decides again. Someone with no rota is
on duty exactly when their switch says so. Rota times are London wall-clock, as staff read them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from app.domain.uk_time import LONDON

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_HHMM = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


class RotaError(ValueError):
    """A rota slot that cannot be used; the message is one line, for the person."""


@dataclass(frozen=True)
class RotaSlot:
    weekday: int  # 0 = Monday
    starts: str  # "HH:MM"
    ends: str  # "HH:MM", later than starts; "24:00" is the end of the day


def parse_clock(raw: str) -> tuple[int, int]:
    """`"09:30"` -> (9, 30); "24:00" is allowed as an end of day."""
    match = _HHMM.match((raw or "").strip())
    if not match or (match.group(1) == "24" and match.group(2) != "00"):
        raise RotaError(f"not a time of day (HH:MM): {raw!r}"[:120])
    return int(match.group(1)), int(match.group(2))


def check_slot(weekday: int | str, starts: str, ends: str) -> RotaSlot:
    """A valid slot from form or CLI input, or RotaError saying what is wrong."""
    try:
        day = int(weekday)
    except (TypeError, ValueError):
        raise RotaError("choose a day of the week") from None
    if not 0 <= day <= 6:
        raise RotaError("choose a day of the week")
    start, end = parse_clock(starts), parse_clock(ends)
    if start >= end:
        raise RotaError("the end time must be later than the start time (split a night shift)")
    if start == (24, 0):
        raise RotaError("a slot cannot start at 24:00")
    return RotaSlot(day, f"{start[0]:02d}:{start[1]:02d}", f"{end[0]:02d}:{end[1]:02d}")


def _at(day: datetime, clock: str) -> datetime:
    """London wall-clock `clock` on `day`'s date, as an aware UTC datetime."""
    hour, minute = parse_clock(clock)
    base = datetime.combine(day.date(), time(0, 0), tzinfo=LONDON)
    if hour == 24:
        moment = datetime.combine(day.date() + timedelta(days=1), time(0, 0), tzinfo=LONDON)
    else:
        moment = base.replace(hour=hour, minute=minute)
    return moment.astimezone(UTC)


def _occurrences(slots: Sequence[RotaSlot], now: datetime,
                 days_back: int = 8) -> Iterable[tuple[datetime, datetime]]:
    """Each slot's (start, end) in UTC on the dates from `days_back` days ago to today."""
    today = now.astimezone(LONDON)
    for back in range(days_back, -1, -1):
        day = today - timedelta(days=back)
        for slot in slots:
            if slot.weekday == day.weekday():
                yield _at(day, slot.starts), _at(day, slot.ends)


def rota_says_on(slots: Sequence[RotaSlot], now: datetime) -> bool:
    return any(start <= now < end for start, end in _occurrences(slots, now))


def last_boundary(slots: Sequence[RotaSlot], now: datetime) -> datetime | None:
    """The latest rota start or end at or before `now` (None: no rota)."""
    moments = [m for pair in _occurrences(slots, now) for m in pair if m <= now]
    return max(moments) if moments else None


def on_duty(switch_on: bool, switch_set_at: datetime | None, slots: Sequence[RotaSlot],
            now: datetime) -> bool:
    """Whether the person is on duty at `now` (see the module docstring for the rule)."""
    if not slots:
        return switch_on
    boundary = last_boundary(slots, now)
    if switch_set_at is not None and (boundary is None or switch_set_at >= boundary):
        return switch_on
    return rota_says_on(slots, now)
