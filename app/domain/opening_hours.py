"""When the help-line's people are on duty: weekly hours in UK local time, closed on bank holidays.

The spec is one line, so it fits an environment variable (OPENING_HOURS) and is read by staff:

    "Mon-Fri 09:00-17:00; Sat 10:00-13:00"
    "Mon,Wed,Fri 09:00-12:30,13:30-17:00; Daily 18:00-20:00"

Groups are separated by ";"; each is days (Mon..Sun, ranges "Mon-Fri", lists "Mon,Thu", or
"Daily") then one or more "HH:MM-HH:MM" windows (an end of 24:00 means midnight). A window never
crosses midnight: write "Fri 22:00-24:00; Sat 00:00-02:00" instead, which keeps every rule about
one calendar day and so DST-safe.

Everything is evaluated in Europe/London wall-clock time (zoneinfo), because the hours people
publish are wall-clock hours: "9am" is 09:00 GMT in January and 09:00 BST in July. Bank holidays
come from the maintained `holidays` package (England & Wales by default; Scotland and Northern
Ireland have different ones), so nobody has to type in next year's dates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property, lru_cache

import holidays

from app.domain.uk_time import LONDON

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
FULL_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: The UK's bank-holiday areas, as the `holidays` package names them.
BANK_HOLIDAY_REGIONS = ("ENG", "WLS", "SCT", "NIR")
_WINDOW = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
#: How far ahead `next_opening` looks: a year covers any real timetable plus its holidays.
_HORIZON_DAYS = 400


class OpeningHoursError(ValueError):
    """A spec that cannot be read; the message is one line, says what is wrong and where."""


@dataclass(frozen=True, order=True)
class Window:
    """Open from `start` to `end` minutes after local midnight on `weekday` (0 = Monday)."""

    weekday: int
    start: int
    end: int


@dataclass(frozen=True)
class OpeningHours:
    windows: tuple[Window, ...]
    region: str = "ENG"
    spec: str = field(default="", compare=False)

    @cached_property
    def _holidays(self) -> holidays.HolidayBase:
        return holidays.country_holidays("GB", subdiv=self.region)

    def is_bank_holiday(self, day: date) -> bool:
        return day in self._holidays

    def is_open(self, at: datetime) -> bool:
        """True when `at` (timezone-aware) falls in a window, in London time, on a working day."""
        local = _local(at)
        if self.is_bank_holiday(local.date()):
            return False
        minute = local.hour * 60 + local.minute
        return any(
            w.weekday == local.weekday() and w.start <= minute < w.end for w in self.windows
        )

    def next_opening(self, at: datetime) -> datetime | None:
        """The first moment at or after `at` when the line is open (aware, London time).

        `at` itself when open now; None only for a timetable with no windows at all.
        """
        if self.is_open(at):
            return _local(at)
        local = _local(at)
        for offset in range(_HORIZON_DAYS):
            day = local.date() + timedelta(days=offset)
            if self.is_bank_holiday(day):
                continue
            for window in sorted(w for w in self.windows if w.weekday == day.weekday()):
                start = _wall_clock(day, window.start)
                if start > local:
                    return start
        return None

    def add_open_time(self, start: datetime, duration: timedelta) -> datetime | None:
        """The moment `duration` of opening hours after `start`: a call-back SLA counted in the
        hours someone is there to make the call, so it rolls over nights, weekends and bank
        holidays. From a closed moment the count starts at the next opening. None only when
        the timetable has no windows within a year."""
        local = _local(start)
        remaining = max(duration, timedelta(0))
        for offset in range(_HORIZON_DAYS):
            day = local.date() + timedelta(days=offset)
            if self.is_bank_holiday(day):
                continue
            for window in sorted(w for w in self.windows if w.weekday == day.weekday()):
                begin = max(_wall_clock(day, window.start), local)
                end = _wall_clock(day, window.end)
                if begin >= end:
                    continue
                if remaining <= end - begin:
                    return (begin + remaining).astimezone(LONDON)
                remaining -= end - begin
        return None

    def opening_words(self, at: datetime, language: str = "en") -> str | None:
        """When the line next opens, for a sentence read to a caller or texted: "at 9am on
        Monday", "at 9am tomorrow" (English), "w poniedziałek o 9:00" (Polish). Languages
        without words here get English."""
        opening = self.next_opening(at)
        if opening is None:
            return None
        days = (opening.date() - _local(at).date()).days
        words = _OPENING_WORDS.get(language, _OPENING_WORDS["en"])
        if language not in _OPENING_WORDS:
            language = "en"
        clock = spoken_time(opening.time()) if language == "en" else f"{opening:%H:%M}"
        if days == 0:
            when = words["today"]
        elif days == 1:
            when = words["tomorrow"]
        elif days < 7:
            when = words["weekday"].format(day=words["days"][opening.weekday()])
        else:
            when = words["date"].format(day=words["days"][opening.weekday()], date=opening.day,
                                        month=words["months"][opening.month - 1])
        return words["pattern"].format(clock=clock, when=when)


_OPENING_WORDS: dict[str, dict] = {
    "en": {"pattern": "at {clock} {when}", "today": "today", "tomorrow": "tomorrow",
           "weekday": "on {day}", "date": "on {day} {date} {month}", "days": FULL_DAY_NAMES,
           "months": ("January", "February", "March", "April", "May", "June", "July",
                      "August", "September", "October", "November", "December")},
    "pl": {"pattern": "{when} o {clock}", "today": "dziś", "tomorrow": "jutro",
           "weekday": "w {day}", "date": "w {day} {date} {month}",
           "days": ("poniedziałek", "wtorek", "środę", "czwartek", "piątek", "sobotę",
                    "niedzielę"),
           "months": ("stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca",
                      "sierpnia", "września", "października", "listopada", "grudnia")},
}


def spoken_time(value: time) -> str:
    """09:00 -> "9am", 13:30 -> "1:30pm", 12:00 -> "12 noon", 00:00 -> "midnight"."""
    if value.hour == 0 and value.minute == 0:
        return "midnight"
    if value.hour == 12 and value.minute == 0:
        return "12 noon"
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}:{value.minute:02d}{suffix}"


@lru_cache(maxsize=32)
def parse_opening_hours(spec: str, region: str = "ENG") -> OpeningHours:
    """Read a spec (see the module docstring) or raise `OpeningHoursError` with one line.

    Kept per (spec, region): a hand-over asks "is the line open", "ring whom", "when is the
    call-back due" and "when does it open" of the same setting, and the result is immutable."""
    region = (region or "").strip().upper()
    if region not in BANK_HOLIDAY_REGIONS:
        raise OpeningHoursError(
            f"bank holiday region must be one of {', '.join(BANK_HOLIDAY_REGIONS)}, not {region!r}"
        )
    groups = [g.strip() for g in (spec or "").split(";")]
    if not any(groups):
        raise OpeningHoursError("opening hours are empty: expected e.g. 'Mon-Fri 09:00-17:00'")
    windows: set[Window] = set()
    for group in groups:
        if not group:
            raise OpeningHoursError(f"empty group in opening hours {spec!r} (a stray ';'?)")
        windows.update(_parse_group(group))
    return OpeningHours(windows=tuple(sorted(windows)), region=region, spec=spec.strip())


