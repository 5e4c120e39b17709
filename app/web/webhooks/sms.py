"""POST /twilio/sms: an SMS arrives. Thin: parse, one service call, commit, then enqueue.

The signature was checked by the blueprint. Idempotency: the MessageSid is claimed in the same
transaction (on PostgreSQL, for a plain menu answer, the same statement) as everything the
message changes, together with the TwiML answered, so a repeat
(in sequence or in parallel) changes nothing and gets the same answer. Sends and matching are
enqueued only after the commit; if Redis is down the answer still goes back and the rows stay
flagged for the sweeper.
"""

from __future__ import annotations

from flask import Response, request
from sqlalchemy.exc import IntegrityError

from app.adapters.twilio import twiml
from app.models.base import utcnow
from app.services.conversations import state as conv
from app.services.conversations.sms import answer_sms
from app.services.fallback.journal import pending_sms_senders
from app.web.session import commit_then_enqueue, db_session, runtime
from app.web.webhooks.blueprint import bp
from app.web.webhooks.fallback import journal_and_advise
from app.web.webhooks.follow_up import twiml_response

KIND = "sms"


@bp.post("/sms")
def inbound_sms() -> Response:
    form = request.form
    if (form.get("From") or "").strip() in pending_sms_senders(
            runtime().settings.fallback_journal_dir):
        # Earlier texts from this number wait in the fallback journal: this one joins the
        # queue behind them, so replay handles the conversation in the order it was written.
        return journal_and_advise()
    sid = (form.get("MessageSid") or form.get("SmsSid") or "").strip()[:64]
    session = db_session()
    # The claim (an INSERT) is the first write: only taking the number's turn and reads come
    # before it (see answer_sms), so a repeat fails on the unique constraint (a parallel one
    # waits for the first's turn, or on its claim) and answers what the first stored.
    for _attempt in range(2):
        try:
            return _process(sid, form)
        except IntegrityError:
            session.rollback()
            stored = conv.stored_answer(session, KIND, sid) if sid else None
            if stored is not None:
                return twiml_response(stored)
            session.rollback()  # the next attempt starts with no transaction, as the first did
    return twiml_response(twiml.sms([]))


def _process(sid: str, form) -> Response:
    session = db_session()
    settings = runtime().settings
    now = utcnow()
    claimed: tuple[list[str] | None, str] = (None, "")  # the reply claimed, as TwiML

    def claim(messages: list[str] | None) -> conv.Claim | None:
        nonlocal claimed
        if not sid:
            return None
        claimed = (messages, twiml.sms(messages) if messages is not None else "")
        return conv.Claim(KIND, sid, now, claimed[1])

    outcome = answer_sms(
        session, flow=conv.default_flow(settings), settings=settings, message_sid=sid,
        from_raw=form.get("From", ""), to_raw=form.get("To", ""), body=form.get("Body", ""),
        now=now, claim=claim,
    )
    body = claimed[1] if sid and outcome.messages == claimed[0] else twiml.sms(outcome.messages)
    if sid and body != claimed[1]:
        conv.store_answer(session, KIND, sid, body)
    commit_then_enqueue(session, outcome.message_ids, outcome.cases_to_match)
    return twiml_response(body)
