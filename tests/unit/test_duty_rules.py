"""The duty rule (app.domain.duty): a hand-set switch holds until the person's next rota
boundary, then the rota decides; rota times are London wall-clock, summer time included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.domain.duty import RotaError, RotaSlot, check_slot, last_boundary, on_duty, rota_says_on

# Tuesday 2 June 2026 (BST, UTC+1) and Tuesday 1 December 2026 (GMT).
SUMMER_TUESDAY_10_LONDON = datetime(2026, 6, 2, 9, 0, tzinfo=UTC)
WINTER_TUESDAY_10_LONDON = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
TUESDAY_9_TO_17 = [RotaSlot(1, "09:00", "17:00")]


@pytest.mark.parametrize("now", [SUMMER_TUESDAY_10_LONDON, WINTER_TUESDAY_10_LONDON])
def test_rota_is_read_in_london_time(now) -> None:
    assert rota_says_on(TUESDAY_9_TO_17, now)
    assert not rota_says_on(TUESDAY_9_TO_17, now + timedelta(hours=7, minutes=1))
    assert not rota_says_on(TUESDAY_9_TO_17, now - timedelta(hours=1, minutes=1))
    assert not rota_says_on([RotaSlot(0, "09:00", "17:00")], now)  # Monday only


def test_no_rota_means_the_switch_alone() -> None:
    assert on_duty(True, None, [], WINTER_TUESDAY_10_LONDON)
    assert not on_duty(False, WINTER_TUESDAY_10_LONDON, [], WINTER_TUESDAY_10_LONDON)


def test_switch_holds_until_the_next_boundary_then_the_rota_decides() -> None:
    now = WINTER_TUESDAY_10_LONDON
    # Switched off at 10:00 during the 09:00-17:00 slot: off now...
    assert not on_duty(False, now, TUESDAY_9_TO_17, now + timedelta(hours=1))
    # ...and still off after the slot ends at 17:00 (the rota says off too)...
    assert not on_duty(False, now, TUESDAY_9_TO_17, now + timedelta(hours=8))
    # ...and on again when next Tuesday's slot starts, without anyone touching the switch.
    assert on_duty(False, now, TUESDAY_9_TO_17, now + timedelta(days=7))
    # Switched on at 18:00, outside the rota: on through the night, until the next boundary.
    evening = now + timedelta(hours=8)
    assert on_duty(True, evening, TUESDAY_9_TO_17, evening + timedelta(hours=5))
    # Set before the last boundary: the rota has taken over (off after the slot ended).
    assert not on_duty(True, now, TUESDAY_9_TO_17, now + timedelta(hours=8))


def test_last_boundary_is_the_latest_start_or_end() -> None:
    now = WINTER_TUESDAY_10_LONDON
    assert last_boundary(TUESDAY_9_TO_17, now) == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert last_boundary(TUESDAY_9_TO_17, now + timedelta(hours=8)) == \
        datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
    assert last_boundary([], now) is None


def test_slot_running_to_midnight() -> None:
    slot = check_slot(1, "20:00", "24:00")
    assert rota_says_on([slot], datetime(2026, 12, 1, 23, 59, tzinfo=UTC))
    assert not rota_says_on([slot], datetime(2026, 12, 2, 0, 0, tzinfo=UTC))


@pytest.mark.parametrize(("weekday", "starts", "ends", "words"), [
    (7, "09:00", "17:00", "day of the week"),
    ("mon", "09:00", "17:00", "day of the week"),
    (0, "9am", "17:00", "HH:MM"),
    (0, "17:00", "09:00", "later than"),
    (0, "09:00", "09:00", "later than"),
    (0, "24:00", "24:00", "later than"),
    (0, "09:00", "24:30", "HH:MM"),
    (0, "\x00", "17:00", "HH:MM"),
    (0, "", "", "HH:MM"),
])
def test_bad_slots_are_refused_with_a_reason(weekday, starts, ends, words) -> None:
    with pytest.raises(RotaError, match=words):
        check_slot(weekday, starts, ends)


def test_good_slot_is_normalised() -> None:
    assert check_slot("4", " 08:30", "12:00 ") == RotaSlot(4, "08:30", "12:00")
