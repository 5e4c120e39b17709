"""A phone call through the flow: start, each answer (keys, speech or silence), the endings.

The service decides WHAT happens (ask, ring staff, take a voicemail, say goodbye) and returns a
`VoiceReply`; the webhook turns it into TwiML. Every answer is tied to a step number carried in
the action URL, so a repeated or late request for an old step changes nothing: it hears the
current question again.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import flow_engine
from app.domain.enums import Channel, ConversationStatus
from app.domain.flow_engine import (
    CreateCase,
    HandOver,
    InputKind,
    Line,
    Prompt,
    Turn,
    UserInput,
)
from app.domain.flows import Flow
from app.domain.phone import parse_phone
from app.domain.references import format_for_speech
from app.domain.voice_prompts import Utterance, unvoiced_lines, utterances
from app.models.conversation import Conversation
from app.models.message import Call
from app.repositories.calls import upsert_call
from app.services.cases import transcript
from app.services.conversations import state as conv
from app.services.conversations.handover import line_is_open, numbers_to_dial, opening_words
from app.services.conversations.language import remember_language, remembered_language
from app.services.messaging.outbox import queue_sms
from app.settings import Settings

#: Where recorded prompts are served from (app.web.prompts): Twilio fetches them to <Play>.
PROMPTS_URL = "/voice-prompts"
#: Relay UK: a text relay call arrives with this prefix before the caller's number.
RELAY_PREFIX = "18001"


@dataclass
class VoiceReply:
    """kind: "gather" (ask), "dial" (ring staff), "record" (voicemail) or "hangup".

    `lines` are what is said (each in its own language); `spoken` and `goodbye_spoken` are
    them as verbs (a recording, a voice), filled in by `voiced` before the reply leaves.
    """

    kind: str
    lines: list[Line]
    language: str  # the conversation's flow language code
    step: int = 0
    prompt: Prompt | None = None
    numbers: list[str] = field(default_factory=list)
    goodbye: list[Line] = field(default_factory=list)
    outcome: conv.Outcome = field(default_factory=conv.Outcome)
    spoken: list[Utterance] = field(default_factory=list)
    goodbye_spoken: list[Utterance] = field(default_factory=list)
    relay_timeout: int = 30


def voiced(flow: Flow, settings: Settings, reply: VoiceReply) -> VoiceReply:
    """Turn the reply's lines into verbs: recordings from the prompts directory, voices."""
    base = f"{(settings.public_base_url or '').rstrip('/')}{PROMPTS_URL}"
    reply.spoken = utterances(flow, reply.lines, settings.prompts_dir, base)
    reply.goodbye_spoken = utterances(flow, reply.goodbye, settings.prompts_dir, base)
    reply.relay_timeout = flow.relay.timeout if flow.relay else reply.relay_timeout
    return reply


def relay_caller(from_raw: str, settings: Settings) -> tuple[str, bool]:
    """(the caller's number as given, whether they use text relay): numbers arriving with the
    Relay UK prefix 18001, or listed in RELAY_CALLER_IDS."""
    raw = (from_raw or "").strip()
    if raw.startswith(RELAY_PREFIX) and raw[len(RELAY_PREFIX):].lstrip("+").isdigit():
        return raw[len(RELAY_PREFIX):], True
    parsed = parse_phone(raw, settings.default_region)
    return raw, parsed.is_number and parsed.e164 in settings.relay_caller_ids


def call_for(session: Session, call_sid: str, from_raw: str, to_raw: str, settings: Settings,
             now: datetime) -> Call:
    parsed = parse_phone(relay_caller(from_raw, settings)[0], settings.default_region)
    return upsert_call(session, call_sid, now, from_phone=parsed.e164 if parsed.is_number else None,
                       to_phone=(to_raw or "")[:20] or None)


