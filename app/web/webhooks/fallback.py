"""POST /twilio/fallback: Twilio's fallback URL for voice and SMS (docs/reliability.md, 'Fallback').

Twilio calls this when the primary webhook could not answer (database down, a 5xx, a timeout;
`ErrorCode`/`ErrorUrl` say which). So this view must work with the database DOWN: it never opens
a session, never touches Redis, and uses only settings. It writes the signed request to the
fallback journal (one file per MessageSid/CallSid) for `here2help fallback replay`, then answers
safe TwiML: 999 in an emergency, NHS 111 (and the council's number when configured) for urgent
help, and, for a call, a voicemail whose recording comes back here and is journaled too.

It never answers 5xx: if even the journal write fails it logs loudly (no number, no text) and
still gives the resident the safe advice, which is all it can do.

The primary webhooks degrade the same way without waiting for Twilio: when
/twilio/sms or /twilio/voice* fails because the database is unreachable or too slow (connection
refused, the 5 s statement timeout, an exhausted pool), `degrade_to_fallback` journals that
request and answers this same safe TwiML with 200. So nothing is lost even where no fallback URL
is configured in Twilio, and the resident hears the advice at once rather than after a retry.
"""

from __future__ import annotations

import logging

from flask import Response, request
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import HTTPException

from app.adapters.twilio.signature import signed_url
from app.models.base import utcnow
from app.services.fallback.journal import (
    KIND_CALL,
    KIND_RECORDING,
    KIND_STATUS,
    make_entry,
    write_entry,
)
from app.web.session import runtime
from app.web.webhooks.blueprint import bp

log = logging.getLogger(__name__)
VOICE = {"voice": "Polly.Amy", "language": "en-GB"}
#: Longest voicemail, in seconds: enough to give a name, a number and the problem.
MAX_RECORDING_SECONDS = 120
#: Answered if building the proper reply fails too: still valid TwiML with the 999 advice.
LAST_RESORT_TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Say language="en-GB">Sorry, we have a '
    "technical problem. If it is an emergency, hang up and ring 9 9 9. For urgent medical help, "
    "ring 1 1 1.</Say><Hangup/></Response>"
)
LAST_RESORT_SMS = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Sorry, Here2Help has a technical '
    "problem. In an emergency call 999. For urgent medical help call NHS 111.</Message></Response>"
)


#: Errors that mean "the database is not there or too slow", not a bug in the view.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeoutError)
#: Paths whose requests are journaled for replay when they cannot be handled: a resident's
#: text or call, and status callbacks (Twilio never retries one, and a call's final status
#: carries the resident's resume SMS).
DEGRADING_PATHS = ("/twilio/sms", "/twilio/voice", "/twilio/status")


@bp.post("/fallback")
def fallback() -> Response:
    """Journal the request, then answer the advice; never touches the database."""
    return journal_and_advise()


def degrade_to_fallback(error: Exception) -> Response:
    """A primary webhook lost its database: answer as the fallback would (see module doc)."""
    if not request.path.startswith(DEGRADING_PATHS):
        raise error
    log.error("%s: database unavailable (%s); journaling for replay", request.path,
              type(error).__name__)
    return journal_and_advise()


def degrade_on_unexpected_error(error: Exception) -> Response | HTTPException:
    """Any other exception in a primary webhook is handled like a database outage.

    A bug or an input nobody foresaw must not lose what the resident said: Twilio does not
    retry a 500, so the signed request is journaled for `here2help fallback replay` and the
    resident gets the safe advice. Deliberate HTTP answers (400, 403, 405) pass through.
    """
    if isinstance(error, HTTPException):
        return error
    if not request.path.startswith(DEGRADING_PATHS):
        raise error
    log.error("%s: unexpected %s; journaling for replay", request.path, type(error).__name__,
              exc_info=error)
    return journal_and_advise()


for _error in DATABASE_UNAVAILABLE:
    bp.register_error_handler(_error, degrade_to_fallback)
