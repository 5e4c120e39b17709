"""The date-sensitive tests on another day: `--clock-date YYYY-MM-DD[THH:MM]` (or H2H_TEST_CLOCK).

The date and time are UK local time (Europe/London), as the help line lives by it; a date alone
means 12:00. Each test that carries `@pytest.mark.clock` runs, from the start of its set-up to
the end of its tear-down, with every reading of the wall clock in this process (all threads, so
the browser tests' live server too) moved by time-machine to that moment, ticking on. Every
other test runs on the real clock, so one run checks both: the whole suite as it is, and the
date-sensitive tests on an awkward day (CI gives each of its passes a different day).

Not moved: `time.monotonic`, PostgreSQL's `now()` and SQLite's CURRENT_TIMESTAMP (the app stamps
rows itself), Redis TTLs (relative anyway), sub-processes (so tests that start real processes
do not carry the marker), and chromium, which needs nothing: it takes a cookie's lifetime as
Expires minus the response's Date header, and the live server writes both on the moved clock.

Date-sensitive tests must pass on any day: give services a fixed `now`, or read the (possibly
moved) clock through `app.models.base.utcnow`.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

ENV_VAR = "H2H_TEST_CLOCK"
UK = ZoneInfo("Europe/London")
_moved_to: datetime | None = None  # where clock-marked tests run (UTC), if anywhere
_travel = None  # the active time_machine.travel, while a clock-marked test runs


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clock-date", default=os.environ.get(ENV_VAR) or None, metavar="YYYY-MM-DD[THH:MM]",
        help=f"run the clock-marked tests with the wall clock moved to this UK local "
             f"date/time, ticking on (default: ${ENV_VAR}, else the real clock)")


def parse_clock_date(text: str) -> datetime:
    """A UK local date (noon) or date and time, as an aware UTC datetime.

    A time the clocks skip (01:30 on the spring-forward Sunday) is read as GMT, i.e. the moment
    just after the change; a repeated one (01:30 on the autumn Sunday) as its first, BST, pass.
    """
    text = text.strip()
    try:
        local = datetime.fromisoformat(text if "T" in text or " " in text else f"{text}T12:00")
    except ValueError:
        raise pytest.UsageError(f"--clock-date: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM, "
                                f"got {text!r}") from None
    if local.tzinfo is None:
        local = local.replace(tzinfo=UK)
    return local.astimezone(UTC)


def pytest_configure(config: pytest.Config) -> None:
    global _moved_to
    text = config.getoption("--clock-date")
    _moved_to = parse_clock_date(text) if text else None


def _stop() -> None:
    global _travel
    if _travel is not None:
        _travel.stop()
        _travel = None


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_setup(item: pytest.Item):
    """Move the clock before any of a clock-marked test's fixtures is made."""
    global _travel
    _stop()
    if _moved_to is not None and item.get_closest_marker("clock") is not None:
        _travel = time_machine.travel(_moved_to, tick=True)
        _travel.start()
    return (yield)


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    """Put the clock back once the test's fixtures are torn down."""
    try:
        return (yield)
    finally:
        _stop()


def pytest_unconfigure(config: pytest.Config) -> None:
    global _moved_to
    _stop()
    _moved_to = None


def pytest_report_header(config: pytest.Config) -> str | None:
    if _moved_to is None:
        return None
    return (f"clock-marked tests run with the clock moved to "
            f"{_moved_to.astimezone(UK):%Y-%m-%d %H:%M %Z} ({_moved_to:%Y-%m-%dT%H:%MZ}), "
            f"ticking; the others on the real clock")
