"""Job functions for the fault suite: they record when they ran, so lateness can be measured."""

from __future__ import annotations

import time

from workers.bootstrap import get_runtime


def stamp(value: int) -> int:
    """Push "value:unix time" onto the list `test:stamps`."""
    get_runtime().redis.rpush("test:stamps", f"{value}:{time.time():.3f}")
    return value
