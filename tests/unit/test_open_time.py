"""Call-back due times counted in opening hours, and when the line next opens in words."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from app.domain.opening_hours import parse_opening_hours
from app.services.conversations.handover import callback_due

pytestmark = pytest.mark.clock

WEEKDAYS = parse_opening_hours("Mon-Fri 09:00-17:00")
TWO_HOURS = timedelta(hours=2)


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(("start", "due"), [
    (at(2027, 1, 13, 10, 0), at(2027, 1, 13, 12, 0)),  # Wednesday morning: 2 hours on
    (at(2027, 1, 13, 16, 0), at(2027, 1, 14, 10, 0)),  # 1 hour today, 1 from 09:00 tomorrow
    (at(2027, 1, 15, 16, 30), at(2027, 1, 18, 10, 30)),  # Friday: rolls over the weekend
    (at(2027, 1, 16, 20, 0), at(2027, 1, 18, 11, 0)),  # Saturday night: from Monday 09:00
    (at(2027, 1, 13, 3, 0), at(2027, 1, 13, 11, 0)),  # the small hours: from 09:00
    # Good Friday and Easter Monday 2027 (26 and 29 March) are closed; the clocks change on
    # the Sunday between, so Tuesday opens at 09:00 BST (08:00 UTC).
    (at(2027, 3, 25, 16, 0), at(2027, 3, 30, 9, 0)),
    (at(2027, 7, 2, 15, 0), at(2027, 7, 5, 9, 0)),  # summer Friday 16:00 BST -> Mon 10:00 BST
    (at(2027, 12, 24, 16, 30), at(2027, 12, 29, 10, 30)),  # Christmas and Boxing Day (moved)
])
def test_a_call_back_sla_is_counted_in_opening_hours(start: datetime, due: datetime):
    assert WEEKDAYS.add_open_time(start, TWO_HOURS) == due


def test_split_windows_and_zero_duration():
    split = parse_opening_hours("Mon-Fri 09:00-12:30,13:30-17:00")
    assert split.add_open_time(at(2027, 1, 13, 12, 0), TWO_HOURS) == at(2027, 1, 13, 15, 0)
    assert WEEKDAYS.add_open_time(at(2027, 1, 16, 20, 0), timedelta(0)) == at(2027, 1, 18, 9, 0)


def test_the_service_falls_back_to_clock_minutes_without_a_timetable(settings):
    now = at(2027, 1, 16, 20, 0)
    assert callback_due(replace(settings, opening_hours="Mon-Fri 09:00-17:00",
                                callback_due_minutes=90), now) == at(2027, 1, 18, 10, 30)
    assert callback_due(replace(settings, opening_hours="nonsense"), now) == (
        now + timedelta(minutes=settings.callback_due_minutes))


@pytest.mark.parametrize(("now", "language", "words"), [
    (at(2027, 1, 16, 20, 0), "en", "at 9am on Monday"),
    (at(2027, 1, 13, 18, 0), "en", "at 9am tomorrow"),
    (at(2027, 1, 13, 6, 0), "en", "at 9am today"),
    (at(2027, 3, 25, 18, 0), "en", "at 9am on Tuesday"),  # over Easter, into BST
    (at(2027, 12, 24, 18, 0), "en", "at 9am on Wednesday"),
    (at(2027, 1, 16, 20, 0), "pl", "w poniedziałek o 09:00"),
    (at(2027, 1, 13, 18, 0), "pl", "jutro o 09:00"),
    (at(2027, 1, 16, 20, 0), "cy", "at 9am on Monday"),  # no words yet: English
])
def test_when_the_line_opens_in_words(now: datetime, language: str, words: str):
    assert WEEKDAYS.opening_words(now, language) == words


def test_a_long_closure_names_the_date():
    sparse = parse_opening_hours("Mon 09:00-10:00")
    assert sparse.opening_words(at(2027, 1, 11, 11, 0)) == "at 9am on Monday 18 January"
