"""Call records, call status callbacks, voicemail recordings.

Interface (called from /twilio/status for call events):

    record_call_status(session, *, call_sid: str, status: str, duration: int | None,
                       price: str | None, price_unit: str | None, now: datetime) -> list[int]
    (returns outbox message ids to enqueue, e.g. the "finish by text" SMS after a hang-up)

Resume by SMS: a caller on a mobile who hangs up before the flow ends gets ONE text inviting
them to carry on. Their conversation becomes an SMS conversation with its state untouched, so
their next text answers the question the call had reached, with every earlier answer kept.
Caller ID can be forged, so the invitation goes only after a call we answered (completed),
never while the number has an SMS conversation of its own (which the call must not take
over), and within the outbox's per-number limit for unsolicited texts.

Voicemail: `record_voicemail` is called by both the <Record> action and its
recordingStatusCallback (either may arrive first, or twice); it stores the recording on the Call
and notes it on the call's case once. `record_transcription` keeps Twilio's transcription of the
voicemail (when Twilio made one) on the case's timeline, once, and raises safeguarding when the
words call for it, like any text from a resident.
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.enums import Channel, ConversationStatus
from app.domain.phone import parse_phone
from app.domain.safeguarding import find_safeguarding_phrases
from app.models.case import Case, CaseEvent
from app.models.conversation import Conversation
from app.models.message import Call
from app.repositories.calls import upsert_call
from app.services.cases.safeguarding import Source, raise_safeguarding
from app.services.cases.timeline import add_case_event
from app.services.conversations.state import flow_in
from app.services.messaging.outbox import queue_sms
from app.settings import Settings

log = logging.getLogger(__name__)

FINAL_CALL_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})


def record_call_status(session: Session, *, call_sid: str, status: str, duration: int | None,
                       price: str | None, price_unit: str | None, now: datetime,
                       flows_dir: Path) -> list[int]:
    call = upsert_call(session, call_sid, now)
    if call.status not in FINAL_CALL_STATUSES:  # final states never go back
        call.status = status[:20]
    if duration is not None:
        call.duration_seconds = duration
    call.price = _decimal(price) if price else call.price
    call.price_unit = (price_unit or "")[:3] or call.price_unit
    call.updated_at = now
    if status not in FINAL_CALL_STATUSES:
        session.flush()
        return []
    call.ended_at = call.ended_at or now
    session.flush()
    return _invite_to_finish_by_text(session, call_sid, now, flows_dir)


def _decimal(raw: str) -> Decimal | None:
    try:
        return Decimal(raw)
    except InvalidOperation:
        return None


def _invite_to_finish_by_text(session: Session, call_sid: str, now: datetime,
                              flows_dir: Path) -> list[int]:
    conversation = session.scalar(select(Conversation).where(Conversation.call_sid == call_sid))
    if conversation is None or conversation.status != ConversationStatus.ACTIVE:
        return []
    if conversation.resume_sms_sent_at is not None:  # a repeated callback: invited already
        return []
    parsed = parse_phone(conversation.phone)
    call = session.scalar(select(Call).where(Call.call_sid == call_sid))
    if not (parsed.is_number and parsed.mobile) or not _may_invite(session, parsed.e164, call):
        conversation.status = ConversationStatus.ABANDONED
        return []

    flow = flow_in(flows_dir)
    language = conversation.state.get("language") or flow.default_language
    conversation.channel = Channel.SMS
    conversation.last_activity_at = now
    conversation.resume_sms_sent_at = now
    message = queue_sms(session, to_phone=parsed.e164, body=flow.phrase("resume_sms", language),
                        purpose="resume", idempotency_key=f"resume:{call_sid}", now=now)
    session.flush()
    if message is None or message.status != "pending":
        return []
    return [message.id]


def _may_invite(session: Session, e164: str, call: Call | None) -> bool:
    """Only after a call we answered (Twilio says completed), and never over the number's own
    SMS conversation: caller ID can be forged, so a stranger "calling as" someone must neither
    make us text them at will nor reset what they are in the middle of telling us by SMS."""
    if call is None or call.status != "completed":
        return False
    texting = session.scalar(select(Conversation.id).where(
        Conversation.phone == e164, Conversation.channel == Channel.SMS,
        Conversation.status == ConversationStatus.ACTIVE).limit(1))
    return texting is None


def record_voicemail(session: Session, *, call_sid: str, recording_sid: str | None,
                     recording_url: str | None, duration: int | None, now: datetime) -> Case | None:
    """Keep the recording on the call, and note it once on the hand-over case."""
    call = upsert_call(session, call_sid, now)
    first_time = not call.recording_url and bool(recording_url)
    if recording_url:
        call.recording_url = recording_url[:2000]
        call.recording_sid = (recording_sid or "")[:64] or call.recording_sid
        call.recording_duration_seconds = duration
    call.updated_at = now
    case = session.get(Case, call.case_id) if call.case_id else None
    if case is not None and first_time:
        add_case_event(session, case, "voicemail", "Voicemail left: call back", now=now,
                       # The call's id, not Twilio's URL: staff listen through the console,
                       # which checks their role and logs it.
                       data={"call_id": call.id, "duration": duration},
                       call_id=call.id)
    session.flush()
    return case


MAX_TRANSCRIPT_CHARS = 5000


def record_transcription(session: Session, *, call_sid: str, text: str | None, status: str,
                         settings: Settings, now: datetime) -> list[int]:
    """A voicemail's transcription: on the case's timeline once; safeguarding words raise it.

    -> outbox ids to enqueue (the duty alert). A transcription for a call with no case, or one
    that failed, changes nothing.
    """
    words = (text or "").replace("\x00", "").strip()[:MAX_TRANSCRIPT_CHARS]
    call = session.scalar(select(Call).where(Call.call_sid == call_sid))
    if call is None or call.case_id is None or status != "completed" or not words:
        return []
    case = session.get(Case, call.case_id)
    if case is None or session.scalar(select(CaseEvent.id).where(
            CaseEvent.case_id == case.id, CaseEvent.call_id == call.id,
            CaseEvent.kind == "voicemail_transcript").limit(1)) is not None:
        return []
    add_case_event(session, case, "voicemail_transcript", words, now=now, call_id=call.id,
                   data={"source": "twilio transcription"})
    phrases = find_safeguarding_phrases(words, settings.safeguarding_phrases_file)
    if not phrases:
        return []
    return raise_safeguarding(session, case, source=Source.VOICEMAIL, now=now,
                              alert_numbers=settings.safeguarding_alert_numbers,
                              phrases=phrases, call_id=call.id).message_ids
