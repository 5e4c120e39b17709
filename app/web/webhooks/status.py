"""POST /twilio/status: delivery callbacks for messages, and status callbacks for calls.

Thin and fast: the signature was checked by the blueprint; parse, hand to one service, commit,
enqueue what it returned, answer 200 with empty TwiML (Twilio needs a Content-Type, 12300).
Malformed callbacks get 400 (RapidPro/courier does the same for an unknown status).
"""

from __future__ import annotations

import logging

from flask import Response, request
from twilio.twiml.messaging_response import MessagingResponse

from app.models.base import utcnow
from app.services.conversations.calls import record_call_status
from app.services.delivery import status as delivery_status
from app.web.session import commit_then_enqueue, db_session, runtime
from app.web.webhooks.blueprint import bp

log = logging.getLogger(__name__)


def _empty_twiml() -> Response:
    return Response(str(MessagingResponse()), status=200, mimetype="text/xml")


@bp.post("/status")
def status_callback() -> Response:
    form = request.form
    if not form.get("MessageSid") and not form.get("SmsSid") and form.get("CallSid"):
        return _call_status()
    try:
        callback = delivery_status.parse_message_callback(form, request.args)
    except delivery_status.MalformedCallback as exc:
        log.warning("malformed status callback: %s", exc)
        return Response(f"Bad request: {exc}\n", status=400, mimetype="text/plain")
    session = db_session()
    message_ids = delivery_status.apply_message_callback(session, callback, utcnow())
    commit_then_enqueue(session, message_ids)
    return _empty_twiml()


def _call_status() -> Response:
    """A call moved on (ringing, answered, completed...): the calls service records it."""
    form = request.form
    call_status = (form.get("CallStatus") or "").strip().lower()
    if not call_status:
        return Response("Bad request: CallStatus is missing\n", status=400, mimetype="text/plain")
    duration = (form.get("CallDuration") or "").strip()
    session = db_session()
    message_ids = record_call_status(
        session,
        call_sid=form["CallSid"].strip()[:64],
        status=call_status,
        duration=int(duration) if duration.isdigit() and len(duration) < 9 else None,
        price=form.get("Price") or None,
        price_unit=form.get("PriceUnit") or None,
        now=utcnow(),
        flows_dir=runtime().settings.flows_dir,
    )
    commit_then_enqueue(session, message_ids)
    return _empty_twiml()
