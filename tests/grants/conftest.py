"""Each grants test starts with the public form's per-address rate limit unused (the limiter
keeps its counts in process memory, which every test in a process shares)."""

from __future__ import annotations

import pytest

from app.web.console.extensions import limiter


@pytest.fixture(autouse=True)
def fresh_rate_limits(app) -> None:
    limiter.reset()
