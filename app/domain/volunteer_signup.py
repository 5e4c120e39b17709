"""Signing up by SMS: reading a volunteer's answers about needs and hours, and describing
weekly hours in words. Pure functions; the conversation itself is app.services.volunteers.join.

Answers come from a phone keyboard, so both numbers from the list sent ("1 4", "1,4", "1&4")
and words ("shopping and lifts", "weekends") are understood, several at once. Anything that is
neither a listed number, a known word nor a small filler word ("and", "I", "can") makes the
whole answer unreadable: the person is asked again with a hint rather than half-understood.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from app.domain.matching import DAYS

#: The needs a volunteer is asked about, numbered as in the SMS (value, short words).
NEED_CHOICES: tuple[tuple[str, str], ...] = (
    ("food", "Shopping"), ("prescriptions", "Prescriptions"), ("befriending", "Phone calls"),
    ("transport", "Lifts"), ("money", "Money help"), ("wellbeing", "Wellbeing"),
    ("other", "Other jobs"),
)
NEED_WORDS: dict[str, str] = {
    "food": "food", "shopping": "food", "shop": "food", "groceries": "food",
    "prescription": "prescriptions", "prescriptions": "prescriptions",
    "pharmacy": "prescriptions", "medicine": "prescriptions", "medicines": "prescriptions",
    "befriending": "befriending", "phone": "befriending", "calls": "befriending",
    "call": "befriending", "chat": "befriending", "chats": "befriending",
    "company": "befriending", "friendship": "befriending",
    "lift": "transport", "lifts": "transport", "transport": "transport",
    "driving": "transport", "drive": "transport", "driver": "transport",
    "money": "money", "wellbeing": "wellbeing", "other": "other", "odd": "other",
    "jobs": "other",
}
#: Weekly hours a volunteer can choose from, as windows on the matching calendar (UK time).
WEEKDAYS = DAYS[:5]
AVAILABILITY_CHOICES: tuple[tuple[str, str, tuple[str, ...], tuple[str, str]], ...] = (
    ("weekday_days", "Weekday daytimes", WEEKDAYS, ("09:00", "17:00")),
    ("weekday_evenings", "Weekday evenings", WEEKDAYS, ("17:00", "21:00")),
    ("weekends", "Weekends", DAYS[5:], ("09:00", "18:00")),
)
AVAILABILITY_WORDS: dict[str, str] = {
    "weekday": "weekday_days", "weekdays": "weekday_days", "daytime": "weekday_days",
    "daytimes": "weekday_days", "days": "weekday_days", "day": "weekday_days",
    "evening": "weekday_evenings", "evenings": "weekday_evenings",
    "weekend": "weekends", "weekends": "weekends", "saturday": "weekends",
    "saturdays": "weekends", "sunday": "weekends", "sundays": "weekends",
}
ANY_WORDS = frozenset({"any", "anytime", "all", "whenever", "flexible", "anything"})
_FILLER = frozenset({"and", "or", "i", "can", "do", "help", "with", "please", "the", "a", "in",
                     "on", "at", "also", "both", "time", "times", "thanks", "thank", "you",
                     "plus", "x"})
_TOKEN = re.compile(r"[a-z]+|\d+")
MAX_ANSWER = 160


def parse_needs(text: str) -> list[str] | None:
    """The needs named, in list order without repeats; None when the answer is unreadable."""
    picked = _pick(text, {str(i): [v] for i, (v, _) in enumerate(NEED_CHOICES, start=1)},
                   {w: [v] for w, v in NEED_WORDS.items()},
                   {w: [v for v, _ in NEED_CHOICES] for w in ("all", "any", "anything")})
    if not picked:
        return None
    order = [v for v, _ in NEED_CHOICES]
    return sorted(set(picked), key=order.index)


def parse_availability(text: str) -> dict[str, list[list[str]]] | None:
    """Weekly windows for the choices named; {} for "any time"; None when unreadable."""
    keys = [k for k, _, _, _ in AVAILABILITY_CHOICES]
    picked = _pick(text, {str(i): [k] for i, k in enumerate(keys, start=1)},
                   {w: [k] for w, k in AVAILABILITY_WORDS.items()},
                   {w: ["any"] for w in ANY_WORDS})
    if not picked:
        return None
    if "any" in picked:
        return {}
    windows: dict[str, list[list[str]]] = {}
    for key, _, days, window in AVAILABILITY_CHOICES:
        if key in picked:
            for day in days:
                windows.setdefault(day, []).append(list(window))
    return {day: windows[day] for day in DAYS if day in windows}


def _pick(text: str, numbers: Mapping[str, list[str]], words: Mapping[str, list[str]],
          special: Mapping[str, list[str]]) -> list[str] | None:
    if not text or len(text) > MAX_ANSWER:
        return None
    picked: list[str] = []
    for token in _TOKEN.findall(text.lower()):
        found = numbers.get(token) if token.isdigit() else (
            special.get(token) or words.get(token) or words.get(token.rstrip("s")))
        if found is None:
            if token.isdigit() or token not in _FILLER:
                return None
            continue
        picked.extend(found)
    return picked or None


def describe_availability(availability: Mapping[str, Sequence[Sequence[str]]] | None) -> str:
    """`Mon-Fri 09:00-17:00; Sat, Sun 09:00-18:00`; "Any time" when no hours were given."""
    if not availability:
        return "Any time"
    by_window: dict[tuple[str, str], list[str]] = {}
    for day in DAYS:
        for window in availability.get(day, ()) or ():
            if len(window) == 2:
                by_window.setdefault((str(window[0]), str(window[1])), []).append(day)
    parts = []
    for (start, end), days in sorted(by_window.items(), key=lambda i: (DAYS.index(i[1][0]),
                                                                     i[0])):
        parts.append(f"{_days_words(days)} {start}-{end}")
    return "; ".join(parts) or "Any time"


def availability_text(availability: Mapping[str, Sequence[Sequence[str]]] | None) -> str:
    """The editable form of weekly hours: `mon 09:00-12:00; sat 10:00-16:00` ("" = any time)."""
    parts = []
    for day in DAYS:
        for window in (availability or {}).get(day, ()) or ():
            if len(window) == 2:
                parts.append(f"{day} {window[0]}-{window[1]}")
    return "; ".join(parts)


def _days_words(days: list[str]) -> str:
    indexes = [DAYS.index(d) for d in days]
    if len(days) > 2 and indexes == list(range(indexes[0], indexes[-1] + 1)):
        return f"{days[0].title()}-{days[-1].title()}"
    return ", ".join(d.title() for d in days)
