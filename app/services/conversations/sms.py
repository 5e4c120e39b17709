"""An inbound SMS from a resident (or a volunteer): keywords first, then the flow.

Order, and why:
1. The message is logged verbatim as an inbound `Message` (nothing a resident sends is lost).
2. STOP-type words and START: the opt-out must win over everything (docs/reliability.md,
   'Opt-out').
3. Volunteers' YES / NO / DONE / JOIN (and answers to the JOIN sign-up questions) go to the
   volunteer handler, which says None when the text is not one of its words from a volunteer
   (a volunteer's own offer wins over a follow-up their number may also have as a resident).
4. An answer (1/2/3, yes/partly/no, AGAIN) to the number's outstanding follow-up SMS
   (app.services.aftercare.follow_up), unless the resident has since started a menu
   conversation: then the menu has the text.
5. HELP, STATUS, CANCEL (see app.domain.keywords for CANCEL's double meaning).
6. Otherwise the text answers the open conversation, or starts a new one.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.domain import flow_engine
from app.domain.enums import Channel, ConversationStatus, MessageDirection
from app.domain.flow_answers import is_operator
from app.domain.flow_engine import CreateCase, HandOver, InputKind, UserInput
from app.domain.flows import Flow
from app.domain.follow_up import FollowUpAnswer, parse_follow_up_answer
from app.domain.keywords import Keyword, KeywordMatch, match_keyword
from app.domain.phone import parse_phone
from app.domain.safeguarding import find_safeguarding_phrases
from app.domain.sms_segments import count_segments
from app.domain.speech import clean_text
from app.models.case import Case
from app.models.conversation import Conversation
from app.models.message import Message
from app.models.resident import Resident
from app.models.volunteer import Offer, Volunteer
from app.repositories.cases import find_open_case_for_phone
from app.services.aftercare.follow_up import answer_follow_up, outstanding_follow_up
from app.services.cases import transcript
from app.services.cases.ending import cancel_by_resident
from app.services.cases.timeline import add_case_event
from app.services.conversations import state as conv
from app.services.conversations.language import remember_language
from app.services.messaging.outbox import suppression_reason
from app.services.volunteers.eligibility import withdraw_ineligible_offers
from app.services.volunteers.sms_replies import handle_volunteer_sms
from app.settings import Settings

log = logging.getLogger(__name__)

STATUS_WORDS = {
    "en": {"new": "received and waiting for a volunteer", "matching": "looking for a volunteer",
           "offered": "being offered to a volunteer", "assigned": "with a volunteer",
           "needs_staff": "with our team, who will call you",
           "signposted": "passed to a local service"},
    "pl": {"new": "przyjęta", "matching": "szukamy wolontariusza",
           "offered": "zaproponowana wolontariuszowi", "assigned": "u wolontariusza",
           "needs_staff": "u naszego zespołu, oddzwonimy",
           "signposted": "przekazana lokalnej służbie"},
}


def handle_sms(session: Session, *, flow: Flow, settings: Settings, message_sid: str,
               from_raw: str, to_raw: str, body: str, now: datetime) -> conv.Outcome:
    """Everything one inbound SMS does; the reply is dropped when the sender may not be texted
    (not a UK mobile, or opted out): a TwiML reply is an outbound SMS like any other."""
    outcome, message = _handle(session, flow, settings, message_sid, from_raw, to_raw, body,
                               now)
    if outcome.messages:
        sender = parse_phone(from_raw, settings.default_region).e164
        reason = suppression_reason(session, sender)
        if reason:
            log.info("inbound SMS %s: no reply (%s)", message_sid, reason)
            outcome.messages = []
    _keep_reply(session, outcome, message, now)
    return outcome


def _keep_reply(session: Session, outcome: conv.Outcome, message: Message,
                now: datetime) -> None:
    """The reply goes back as TwiML, so it is no `Message` row: note it where the case
    timeline finds it (the conversation's transcript, else the case the text was about)."""
    if outcome.conversation is not None:
        transcript.note_said(outcome.conversation, now, outcome.messages)
        return
    if message.case_id is None or not outcome.messages:
        return
    case = session.get(Case, message.case_id)
    if case is not None:
        who = "volunteer" if message.volunteer_id else "resident"
        add_case_event(session, case, "sms_reply", "\n".join(outcome.messages)[:2000], now=now,
                       data={"in_reply_to": message.id, "to": who})


def _handle(session: Session, flow: Flow, settings: Settings, message_sid: str, from_raw: str,
            to_raw: str, body: str, now: datetime) -> tuple[conv.Outcome, Message]:
    message = _log_inbound(session, message_sid, parse_phone(from_raw, settings.default_region)
                           .e164, from_raw, to_raw, body, now)
    return _answer(session, flow, settings, message, from_raw, body, now), message


def _answer(session: Session, flow: Flow, settings: Settings, message: Message, from_raw: str,
            body: str, now: datetime) -> conv.Outcome:
    parsed = parse_phone(from_raw, settings.default_region)
    phone = parsed.e164 if parsed.is_number else None
    text = clean_text(body)
    if phone is None:
        return conv.Outcome([flow.phrase("help", flow.default_language)])
    resident = session.scalar(select(Resident).where(Resident.phone == phone))
    language = resident.language if resident and resident.language else flow.default_language
    keyword = match_keyword(text)
    if keyword and keyword.keyword in (Keyword.STOP, Keyword.START):
        return _opt(session, flow, phone, parsed.valid, resident, keyword.keyword, now)
    volunteer = _volunteer_reply(session, phone, text, message, now)
    if volunteer is not None:
        return volunteer
    answered = _follow_up_answer(session, flow, settings, phone, text, message, now)
    if answered is not None:
        return answered
    open_case = find_open_case_for_phone(session, phone)
    if open_case is not None:
        message.case_id = open_case.id
    if keyword is not None:
        return _keyword(session, flow, phone, parsed.valid, resident, keyword, open_case,
                        language, now)
    return _flow_turn(session, flow, settings, phone, text, message, now,
                      remembered=resident.language if resident else None)


def _log_inbound(session: Session, sid: str, phone: str | None, from_raw: str, to_raw: str,
                 body: str, now: datetime) -> Message:
    encoding, segments, _ = count_segments(body or "")
    message = Message(
        direction=MessageDirection.INBOUND, purpose="inbound", from_phone=phone or
        (from_raw or "")[:32], to_phone=(to_raw or "")[:20] or None,
        body=(body or "").replace("\x00", ""), twilio_sid=sid[:64] or None, status="received",
        segments=max(segments, 1), encoding=encoding, created_at=now, updated_at=now,
    )
    session.add(message)
    session.flush()
    return message


def _volunteer_reply(session: Session, phone: str, text: str, message: Message,
                     now: datetime) -> conv.Outcome | None:
    reply = handle_volunteer_sms(session, phone=phone, text=text, now=now)
    if reply is None:
        return None
    _link_volunteer_text(session, phone, message, now)
    return conv.Outcome([reply.reply] if reply.reply else [],
                        message_ids=list(reply.message_ids))


def _link_volunteer_text(session: Session, phone: str, message: Message, now: datetime) -> None:
    """A volunteer's YES / NO / DONE belongs on the timeline of the case it answered: the offer
    it answered just now, else the case assigned to them that changed just now."""
    volunteer = session.scalar(select(Volunteer).where(Volunteer.phone == phone))
    if volunteer is None:
        return
    message.volunteer_id = volunteer.id
    session.flush()
    case_id = session.scalar(select(Offer.case_id).where(
        Offer.volunteer_id == volunteer.id, Offer.answered_at == now).limit(1))
    if case_id is None:
        case_id = session.scalar(select(Case.id).where(
            Case.assigned_volunteer_id == volunteer.id, Case.updated_at == now).limit(1))
    message.case_id = case_id


def _follow_up_answer(session: Session, flow: Flow, settings: Settings, phone: str, text: str,
                      message: Message, now: datetime) -> conv.Outcome | None:
    """The text answers the number's outstanding follow-up SMS, or None (see the docstring)."""
    case = outstanding_follow_up(session, phone, now, answered_too=True)
    if case is None:
        return None
    answer = parse_follow_up_answer(text, case.language)
    if answer is not None and find_safeguarding_phrases(text, settings.safeguarding_phrases_file):
        return None  # "no, he hit me": the menu's safeguarding screen takes it
    if answer is None or (answer is not FollowUpAnswer.AGAIN
                          and case.follow_up_answer is not None):
        return None
    menu_since = session.scalar(select(Conversation.id).where(
        Conversation.phone == phone, Conversation.channel == Channel.SMS,
        Conversation.status == ConversationStatus.ACTIVE,
        Conversation.last_activity_at > case.follow_up_at,
        Conversation.last_activity_at >= now - timedelta(
            seconds=settings.conversation_timeout_seconds)).limit(1))
    if menu_since is not None:
        return None
    message.case_id = case.id
    reply = answer_follow_up(session, case, answer, now, phrases=flow.phrases,
                             message_id=message.id)
    outcome = conv.Outcome([reply.reply], message_ids=list(reply.message_ids),
                           language=case.language or flow.default_language)
    if reply.new_case is not None and reply.new_case.needs_matching:
        outcome.cases_to_match.append(reply.new_case)
    return outcome


def _opt(session: Session, flow: Flow, phone: str, valid: bool, resident: Resident | None,
         keyword: Keyword, now: datetime) -> conv.Outcome:
    """STOP: recorded locally for residents and volunteers; every later send is suppressed."""
    opted_out = keyword == Keyword.STOP
    if resident is None:
        resident = Resident(phone=phone, phone_valid=valid, language=flow.default_language)
        session.add(resident)
    resident.opted_out = opted_out
    resident.opted_out_at = now if opted_out else None
    stopped = {"join_step": None, "join_step_at": None} if opted_out else {}  # no more questions
    session.execute(update(Volunteer).where(Volunteer.phone == phone)
                    .values(opted_out=opted_out, opted_out_at=now if opted_out else None,
                            **stopped))
    if opted_out:
        session.execute(update(Conversation).where(
            Conversation.phone == phone, Conversation.status == ConversationStatus.ACTIVE,
        ).values(status=ConversationStatus.ABANDONED))
        outcome = conv.Outcome([])  # Twilio confirms opt-outs itself; a reply would be blocked
        volunteer = session.scalar(select(Volunteer).where(Volunteer.phone == phone)
                                   .execution_options(populate_existing=True))
        if volunteer is not None:  # a volunteer who opts out can take none of their offers
            withdrawn = withdraw_ineligible_offers(session, volunteer, now, "opted out")
            outcome.message_ids.extend(withdrawn.message_ids)
        return outcome
    return conv.Outcome([flow.phrase("opted_in", resident.language or flow.default_language)])


def _keyword(session: Session, flow: Flow, phone: str, valid: bool, resident: Resident | None,
             keyword: KeywordMatch, open_case: Case | None, language: str,
             now: datetime) -> conv.Outcome:
    if keyword.keyword == Keyword.HELP:
        return conv.Outcome([flow.phrase("help", language)], language=language)
    if keyword.keyword == Keyword.STATUS:
        case = open_case or session.scalars(
            select(Case).where(Case.phone == phone).order_by(Case.id.desc()).limit(1)
        ).first()
        if case is None:
            return conv.Outcome([flow.phrase("status_none", language)], language=language)
        words = STATUS_WORDS.get(language, STATUS_WORDS["en"])
        status = flow.optional_phrase(f"case_status_{case.status}", language) \
            or words.get(case.status, case.status.replace("_", " "))
        text = flow.phrase("status_open", language).replace("{reference}", case.reference)
        return conv.Outcome([text.replace("{status}", status)], language=language)
    if open_case is None:  # CANCEL with nothing to withdraw: Twilio's opt-out meaning
        return _opt(session, flow, phone, valid, resident, Keyword.STOP, now)
    told = cancel_by_resident(session, open_case, now)
    text = flow.phrase("cancelled", language).replace("{reference}", open_case.reference)
    return conv.Outcome([text], message_ids=told, language=language)


def _flow_turn(session: Session, flow: Flow, settings: Settings, phone: str, text: str,
               message: Message, now: datetime, remembered: str | None = None) -> conv.Outcome:
    conversation = conv.active_sms_conversation(
        session, phone, now, settings.conversation_timeout_seconds)
    asked = UserInput(InputKind.TEXT, text)
    if conversation is None:  # a new conversation starts in the resident's own language
        turn = flow_engine.start(flow, Channel.SMS, language=remembered)
        if is_operator(flow, turn.state["language"], flow.nodes[turn.state["node"]], asked):
            turn = flow_engine.advance(flow, turn.state, asked, Channel.SMS)  # "0" as a first text
        conversation = Conversation(channel=Channel.SMS, phone=phone, flow_id=flow.id,
                                    flow_version=flow.version, node=turn.state["node"],
                                    state={}, created_at=now)
        session.add(conversation)
    else:
        conv.keep_menu_words(flow, conversation, asked)
        turn = flow_engine.advance(flow, conversation.state, asked, Channel.SMS)
    conv.save_turn(conversation, turn, now)
    transcript.note(conversation, now, transcript.RESIDENT, "sms", text, message_id=message.id)
    session.flush()
    remember_language(session, flow, phone, turn.state, known=remembered)
    outcome = conv.Outcome(list(turn.prompt.messages), language=turn.prompt.language,
                           conversation=conversation)
    conv.raise_on_words(session, flow, settings, conversation, text, Channel.SMS, now, outcome,
                        message_id=message.id)
    for action in turn.actions:
        _act(session, flow, settings, conversation, action, phone, message, now, outcome)
    if conversation.case_id and message.case_id is None:
        message.case_id = conversation.case_id
    return outcome


def _act(session: Session, flow: Flow, settings: Settings, conversation: Conversation,
         action: CreateCase | HandOver, phone: str, message: Message, now: datetime,
         outcome: conv.Outcome) -> None:
    language = conversation.state.get("language", flow.default_language)
    needs_staff = isinstance(action, HandOver)
    draft = conv.draft_from_answers(dict(action.answers), channel=Channel.SMS, phone=phone,
                                    language=language, needs_staff=needs_staff,
                                    message_id=message.id, flow=flow)
    case = conv.open_case(session, conversation, draft, settings, now, outcome)
    message.case_id = case.id
    if isinstance(action, HandOver):
        conv.note_handover(session, case, settings, now, action.reason, Channel.SMS)
        outcome.messages[-1:] = [flow.phrase("handover_sms", language)
                                 .replace("{reference}", case.reference)]
    outcome.messages = [m.replace("{reference}", case.reference) for m in outcome.messages]
    line = conv.safety_line(flow, case, language, outcome.messages)
    if line:
        outcome.messages.append(line)