def start_call(session: Session, *, flow: Flow, settings: Settings, call_sid: str,
               from_raw: str, to_raw: str, now: datetime) -> VoiceReply:
    call = call_for(session, call_sid, from_raw, to_raw, settings, now)
    conversation = session.scalar(select(Conversation).where(Conversation.call_sid == call_sid))
    if conversation is not None and conversation.status == ConversationStatus.ACTIVE:
        turn = flow_engine.repeat(flow, conversation.state, Channel.VOICE)
        return _noted(conversation, now,
                      _reply(session, flow, settings, conversation, call, turn, now))
    turn = flow_engine.start(flow, Channel.VOICE,
                             language=remembered_language(session, flow, call.from_phone),
                             relay=relay_caller(from_raw, settings)[1])
    conversation = Conversation(channel=Channel.VOICE, phone=call.from_phone, call_sid=call_sid,
                                flow_id=flow.id, flow_version=flow.version,
                                node=turn.state["node"], state={}, created_at=now)
    session.add(conversation)
    conv.save_turn(conversation, turn, now)
    transcript.note(conversation, now, transcript.CALL, "step", "The line answered the call")
    session.flush()
    call.conversation_id = conversation.id
    return _noted(conversation, now, _reply(session, flow, settings, conversation, call, turn, now))


def _noted(conversation: Conversation, now: datetime, reply: VoiceReply) -> VoiceReply:
    """Note on the conversation what the caller hears and what the call does next."""
    transcript.note_said(conversation, now, [line.text for line in reply.lines])
    if reply.kind == "dial":
        count = len(reply.numbers)
        transcript.note(conversation, now, transcript.CALL, "step",
                        f"Handed over: ringing {count} member{'s' if count != 1 else ''} of "
                        f"staff on duty")
    elif reply.kind == "record":
        transcript.note(conversation, now, transcript.CALL, "step",
                        "Handed over: recording a voicemail")
    elif reply.kind == "hangup":
        transcript.note(conversation, now, transcript.CALL, "step", "The line hung up")
    return reply


def _note_input(conversation: Conversation, now: datetime, given: UserInput) -> None:
    if given.kind == InputKind.DIGITS:
        transcript.note(conversation, now, transcript.RESIDENT, "keys", given.value)
    elif given.kind == InputKind.SPEECH:
        transcript.note(conversation, now, transcript.RESIDENT, "speech", given.value)
    else:
        transcript.note(conversation, now, transcript.RESIDENT, "silence")


def step_call(session: Session, *, flow: Flow, settings: Settings, call_sid: str,
              from_raw: str, step: int | None, digits: str | None, speech: str | None,
              now: datetime) -> VoiceReply:
    conversation = session.scalar(select(Conversation).where(Conversation.call_sid == call_sid))
    if conversation is None:  # a step for a call we never saw start: begin properly
        return start_call(session, flow=flow, settings=settings, call_sid=call_sid,
                          from_raw=from_raw, to_raw="", now=now)
    call = call_for(session, call_sid, from_raw, "", settings, now)
    if conversation.status != ConversationStatus.ACTIVE:
        return voiced(flow, settings, _goodbye(flow, conversation.state))
    if step != conversation.state.get("step", 0):
        turn = flow_engine.repeat(flow, conversation.state, Channel.VOICE)
        return _noted(conversation, now,
                      _reply(session, flow, settings, conversation, call, turn, now))
    given = voice_input(digits, speech)
    if conversation.state.get("relay") and given.kind == InputKind.SPEECH:
        given = UserInput(InputKind.SILENCE)  # keys only on a relay call
    conv.keep_menu_words(flow, conversation, given)
    before = (conversation.state.get("answers") or {}).get("language")
    turn = flow_engine.advance(flow, conversation.state, given, Channel.VOICE)
    conv.save_turn(conversation, turn, now)
    _note_input(conversation, now, given)
    remember_language(session, flow, conversation.phone, turn.state, known=before)
    early = conv.Outcome()
    if given.kind == InputKind.SPEECH:
        conv.raise_on_words(session, flow, settings, conversation, given.value, Channel.VOICE,
                            now, early, call_id=call.id)
    reply = _reply(session, flow, settings, conversation, call, turn, now)
    if early.messages:  # "ring 999" first, before the next question or the goodbye
        line = flow_engine.phrase_line(flow, "safeguarding", reply.language)
        reply.lines = [line, *(m for m in reply.lines if m.key != line.key)]
        if reply.prompt is not None:
            reply.prompt = replace(reply.prompt, lines=(line, *reply.prompt.lines))
        voiced(flow, settings, reply)
    reply.outcome.message_ids.extend(early.message_ids)
    if conversation.case_id and call.case_id is None:
        call.case_id = conversation.case_id
    return _noted(conversation, now, reply)


