"""`--clock-date` moves the clock for the date-sensitive tests only, and puts it back after each."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

#: The moved day is in the past, so the real clock can never be on it: what the inner tests
#: print tells the moved clock from the real one whatever day this runs. They read the clock
#: as the service does, through `app.models.base.utcnow`.
MOVED_TO = "1999-06-15T09:00"
INNER = '''
import pytest

from app.models.base import utcnow

@pytest.fixture
def made_at():
    return utcnow()

@pytest.mark.clock
def test_marked(made_at):
    print(f"MARKED {made_at:%Y-%m-%dT%H:%M} {utcnow():%Y-%m-%dT%H:%M}")

def test_unmarked():
    print(f"UNMARKED {utcnow():%Y-%m-%d}")

@pytest.mark.clock
def test_marked_again():
    print(f"AGAIN {utcnow():%Y-%m-%d}")
'''


def _run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
    """The inner run's output: a real pytest process with only this plugin loaded."""
    monkeypatch.delenv("H2H_TEST_CLOCK", raising=False)
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parents[2]))
    pytester.makeini("[pytest]\nmarkers =\n    clock: date-sensitive\n")
    pytester.makepyfile(test_inner=INNER)
    result = pytester.runpytest_subprocess("-p", "tests.plugins.clock", "-s", "-q", *args)
    result.assert_outcomes(passed=3)
    return "\n".join(result.outlines)


def test_only_clock_marked_tests_and_their_fixtures_run_on_the_moved_day(pytester, monkeypatch):
    text = _run(pytester, monkeypatch, "--clock-date", MOVED_TO)
    assert "MARKED 1999-06-15T08:00 1999-06-15T08:00" in text  # 09:00 BST, fixture too
    assert "AGAIN 1999-06-15" in text
    assert "UNMARKED " in text and "UNMARKED 1999-06-15" not in text


def test_without_a_date_every_test_runs_on_the_real_clock(pytester, monkeypatch):
    text = _run(pytester, monkeypatch)
    assert "MARKED " in text and "1999-06-15" not in text
