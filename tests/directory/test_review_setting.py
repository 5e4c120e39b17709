"""DIRECTORY_REVIEW_MONTHS: a whole number of months, at least 1, default 12."""

from __future__ import annotations

import pytest

from app.settings import ConfigError, load_settings

pytestmark = pytest.mark.clock


def _env(tmp_path, **extra: str) -> dict[str, str]:
    return {"HERE2HELP_INSTANCE": str(tmp_path), "SECRET_KEY": "x", **extra}


def test_default_and_override(tmp_path):
    assert load_settings(_env(tmp_path)).directory_review_months == 12
    assert load_settings(_env(tmp_path, DIRECTORY_REVIEW_MONTHS="6")).directory_review_months == 6


@pytest.mark.parametrize("bad", ["0", "six", "1.5", "-3"])
def test_bad_values_are_refused_with_the_name(tmp_path, bad):
    with pytest.raises(ConfigError, match="DIRECTORY_REVIEW_MONTHS"):
        load_settings(_env(tmp_path, DIRECTORY_REVIEW_MONTHS=bad))
