"""Reading sign-up answers never raises and never invents: any text (unicode, NUL, huge) gives
known needs / valid weekly windows, or None so the person is asked again."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.domain.matching import DAYS
from app.domain.volunteer_signup import NEED_CHOICES, parse_availability, parse_needs
from app.services.volunteers.register import validate

KNOWN = {value for value, _ in NEED_CHOICES}


@given(st.text(max_size=300))
def test_needs_answers_are_known_needs_or_none(text: str) -> None:
    needs = parse_needs(text)
    assert needs is None or (needs and set(needs) <= KNOWN and len(needs) == len(set(needs)))


@given(st.text(max_size=300))
def test_hours_answers_are_valid_weekly_windows_or_none(text: str) -> None:
    hours = parse_availability(text)
    if hours is not None:
        assert set(hours) <= set(DAYS)
        # What the conversation stores passes the register's own rules unchanged.
        assert validate({"availability": hours}, partial=True)["availability"] == hours
