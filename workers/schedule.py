"""Periodic jobs, as data (validated at start): what runs, on which queue, how often.

How they run: every `here2help worker` runs a small ticker thread (workers/runner.py) that, for
each entry, computes the current period number `floor(now / interval)` and enqueues the job once
per period. Two guards make "once" hold across any number of workers: an atomic Redis
`SET key NX EX` claim per (job, period), then rq's `unique=True` job id.

Why not the alternatives:
- a job that re-schedules itself with `enqueue_in` forms a chain that breaks for good when one
  link is lost (Redis restarted without persistence, a worker SIGKILLed); the
  ticker derives the schedule from the clock, so it heals itself on the next tick;
- rq's `CronScheduler` is a separate, single process (no failover) and uses rq's default pickle
  serializer, while our workers speak JSON only.
With several workers every one ticks, so the schedule survives any worker dying.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from app.jobs import (
    AFTERCARE,
    ASSIGNMENT_CHECKINS,
    DBS_EXPIRY_REMINDERS,
    EXPIRE_DUE_OFFERS,
    RETENTION,
    SWEEP,
    SYNC_DIRECTORY_FEEDS,
    QueueName,
)


@dataclass(frozen=True)
class PeriodicJob:
    name: str  # stable: part of the job id and of the claim key
    func: str  # dotted path of a top-level function that takes no arguments
    interval_seconds: int
    queue: QueueName = QueueName.MAINTENANCE


PERIODIC_JOBS: tuple[PeriodicJob, ...] = (
    # Re-enqueue work whose job was lost (Redis down, worker killed): DB is the source of truth.
    PeriodicJob("sweep", SWEEP.func, 60, SWEEP.queue),
    # Expire open offers whose time is up (one scan for every offer, no timer job per offer).
    PeriodicJob("expire-offers", EXPIRE_DUE_OFFERS.func, 10, EXPIRE_DUE_OFFERS.queue),
    # Check-in SMS for assignments with no DONE, then the staff queue (every 10 minutes).
    PeriodicJob("assignment-checkins", ASSIGNMENT_CHECKINS.func, 600, ASSIGNMENT_CHECKINS.queue),
    # Remind volunteers whose DBS check is about to expire; once per UTC day.
    PeriodicJob("dbs-expiry-reminders", DBS_EXPIRY_REMINDERS.func, 24 * 3600,
                DBS_EXPIRY_REMINDERS.queue),
    # Keep the directory current from its live Open Referral feeds; once per UTC day.
    PeriodicJob("directory-feeds", SYNC_DIRECTORY_FEEDS.func, 24 * 3600,
                SYNC_DIRECTORY_FEEDS.queue),
    # Follow-up SMS now due, and repeat requests whose schedule has come round; every 5 min.
    PeriodicJob("aftercare", AFTERCARE.func, 300, AFTERCARE.queue),
    # Anonymise or delete what the retention policy says has been kept long enough; daily.
    PeriodicJob("retention", RETENTION.func, 24 * 3600, RETENTION.queue),
)


def resolves(func: str) -> bool:
    """Whether a dotted path names a function a worker can run (checked once, at start)."""
    module, _, name = func.rpartition(".")
    try:
        return callable(getattr(importlib.import_module(module), name))
    except (ImportError, AttributeError):
        return False


def validate(jobs: tuple[PeriodicJob, ...] = PERIODIC_JOBS) -> None:
    """Raise ValueError for a malformed declaration (checked by the tests and at worker start)."""
    names = [job.name for job in jobs]
    if len(names) != len(set(names)):
        raise ValueError("periodic job names must be unique")
    for job in jobs:
        if job.interval_seconds < 10:
            raise ValueError(f"periodic job {job.name}: interval must be at least 10 s")
        if "." not in job.func:
            raise ValueError(f"periodic job {job.name}: func must be a dotted path")
        if not resolves(job.func):
            raise ValueError(f"periodic job {job.name}: {job.func} is not a function")
        QueueName(job.queue)
