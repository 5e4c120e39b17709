"""Opening hours: parsing, London wall-clock time across DST, bank holidays, next opening."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.domain.opening_hours import (
    LONDON,
    OpeningHoursError,
    parse_opening_hours,
    spoken_time,
)
from app.settings import ConfigError, load_settings

pytestmark = pytest.mark.clock

WEEKDAYS = parse_opening_hours("Mon-Fri 09:00-17:00; Sat 10:00-13:00")


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def test_parses_groups_ranges_lists_and_split_windows():
    hours = parse_opening_hours("Mon,Wed 09:00-12:30,13:30-17:00; daily 18:00-24:00")
    assert hours.is_open(london(2026, 11, 23, 12, 0))  # Monday morning window
    assert not hours.is_open(london(2026, 11, 23, 13, 0))  # lunch
    assert not hours.is_open(london(2026, 11, 24, 10, 0))  # Tuesday daytime: closed
    assert hours.is_open(london(2026, 11, 24, 23, 59))  # "daily" evening, to midnight
    assert parse_opening_hours("Monday-Friday 09:00-17:00") == parse_opening_hours(
        "Mon-Fri 09:00-17:00"
    )


def test_window_edges_start_inclusive_end_exclusive():
    assert WEEKDAYS.is_open(london(2026, 11, 24, 9, 0))
    assert WEEKDAYS.is_open(london(2026, 11, 24, 16, 59))
    assert not WEEKDAYS.is_open(london(2026, 11, 24, 17, 0))
    assert not WEEKDAYS.is_open(london(2026, 11, 24, 8, 59))
    assert WEEKDAYS.is_open(london(2026, 11, 28, 12, 0))  # Saturday
    assert not WEEKDAYS.is_open(london(2026, 11, 29, 12, 0))  # Sunday


@pytest.mark.parametrize(
    "spec, fragment",
    [
        ("", "empty"),
        ("Mon-Fri", "expected days then times"),
        ("Mon-Fri 9-5", "not a time range"),
        ("Mon-Fri 09:00-25:00", "impossible time"),
        ("Mon-Fri 17:00-09:00", "must end after it starts"),
        ("Fri-Mon 09:00-17:00", "runs backwards"),
        ("Funday 09:00-17:00", "unknown day"),
        ("Mon-Fri 09:00-17:00;", "stray ';'"),
        ("Mon--Fri 09:00-17:00", "not a day or a range"),
    ],
)
def test_invalid_specs_are_refused_with_one_line(spec, fragment):
    with pytest.raises(OpeningHoursError) as info:
        parse_opening_hours(spec)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_unknown_bank_holiday_region_is_refused():
    with pytest.raises(OpeningHoursError, match="region"):
        parse_opening_hours("Mon-Fri 09:00-17:00", region="XX")


def test_closed_on_christmas_and_boxing_day_and_easter_monday():
    # 25 Dec 2026 is a Friday, 28 Dec the substitute for Boxing Day (Saturday); Easter Monday
    # 2027 is 29 March.
    assert not WEEKDAYS.is_open(london(2026, 12, 25, 10, 0))
    assert not WEEKDAYS.is_open(london(2026, 12, 28, 10, 0))
    assert not WEEKDAYS.is_open(london(2027, 3, 29, 10, 0))
    assert WEEKDAYS.is_open(london(2027, 3, 30, 10, 0))


def test_region_changes_the_bank_holidays():
    # 2 January is a bank holiday in Scotland only; St Patrick's Day in Northern Ireland only.
    scotland = parse_opening_hours("Mon-Fri 09:00-17:00", region="SCT")
    england = parse_opening_hours("Mon-Fri 09:00-17:00", region="ENG")
    assert not scotland.is_open(london(2026, 1, 2, 10, 0))
    assert england.is_open(london(2026, 1, 2, 10, 0))
    ni = parse_opening_hours("Mon-Fri 09:00-17:00", region="nir")
    assert not ni.is_open(london(2026, 3, 17, 10, 0))
    assert england.is_open(london(2026, 3, 17, 10, 0))


def test_dst_days_use_london_wall_clock():
    hours = parse_opening_hours("Daily 09:00-17:00")
    # 29 March 2026 clocks go forward: 09:00 BST is 08:00 UTC.
    assert hours.is_open(datetime(2026, 3, 29, 8, 0, tzinfo=UTC))
    assert not hours.is_open(datetime(2026, 3, 29, 7, 59, tzinfo=UTC))
    # 25 October 2026 clocks go back: 09:00 GMT is 09:00 UTC.
    assert not hours.is_open(datetime(2026, 10, 25, 8, 59, tzinfo=UTC))
    assert hours.is_open(datetime(2026, 10, 25, 9, 0, tzinfo=UTC))


def test_next_opening_inside_the_spring_forward_gap():
    hours = parse_opening_hours("Sun 01:30-03:00")  # 01:30 does not exist on 29 March 2026
    opening = hours.next_opening(datetime(2026, 3, 29, 0, 0, tzinfo=UTC))
    assert opening is not None
    assert opening.astimezone(UTC) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_naive_datetime_is_a_programming_error():
    with pytest.raises(ValueError, match="timezone-aware"):
        WEEKDAYS.is_open(datetime(2026, 11, 23, 10, 0))


def test_next_opening_skips_weekend_and_bank_holidays():
    # Fri 25 Dec 2026 Christmas, Sat 26 Boxing Day, Mon 28 its substitute: next is Tue 29.
    christmas_eve = london(2026, 12, 24, 18, 0)
    assert WEEKDAYS.next_opening(christmas_eve) == london(2026, 12, 29, 9, 0)
    assert WEEKDAYS.opening_words(christmas_eve) == "at 9am on Tuesday"
    good_friday_eve = london(2027, 3, 25, 17, 30)  # Good Friday 26 March, Easter Monday 29
    assert WEEKDAYS.next_opening(good_friday_eve) == london(2027, 3, 27, 10, 0)  # Saturday
    assert WEEKDAYS.opening_words(good_friday_eve) == "at 10am on Saturday"


def test_describe_today_tomorrow_and_open_now():
    monday_early = london(2026, 11, 23, 7, 0)
    assert WEEKDAYS.opening_words(monday_early) == "at 9am today"
    assert WEEKDAYS.opening_words(london(2026, 11, 23, 18, 0)) == "at 9am tomorrow"
    now = london(2026, 11, 23, 11, 0)
    assert WEEKDAYS.next_opening(now) == now


def test_describe_far_ahead_names_the_date():
    hours = parse_opening_hours("Wed 13:30-14:00")
    assert hours.opening_words(london(2026, 11, 25, 15, 0)) == (
        "at 1:30pm on Wednesday 2 December"
    )


@pytest.mark.parametrize(
    "hh, mm, spoken",
    [(9, 0, "9am"), (13, 30, "1:30pm"), (12, 0, "12 noon"), (0, 0, "midnight"), (0, 5, "12:05am")],
)
def test_spoken_time(hh, mm, spoken):
    from datetime import time

    assert spoken_time(time(hh, mm)) == spoken


def test_settings_validate_opening_hours_and_region(tmp_path):
    base = {"HERE2HELP_INSTANCE": str(tmp_path), "TWILIO_AUTH_TOKEN": "x"}
    env = {**base, "OPENING_HOURS": "Mon-Fri 08:00-20:00", "BANK_HOLIDAY_REGION": "wls"}
    ok = load_settings(env)
    assert ok.opening_hours == "Mon-Fri 08:00-20:00"
    assert ok.bank_holiday_region == "WLS"
    with pytest.raises(ConfigError, match="OPENING_HOURS") as info:
        load_settings({**base, "OPENING_HOURS": "weekdays 9 to 5"})
    assert "\n" not in str(info.value)
    with pytest.raises(ConfigError, match="region"):
        load_settings({**base, "BANK_HOLIDAY_REGION": "FR"})
    with pytest.raises(ConfigError, match="COUNCIL_PHONE_NUMBER"):
        load_settings({**base, "COUNCIL_PHONE_NUMBER": "call us"})
    assert load_settings({**base, "COUNCIL_PHONE_NUMBER": "01632 960123"}).council_phone_number
