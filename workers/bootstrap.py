"""What a job needs, built once per worker process from the environment, without Flask.

Jobs are top-level functions that take ids; each calls `get_runtime()` for the database and
Redis, and `job_logger(__name__)` for a logger that stamps every line with the rq job id.
Tests that run jobs in-process install their own Runtime with `use_runtime()`.
"""

from __future__ import annotations

import logging
import threading

from rq import get_current_job

from app.runtime import Runtime
from app.settings import load_settings

_lock = threading.Lock()
_runtime: Runtime | None = None


def get_runtime() -> Runtime:
    """The process's Runtime: settings from the environment, one engine, lazy Redis."""
    global _runtime
    with _lock:
        if _runtime is None:
            _runtime = Runtime.build(load_settings())
        return _runtime


def use_runtime(runtime: Runtime | None) -> None:
    """Install (or with None, forget) the Runtime jobs of this process use."""
    global _runtime
    with _lock:
        _runtime = runtime


class _JobIdAdapter(logging.LoggerAdapter):
    def process(self, msg, kwargs):
        job = get_current_job()
        job_id = job.id if job is not None else "-"
        extra = dict(kwargs.get("extra") or {})
        extra.setdefault("job_id", job_id)
        kwargs["extra"] = extra
        return f"[job {job_id}] {msg}", kwargs


def job_logger(name: str) -> logging.LoggerAdapter:
    """A logger whose lines carry the current rq job id (ids only: never log PII)."""
    return _JobIdAdapter(logging.getLogger(name), {})
