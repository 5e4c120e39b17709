"""What the SMS and voice webhooks share: the TwiML response, and work enqueued after commit.

Enqueueing never fails a webhook: the resident's answer is already committed, so a Redis outage
only leaves outbox rows `pending` and cases `needs_matching`, which the sweeper picks up.
"""

from __future__ import annotations

import logging

from flask import Response
from sqlalchemy.orm import Session

from app.adapters.rq_queue import job_queue_for
from app.models.base import utcnow
from app.services.cases.intake import enqueue_matching
from app.services.conversations.state import Outcome
from app.services.messaging.outbox import enqueue_send
from app.web.session import runtime

log = logging.getLogger(__name__)


def twiml_response(body: str) -> Response:
    return Response(body, status=200, mimetype="text/xml")


def enqueue_follow_ups(session: Session, outcome: Outcome) -> None:
    if not outcome.message_ids and not outcome.cases_to_match:
        return
    try:
        queue = job_queue_for(runtime())
        if outcome.message_ids:
            enqueue_send(queue, outcome.message_ids)
        for case in outcome.cases_to_match:
            enqueue_matching(session, queue, case, utcnow())
    except Exception as exc:  # Redis down or unreachable: the sweeper re-enqueues
        session.rollback()
        log.warning("follow-up work not enqueued (%s); left for the sweeper", type(exc).__name__)