def voice_input(digits: str | None, speech: str | None) -> UserInput:
    if digits:
        return UserInput(InputKind.DIGITS, digits[:20])
    if speech and speech.strip():
        return UserInput(InputKind.SPEECH, speech[:500])
    return UserInput(InputKind.SILENCE)


def _goodbye(flow: Flow, state: dict) -> VoiceReply:
    code = flow.language(state.get("language") or flow.default_language).code
    return VoiceReply("hangup", [flow_engine.phrase_line(flow, "voicemail_thanks", code)], code)


def _cannot_speak(flow: Flow, settings: Settings, turn: Turn) -> bool:
    """The call has reached a question in a language with no voice and missing recordings."""
    return (turn.prompt.expects_input and not flow.language(turn.prompt.language).speaks
            and bool(unvoiced_lines(flow, turn.prompt.lines, settings.prompts_dir,
                                    turn.prompt.language)))


def _reply(session: Session, flow: Flow, settings: Settings, conversation: Conversation,
           call: Call, turn: Turn, now: datetime) -> VoiceReply:
    if _cannot_speak(flow, settings, turn):
        # No way to ask in their language: a person takes the call (staff can bring in an
        # interpreter), told plainly; by text the same resident can carry on in their language.
        turn = flow_engine.hand_over(flow, turn.state, Channel.VOICE, "no_voice", "no_voice",
                                     lead=flow_engine.lead_lines(turn.state, turn.prompt))
        conv.save_turn(conversation, turn, now)
    code = flow.language(turn.prompt.language).code
    reply = VoiceReply("gather", list(turn.prompt.lines), code,
                       step=int(turn.state.get("step", 0)), prompt=turn.prompt)
    for action in turn.actions:
        draft = conv.draft_from_answers(
            dict(action.answers), channel=Channel.VOICE, phone=conversation.phone,
            language=code, needs_staff=isinstance(action, HandOver), call_id=call.id,
            flow=flow)
        case = conv.open_case(session, conversation, draft, settings, now, reply.outcome)
        call.case_id = case.id
        if isinstance(action, CreateCase):
            _finish(session, flow, conversation, case, reply, now)
        else:
            conv.note_handover(session, case, settings, now, action.reason, Channel.VOICE)
            _handover(session, flow, settings, conversation, case, reply, code, now)
    return voiced(flow, settings, reply)


def _finish(session: Session, flow: Flow, conversation: Conversation, case, reply: VoiceReply,
            now: datetime) -> None:
    code = conversation.state.get("language", flow.default_language)
    spoken = _spoken_reference(case.reference)
    lines = [_fill(line, spoken) for line in reply.lines]
    again = [line for line in lines if line.value]
    reply.lines = lines + again
    line = conv.safety_line(flow, case, code, [m.text for m in reply.lines])
    if line:
        reply.lines.append(flow_engine.phrase_line(flow, "safeguarding", code))
    reply.kind = "hangup"
    parsed = parse_phone(conversation.phone)
    if parsed.is_number and parsed.mobile:
        text = flow.phrase("closing_sms", code).replace("{reference}", case.reference)
        message = queue_sms(session, to_phone=parsed.e164, body=text, purpose="case_reference",
                            idempotency_key=f"case-reference:{case.id}", now=now,
                            case_id=case.id)
        if message is not None and message.status == "pending":
            reply.outcome.message_ids.append(message.id)


