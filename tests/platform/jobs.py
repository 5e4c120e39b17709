"""Job functions for the platform tests: they leave a mark in Redis that the test can read."""

from __future__ import annotations

from workers.bootstrap import get_runtime, job_logger

log = job_logger(__name__)


def mark(value: int) -> int:
    """Push `value` onto the list `test:marks` (proves which process ran it, and how often)."""
    log.info("marking %s", value)
    get_runtime().redis.rpush("test:marks", value)
    return value


def tick() -> None:
    get_runtime().redis.incr("test:ticks")