def _parse_group(group: str) -> list[Window]:
    parts = group.split(None, 1)
    if len(parts) != 2:
        raise OpeningHoursError(f"{group!r}: expected days then times, e.g. 'Mon-Fri 09:00-17:00'")
    days = _parse_days(parts[0], group)
    spans = [_parse_window(text.strip(), group) for text in parts[1].split(",")]
    return [Window(day, start, end) for day in days for start, end in spans]


def _parse_days(text: str, group: str) -> list[int]:
    if text.lower() == "daily":
        return list(range(7))
    days: list[int] = []
    for item in text.split(","):
        ends = item.split("-")
        if len(ends) > 2 or not all(ends):
            raise OpeningHoursError(f"{group!r}: {item!r} is not a day or a range like Mon-Fri")
        first, last = (_day(e, group) for e in (ends[0], ends[-1]))
        if last < first:
            raise OpeningHoursError(f"{group!r}: day range {item!r} runs backwards")
        days.extend(range(first, last + 1))
    return days


def _day(text: str, group: str) -> int:
    name = text.strip().title()
    for index, (short, full) in enumerate(zip(DAY_NAMES, FULL_DAY_NAMES, strict=True)):
        if name in (short, full):
            return index
    raise OpeningHoursError(f"{group!r}: unknown day {text!r} (use Mon, Tue, ... Sun)")


def _parse_window(text: str, group: str) -> tuple[int, int]:
    match = _WINDOW.match(text)
    if not match:
        raise OpeningHoursError(f"{group!r}: {text!r} is not a time range like 09:00-17:00")
    sh, sm, eh, em = (int(g) for g in match.groups())
    if sh > 23 or sm > 59 or em > 59 or eh > 24 or (eh == 24 and em):
        raise OpeningHoursError(f"{group!r}: {text!r} has an impossible time")
    start, end = sh * 60 + sm, eh * 60 + em
    if end <= start:
        raise OpeningHoursError(
            f"{group!r}: {text!r} must end after it starts (split a window at midnight)"
        )
    return start, end


def _local(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("opening hours need a timezone-aware datetime")
    return at.astimezone(LONDON)


def _wall_clock(day: date, minute: int) -> datetime:
    """London wall-clock time on `day`, normalised through UTC so a time in the spring-forward
    gap (01:30 on the last Sunday of March) becomes the real instant just after it."""
    if minute >= 24 * 60:
        naive = datetime.combine(day + timedelta(days=1), time(0, 0))
    else:
        naive = datetime.combine(day, time(minute // 60, minute % 60))
    return naive.replace(tzinfo=LONDON).astimezone(UTC).astimezone(LONDON)