def _spoken_reference(reference: str) -> str:
    """"H 2 H. 7 K 3 Q" -> "H, 2, H. 7, K, 3, Q": the commas make text-to-speech pause on each."""
    return format_for_speech(reference).replace(" ", ", ").replace("., ", ". ")


def _fill(line: Line, reference: str) -> Line:
    """The reference in a line, marked as its filled-in part (said after a recording)."""
    if "{reference}" not in line.text:
        return line
    fallback = line.fallback.replace("{reference}", reference) if line.fallback else None
    return replace(line, text=line.text.replace("{reference}", reference), value=reference,
                   fallback=fallback)


def _handover(session: Session, flow: Flow, settings: Settings, conversation: Conversation,
              case, reply: VoiceReply, code: str, now: datetime) -> None:
    reply.numbers = numbers_to_dial(session, settings, now)
    reply.goodbye = [flow_engine.phrase_line(flow, "voicemail_thanks", code)]
    if reply.numbers:
        reply.kind = "dial"
        reply.lines.append(flow_engine.phrase_line(flow, "connecting", code))
        return
    reply.kind = "record"
    opens = None if line_is_open(settings, now) else opening_words(settings, now, code)
    if opens is None:  # open but nobody on duty (or no timetable): the ordinary voicemail
        reply.lines.append(flow_engine.phrase_line(flow, "voicemail", code))
        return
    _closed_voicemail(session, flow, conversation, case, reply, code, opens, now)


def _closed_voicemail(session: Session, flow: Flow, conversation: Conversation, case,
                      reply: VoiceReply, code: str, opens: str, now: datetime) -> None:
    """Out of hours: the caller hears their reference (slowly, twice) and when the line opens
    before the tone, and a mobile caller who may be texted gets both by SMS as well."""
    line = _fill(flow_engine.phrase_line(flow, "voicemail_closed", code),
                 _spoken_reference(case.reference))
    fallback = line.fallback.replace("{opening}", opens) if line.fallback else None
    reply.lines.append(replace(line, text=line.text.replace("{opening}", opens),
                               fallback=fallback))
    parsed = parse_phone(conversation.phone)
    if not (parsed.is_number and parsed.mobile):
        return
    text = (flow.phrase("closed_sms", code).replace("{reference}", case.reference)
            .replace("{opening}", opens))
    message = queue_sms(session, to_phone=parsed.e164, body=text, purpose="case_reference",
                        idempotency_key=f"case-reference:{case.id}", now=now, case_id=case.id)
    if message is not None and message.status == "pending":
        reply.outcome.message_ids.append(message.id)


def dial_ended(session: Session, *, flow: Flow, settings: Settings, call_sid: str,
               dial_status: str, now: datetime) -> VoiceReply:
    """After <Dial>: a person answered (say goodbye), or nobody did (voicemail)."""
    conversation = session.scalar(select(Conversation).where(Conversation.call_sid == call_sid))
    state = conversation.state if conversation is not None else {}
    code = flow.language(state.get("language") or flow.default_language).code
    if conversation is not None:
        transcript.note(conversation, now, transcript.CALL, "step",
                        "A member of staff answered" if dial_status == "completed" else
                        f"Nobody on duty answered ({dial_status or 'no status'}): voicemail")
    if dial_status == "completed":
        return voiced(flow, settings, VoiceReply("hangup", [], code))
    return voiced(flow, settings, VoiceReply(
        "record", [flow_engine.phrase_line(flow, "voicemail", code)], code,
        goodbye=[flow_engine.phrase_line(flow, "voicemail_thanks", code)]))


def after_voicemail(session: Session, *, flow: Flow, settings: Settings,
                    call_sid: str) -> VoiceReply:
    """The <Record> action: thank the caller in their language and hang up."""
    conversation = session.scalar(select(Conversation).where(Conversation.call_sid == call_sid))
    state = conversation.state if conversation is not None else {}
    return voiced(flow, settings, _goodbye(flow, state))
