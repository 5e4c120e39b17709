"""Each UK nation's bank holidays close the line there, and only there (BANK_HOLIDAY_REGION)."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from app.services.conversations import handover
from app.settings import load_settings

# Wednesday 17 March 2027 (St Patrick's Day): Northern Ireland only.
ST_PATRICKS = datetime(2027, 3, 17, 10, 0, tzinfo=UTC)
# Monday 2 August 2027: Scotland's summer bank holiday (first Monday of August).
SCOTTISH_SUMMER = datetime(2027, 8, 2, 10, 0, tzinfo=UTC)
# Monday 30 August 2027: the summer bank holiday of England, Wales and Northern Ireland.
LATE_SUMMER = datetime(2027, 8, 30, 10, 0, tzinfo=UTC)
# Tuesday 30 November 2027 (St Andrew's Day): Scotland only.
ST_ANDREWS = datetime(2027, 11, 30, 10, 0, tzinfo=UTC)
DAYS = {"St Patrick's": ST_PATRICKS, "Scottish summer": SCOTTISH_SUMMER,
        "late summer": LATE_SUMMER, "St Andrew's": ST_ANDREWS}

CLOSED_ON = {
    "ENG": {"late summer"},
    "WLS": {"late summer"},
    "SCT": {"Scottish summer", "St Andrew's"},
    "NIR": {"St Patrick's", "late summer"},
}


@pytest.mark.parametrize("region", sorted(CLOSED_ON))
def test_the_line_closes_on_its_own_regions_bank_holidays(test_env, region):
    settings = load_settings({**test_env, "OPENING_HOURS": "Mon-Fri 09:00-17:00",
                              "BANK_HOLIDAY_REGION": region.lower()})
    assert settings.bank_holiday_region == region
    open_on = {name for name, moment in DAYS.items() if handover.line_is_open(settings, moment)}
    assert open_on == set(DAYS) - CLOSED_ON[region]


def test_opening_hours_that_cannot_be_read_send_callers_to_voicemail(test_env):
    settings = replace(load_settings(test_env), opening_hours="Mon-Fri 09:00-17:00",
                       bank_holiday_region="XX")
    assert not handover.line_is_open(settings, LATE_SUMMER.replace(day=31))
