"""POST /twilio/voice and its action URLs: the IVR. Thin: parse, one service call, render TwiML.

- /twilio/voice                      a call starts
- /twilio/voice/step?s=N             the answer to step N (Digits or SpeechResult);
                                     `&silence=1` is the fall-through after a silent Gather
- /twilio/voice/dial-done            after ringing staff (DialCallStatus)
- /twilio/voice/recording            after a voicemail (<Record action>)
- /twilio/voice/recording-status     recordingStatusCallback (may come before or after)

Idempotency: each delivery is keyed by CallSid + step + input and answered
from the stored TwiML when repeated.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, request
from sqlalchemy.exc import IntegrityError

from app.adapters.twilio import twiml
from app.models.base import utcnow
from app.services.conversations import state as conv
from app.services.conversations.calls import record_transcription, record_voicemail
from app.services.conversations.voice import (
    VoiceReply,
    after_voicemail,
    dial_ended,
    start_call,
    step_call,
)
from app.web.session import commit_then_enqueue, db_session, runtime
from app.web.webhooks.blueprint import bp
from app.web.webhooks.follow_up import twiml_response

KIND = "voice"
STEP_URL = "/twilio/voice/step"
TRANSCRIPTION_URL = "/twilio/voice/transcription"


def render(reply: VoiceReply) -> str:
    if reply.kind == "gather" and reply.prompt is not None:
        action = f"{STEP_URL}?s={reply.step}"
        return twiml.gather(reply.prompt, reply.spoken, action=action,
                            on_silence=f"{action}&silence=1", relay_timeout=reply.relay_timeout)
    if reply.kind == "dial":
        return twiml.dial(reply.spoken, reply.numbers, action="/twilio/voice/dial-done",
                          caller_id=runtime().settings.twilio_phone_number)
    if reply.kind == "record":
        return twiml.record(reply.spoken, action="/twilio/voice/recording",
                            status_callback="/twilio/voice/recording-status",
                            goodbye=reply.goodbye_spoken,
                            transcribe_callback=TRANSCRIPTION_URL
                            if reply.language == "en" else None)
    return twiml.say_and_hang_up(reply.spoken, pause_between=1)


def _once(key: str, work: Callable[[], VoiceReply]) -> Response:
    """Run `work` once per delivery key: commit with the answer, enqueue after, or replay."""
    session = db_session()
    for _attempt in range(2):  # the claim comes first: see app/web/webhooks/sms.py

        try:
            conv.claim_key(session, KIND, key, utcnow())
            reply = work()
            body = render(reply)
            conv.store_answer(session, KIND, key, body)
            commit_then_enqueue(session, reply.outcome.message_ids, reply.outcome.cases_to_match)
            return twiml_response(body)
        except IntegrityError:
            session.rollback()
            stored = conv.stored_answer(session, KIND, key)
            if stored is not None:
                return twiml_response(stored)
    return twiml_response(twiml.say_and_hang_up([]))


def _call_sid() -> str:
    return (request.form.get("CallSid") or "").strip()[:64] or "unknown"


@bp.post("/voice")
def voice_start() -> Response:
    settings, form, sid = runtime().settings, request.form, _call_sid()
    return _once(f"{sid}:start", lambda: start_call(
        db_session(), flow=conv.default_flow(settings), settings=settings, call_sid=sid,
        from_raw=form.get("From", ""), to_raw=form.get("To", ""), now=utcnow()))


@bp.post("/voice/step")
def voice_step() -> Response:
    settings, form, sid = runtime().settings, request.form, _call_sid()
    raw_step = request.args.get("s", "")
    step = int(raw_step) if raw_step.isdigit() and len(raw_step) < 7 else None
    digits = None if request.args.get("silence") else (form.get("Digits") or None)
    speech = None if request.args.get("silence") else (form.get("SpeechResult") or None)
    given = f"d:{digits}" if digits else f"s:{speech}" if speech else "silence"
    return _once(f"{sid}:{raw_step[:8]}:{given}"[:255], lambda: step_call(
        db_session(), flow=conv.default_flow(settings), settings=settings, call_sid=sid,
        from_raw=form.get("From", ""), step=step, digits=digits, speech=speech, now=utcnow()))


@bp.post("/voice/dial-done")
def voice_dial_done() -> Response:
    settings, sid = runtime().settings, _call_sid()
    status = (request.form.get("DialCallStatus") or "").strip().lower()[:20]
    return _once(f"{sid}:dial:{status}", lambda: dial_ended(
        db_session(), flow=conv.default_flow(settings), settings=settings, call_sid=sid,
        dial_status=status, now=utcnow()))


@bp.post("/voice/recording")
def voice_recording() -> Response:
    """The <Record> action: keep the recording, thank the caller, hang up."""
    settings, sid = runtime().settings, _call_sid()
    _save_recording(sid)
    reply = after_voicemail(db_session(), flow=conv.default_flow(settings), settings=settings,
                            call_sid=sid)
    db_session().commit()
    return twiml_response(render(reply))


@bp.post("/voice/transcription")
def voice_transcription() -> Response:
    """Twilio's transcribeCallback: the voicemail as text (English voicemails only)."""
    form = request.form
    ids = record_transcription(
        db_session(), call_sid=_call_sid(), text=form.get("TranscriptionText"),
        status=(form.get("TranscriptionStatus") or "").strip().lower()[:20],
        settings=runtime().settings, now=utcnow())
    commit_then_enqueue(db_session(), ids)
    return twiml_response(twiml.sms([]))


@bp.post("/voice/recording-status")
def voice_recording_status() -> Response:
    _save_recording(_call_sid())
    db_session().commit()
    return twiml_response(twiml.sms([]))


def _save_recording(call_sid: str) -> None:
    form = request.form
    duration = (form.get("RecordingDuration") or "").strip()
    record_voicemail(
        db_session(), call_sid=call_sid, recording_sid=form.get("RecordingSid") or None,
        recording_url=form.get("RecordingUrl") or None,
        duration=int(duration) if duration.isdigit() and len(duration) < 7 else None,
        now=utcnow(),
    )
