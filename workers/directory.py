"""Periodic job (scheduled by workers/schedule.py): sync the directory from its live feeds.

Idempotent: a second run the same day upserts the same services again. A feed that fails keeps
its entries and is retried the next day (or by `here2help directory sync`).
"""

from __future__ import annotations

from app.db import begin_write
from app.models.base import utcnow
from app.services.directory.feeds import district_of_postcode, http_get_json, sync_feeds
from workers.bootstrap import get_runtime, job_logger

log = job_logger(__name__)


def sync_directory_feeds() -> dict[str, int]:
    """Sync every feed in DIRECTORY_FEEDS; returns how many were synced and how many failed."""
    runtime = get_runtime()
    specs = runtime.settings.directory_feeds
    if not specs:
        return {"synced": 0, "failed": 0}
    with runtime.session_factory() as session:
        begin_write(session)
        outcomes = sync_feeds(session, specs, get=http_get_json(), now=utcnow(),
                              district_of=district_of_postcode)
    for outcome in outcomes:
        log.info("directory feed %s", outcome.summary())
    failed = sum(1 for o in outcomes if o.error)
    return {"synced": len(outcomes) - failed, "failed": failed}
