"""UK local time: what people read is Europe/London with GMT/BST named; what they type is read
as London time, refused when the clocks skip it and read as BST when it happens twice."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine

from app.domain.uk_time import (
    LocalTimeError,
    format_uk,
    is_repeated,
    is_skipped,
    parse_uk_local,
    uk_day_bounds,
    uk_input_value,
    uk_today,
    zone_name,
)
from app.models.base import utcnow

pytestmark = pytest.mark.clock


@pytest.mark.parametrize(("instant", "shown"), [
    (datetime(2027, 7, 1, 9, 30, tzinfo=UTC), "01 Jul 2027 10:30 BST"),
    (datetime(2027, 1, 15, 9, 30, tzinfo=UTC), "15 Jan 2027 09:30 GMT"),
    # spring change (28 March 2027): 00:59 GMT, then 02:00 BST one minute later
    (datetime(2027, 3, 28, 0, 59, tzinfo=UTC), "28 Mar 2027 00:59 GMT"),
    (datetime(2027, 3, 28, 1, 0, tzinfo=UTC), "28 Mar 2027 02:00 BST"),
    # autumn change (31 October 2027): 01:30 happens twice, the zone tells them apart
    (datetime(2027, 10, 31, 0, 30, tzinfo=UTC), "31 Oct 2027 01:30 BST"),
    (datetime(2027, 10, 31, 1, 30, tzinfo=UTC), "31 Oct 2027 01:30 GMT"),
    # a summer evening in UTC is already tomorrow in London
    (datetime(2027, 6, 30, 23, 30, tzinfo=UTC), "01 Jul 2027 00:30 BST"),
    (datetime(2027, 7, 1, 9, 30), "01 Jul 2027 10:30 BST"),  # naive (SQLite) means UTC
])
def test_stored_instants_read_as_london_time_with_the_zone(instant: datetime, shown: str):
    assert format_uk(instant) == shown


def test_styles_dates_and_empty_values():
    summer = datetime(2027, 6, 30, 23, 30, 5, tzinfo=UTC)
    assert format_uk(summer, "short") == "01 Jul 00:30 BST"
    assert format_uk(summer, "seconds") == "01 Jul 2027 00:30:05 BST"
    assert format_uk(summer, "date") == "01 Jul 2027"  # the London date, and no zone
    assert format_uk(summer, "datetime", zone=False) == "01 Jul 2027 00:30"
    assert format_uk(date(2027, 7, 1), "date") == "01 Jul 2027"
    assert format_uk(None) == "" and format_uk(None, empty="Never") == "Never"
    assert zone_name(summer) == "BST" and zone_name(datetime(2027, 1, 1, tzinfo=UTC)) == "GMT"


@pytest.mark.parametrize(("typed", "stored"), [
    (datetime(2027, 7, 1, 10, 30), datetime(2027, 7, 1, 9, 30, tzinfo=UTC)),  # BST
    (datetime(2027, 1, 15, 10, 30), datetime(2027, 1, 15, 10, 30, tzinfo=UTC)),  # GMT
    (datetime(2027, 3, 28, 0, 59), datetime(2027, 3, 28, 0, 59, tzinfo=UTC)),
    (datetime(2027, 3, 28, 2, 0), datetime(2027, 3, 28, 1, 0, tzinfo=UTC)),
    (datetime(2027, 10, 31, 1, 30), datetime(2027, 10, 31, 0, 30, tzinfo=UTC)),  # first pass
])
def test_typed_times_are_london_wall_clock_stored_as_utc(typed: datetime, stored: datetime):
    assert parse_uk_local(typed) == stored
    assert uk_input_value(stored) == typed.strftime("%Y-%m-%dT%H:%M")  # and back into the form


def test_a_time_the_clocks_skip_is_refused_in_words():
    with pytest.raises(LocalTimeError, match="01:30 on 28 March 2027 does not exist in the UK"):
        parse_uk_local(datetime(2027, 3, 28, 1, 30))
    assert is_skipped(datetime(2027, 3, 28, 1, 0)) and is_skipped(datetime(2027, 3, 28, 1, 59))
    assert not is_skipped(datetime(2027, 3, 28, 2, 0))
    assert not is_skipped(datetime(2027, 10, 31, 1, 30))


def test_a_repeated_time_is_the_first_pass_unless_asked():
    typed = datetime(2027, 10, 31, 1, 30)
    assert is_repeated(typed) and not is_repeated(datetime(2027, 10, 31, 2, 0))
    assert parse_uk_local(typed, later_if_repeated=True) == datetime(2027, 10, 31, 1, 30,
                                                                     tzinfo=UTC)
    assert parse_uk_local(datetime(2027, 7, 1, 10, 30), later_if_repeated=True) == datetime(
        2027, 7, 1, 9, 30, tzinfo=UTC)


def test_change_days_are_23_and_25_hours_long():
    start, end = uk_day_bounds(date(2027, 3, 28))
    assert (end - start).total_seconds() == 23 * 3600
    start, end = uk_day_bounds(date(2027, 10, 31))
    assert (end - start).total_seconds() == 25 * 3600
    assert start == datetime(2027, 10, 30, 23, 0, tzinfo=UTC)


@pytest.mark.parametrize(("moment", "today", "zone"), [
    (datetime(2027, 3, 27, 23, 30, tzinfo=UTC), date(2027, 3, 27), "GMT"),  # night before
    (datetime(2027, 3, 28, 1, 30, tzinfo=UTC), date(2027, 3, 28), "BST"),  # just after
    (datetime(2027, 10, 30, 23, 30, tzinfo=UTC), date(2027, 10, 31), "BST"),  # before
    (datetime(2027, 10, 31, 2, 30, tzinfo=UTC), date(2027, 10, 31), "GMT"),  # after
])
def test_the_frozen_clock_reads_the_same_on_either_side_of_a_change(moment, today, zone):
    with time_machine.travel(moment, tick=False):
        now = utcnow()
        assert uk_today(now) == today and zone_name(now) == zone
        assert format_uk(now).endswith(zone)
