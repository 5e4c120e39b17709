"""POST /twilio/status: delivery callbacks for messages, and status callbacks for calls.

Thin and fast: the signature was checked by the blueprint; parse, hand to one service, commit,
enqueue what it returned, answer 200 with empty TwiML (Twilio needs a Content-Type, 12300).
Malformed callbacks get 400 (RapidPro/courier does the same for an unknown status). With the
database unreachable the callback is journaled for replay (app.web.webhooks.fallback): Twilio
never retries a status callback.
"""

from __future__ import annotations

import logging

from flask import Response, request
from twilio.twiml.messaging_response import MessagingResponse

from app.adapters.rq_queue import job_queue_for
from app.models.base import utcnow
from app.services.delivery import pricing
from app.services.fallback.status_callbacks import MalformedCallback, apply_status_callback
from app.web.session import commit_then_enqueue, db_session, runtime
from app.web.webhooks.blueprint import bp

log = logging.getLogger(__name__)


@bp.post("/status")
def status_callback() -> Response:
    session = db_session()
    settings = runtime().settings
    try:
        applied = apply_status_callback(session, request.form, request.args, now=utcnow(),
                                        flows_dir=settings.flows_dir,
                                        price_policy=pricing.policy_for(settings))
    except MalformedCallback as exc:
        log.warning("malformed status callback: %s", exc)
        return Response(f"Bad request: {exc}\n", status=400, mimetype="text/plain")
    commit_then_enqueue(session, applied.message_ids)
    if applied.price_checks:
        try:
            pricing.enqueue_price_checks(job_queue_for(runtime()), applied.price_checks)
        except Exception as exc:  # committed and armed: the sweeper enqueues it later
            log.warning("price check not enqueued (%s); left for the sweeper",
                        type(exc).__name__)
    return Response(str(MessagingResponse()), status=200, mimetype="text/xml")
