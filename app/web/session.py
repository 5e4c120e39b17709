"""The request's database session: opened on first use, closed when the request ends; and the
one way a view finishes a use case (`commit_then_enqueue`)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy.orm import Session

from app.adapters.rq_queue import job_queue_for
from app.models.base import utcnow
from app.models.case import Case
from app.runtime import Runtime
from app.services.cases.intake import enqueue_matching, stamp_for_matching, unstamp_matching
from app.services.messaging.outbox import enqueue_send

log = logging.getLogger(__name__)
#: Requests that only read: their session begins deferred (many readers at once on SQLite).
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def runtime() -> Runtime:
    return current_app.extensions["here2help"]


def db_session() -> Session:
    """The request's unit of work: a writer session for POST and friends, a reader for GET.

    A request that changes something begins every transaction as a writer (SQLite `BEGIN
    IMMEDIATE`, see app.db.writer_factory), so its reads and writes cannot be refused half way
    by another process's commit. A GET reads from a deferred transaction; the rare write it
    makes (an audit row) goes through app.db.start_writing.
    """
    if "db_session" not in g:
        reads_only = has_request_context() and request.method in READ_METHODS
        factory = runtime().session_factory if reads_only else runtime().write_session_factory
        g.db_session = factory()
    return g.db_session


def commit_then_enqueue(session: Session, message_ids: Iterable[int] = (),
                        cases_to_match: Iterable[Case] = ()) -> None:
    """Commit the use case, THEN enqueue what it returned: outbox sends and cases to match.

    Commit first, always: a job must never look for a row that is not committed yet. An enqueue
    that fails (Redis down or unreachable) never fails the request, because the work is already
    committed: the rows stay `pending` / `needs_matching` and the sweeper re-enqueues them. The
    cases' matching stamp is written with the commit and taken back for a job not queued.
    """
    cases = stamp_for_matching(cases_to_match, utcnow())
    session.commit()
    message_ids, case_ids = list(message_ids), [case.id for case in cases]
    if not message_ids and not cases:
        return
    try:
        queue = job_queue_for(runtime())
        if message_ids:
            enqueue_send(queue, message_ids)
        enqueue_matching(session, queue, cases)
    except Exception as exc:  # the work is committed; the sweeper picks it up
        session.rollback()
        log.warning("follow-up work not enqueued (%s); left for the sweeper", type(exc).__name__)
        unstamp_matching(session, case_ids)


def init_app(app: Flask) -> None:
    @app.teardown_appcontext
    def close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()