bp.register_error_handler(Exception, degrade_on_unexpected_error)


def journal_and_advise() -> Response:
    """Journal this signed request for replay and answer the safe TwiML (never a 5xx)."""
    kind = _journal()
    if kind == KIND_STATUS:  # a status callback wants no message, only a 200 with TwiML
        return Response(str(MessagingResponse()), status=200, mimetype="text/xml")
    try:
        if kind == KIND_RECORDING:
            body = voicemail_thanks()
        elif kind == KIND_CALL:
            body = voice_advice(_help_phone(), _fallback_url())
        else:
            body = sms_advice(_help_phone())
    except Exception:  # the safe answer must go out whatever happens
        log.exception("fallback TwiML could not be built; answering the last-resort TwiML")
        body = LAST_RESORT_TWIML if kind in (KIND_CALL, KIND_RECORDING) else LAST_RESORT_SMS
    return Response(body, status=200, mimetype="text/xml")


def _journal() -> str:
    """Write the journal entry; returns its kind (sms/call/recording/unknown) in every case."""
    kind = "unknown"
    try:
        settings = runtime().settings
        entry = make_entry(
            url=signed_url(request.url, settings.public_base_url),
            form=request.form.items(multi=True),
            headers=dict(request.headers.items()),
            received_at=utcnow(),
        )
        kind = entry.kind
        write_entry(settings.fallback_journal_dir, entry)
        log.warning("fallback: journaled %s %s (Twilio error %s)", entry.kind, entry.key,
                    entry.error_code or "none")
    except Exception:
        # Loud: this request now exists only in Twilio's logs (the Debugger has the params).
        log.critical("fallback: journal write FAILED for a %s request; recover it from the "
                     "Twilio Debugger", kind, exc_info=True)
    return kind


def _help_phone() -> str | None:
    try:
        return runtime().settings.council_phone_number
    except Exception:
        return None


def _fallback_url() -> str:
    """Where the voicemail goes: this view again, at the public URL when one is configured."""
    base = runtime().settings.public_base_url
    return f"{base}/twilio/fallback" if base else request.script_root + "/twilio/fallback"


def spell_digits(number: str) -> str:
    """"01632 960123" -> "0 1 6 3 2, 9 6 0 1 2 3": read digit by digit, pausing at spaces."""
    groups = ["".join(ch for ch in part if ch.isdigit()) for part in number.split()]
    return ", ".join(" ".join(group) for group in groups if group)


def voice_advice(help_phone: str | None, record_action: str) -> str:
    """The call: the problem, 999, 111 (and the council), then a voicemail, then goodbye."""
    response = VoiceResponse()
    response.say(
        "Sorry, Here2Help has a technical problem and cannot take your call properly just now. "
        "If it is an emergency, hang up and ring 9 9 9. For urgent medical help, ring N H S "
        "1 1 1." + (f" For other urgent help, ring the council on {spell_digits(help_phone)}."
                    if help_phone else ""),
        **VOICE,
    )
    response.say(
        "Or leave a message after the tone with your name, your phone number and what you "
        "need, and we will call you back. Press the hash key when you have finished.", **VOICE
    )
    response.record(action=record_action, method="POST", max_length=MAX_RECORDING_SECONDS,
                    timeout=5, finish_on_key="#", play_beep=True)
    response.say("We did not hear a message. Please call again later. Goodbye.", **VOICE)
    response.hangup()
    return str(response)


def voicemail_thanks() -> str:
    response = VoiceResponse()
    response.say("Thank you. We have your message and will call you back as soon as we can. "
                 "If it is an emergency, ring 9 9 9. Goodbye.", **VOICE)
    response.hangup()
    return str(response)


def sms_advice(help_phone: str | None) -> str:
    response = MessagingResponse()
    council = f" or the council on {help_phone}" if help_phone else ""
    response.message(
        "Here2Help: we have received your message and will reply when our system is working "
        "again. In an emergency call 999. For urgent medical help call NHS 111" + council + "."
    )
    return str(response)
