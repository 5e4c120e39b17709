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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import BindParameter, Integer, TextClause, bindparam, insert, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from app.domain import flow_engine
from app.domain.enums import Channel, ConversationStatus, MessageDirection
from app.domain.flow_answers import is_operator
from app.domain.flow_engine import CreateCase, HandOver, InputKind, Turn, UserInput
from app.domain.flows import Flow
from app.domain.follow_up import FollowUpAnswer, parse_follow_up_answer
from app.domain.keywords import Keyword, KeywordMatch, match_keyword
from app.domain.phone import ParsedPhone, parse_phone
from app.domain.safeguarding import find_safeguarding_phrases
from app.domain.sms_segments import count_segments
from app.domain.speech import clean_text
from app.domain.volunteer_words import VolunteerWord, parse_volunteer_reply
from app.models.case import Case
from app.models.conversation import Conversation
from app.models.message import Message
from app.models.resident import Resident
from app.models.storable import storable_text
from app.models.volunteer import Offer, Volunteer
from app.services.aftercare.follow_up import answer_follow_up
from app.services.cases import transcript
from app.services.cases.ending import cancel_by_resident
from app.services.cases.timeline import add_case_event
from app.services.conversations import state as conv
from app.services.conversations import turns
from app.services.conversations.language import (
    LANGUAGE_BINDS,
    language_params,
    language_to_keep,
    remember_language,
    upsert_language_sql,
)
from app.services.conversations.sms_context import (
    NumberContext,
    read_number_context,
)
from app.services.messaging.outbox import suppression_reason
from app.services.volunteers.eligibility import withdraw_ineligible_offers
from app.services.volunteers.sms_replies import handle_volunteer_sms
from app.settings import Settings

log = logging.getLogger(__name__)

_MESSAGES = Message.__table__

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
    (not a UK mobile, or opted out): a TwiML reply is an outbound SMS like any other.

    Statements: what the turn must know about the number is read in one SELECT
    (app.services.conversations.sms_context), the inbound row is one INSERT, and the
    conversation is written once, at the commit, with the reply already on its transcript."""
    parsed = parse_phone(from_raw, settings.default_region)
    phone = parsed.e164 if parsed.is_number else None
    text = clean_text(body)
    keyword = match_keyword(text)
    context = read_number_context(session, phone, now) if phone else None
    message = _log_inbound(session, message_sid, parsed.e164, from_raw, to_raw, body, now)
    outcome = _answer(session, flow, settings, context, message, parsed, text, keyword, now)
    _drop_reply_if_suppressed(session, outcome, message_sid, parsed.e164, context, keyword)
    _keep_reply(session, outcome, message, now)
    message.save(session, now)
    return outcome


def answer_sms(session: Session, *, flow: Flow, settings: Settings, message_sid: str,
               from_raw: str, to_raw: str, body: str, now: datetime,
               claim: Callable[[list[str] | None], conv.Claim | None]) -> conv.Outcome:
    """`handle_sms` for the webhook, with a plain menu answer in as few statements as it can.

    The turns of one number take turns (app.services.conversations.turns), so what the turn
    reads about the number cannot change before its writes commit, and two texts sent together
    are answered one after the other. A plain menu answer (no keyword, nothing for the
    volunteer or follow-up handlers, no safeguarding words, no case to open: most texts) is
    worked out from one SELECT; `claim(messages)` then gives the delivery's idempotency claim,
    already carrying the reply (`messages` is None for any other text, whose reply is stored
    after it), and the claim is written first among the writes, as always. On PostgreSQL a
    plain answer reads without waiting for its number's turn and makes all its writes in one
    statement that checks no other turn of the number came in between (when one did, nothing
    is written and the text is planned again, waiting). On SQLite the turn begins by waiting
    (the write lock), and the writes follow the claim as plain statements (the inbound row,
    the conversation, the resident's language). Any other text is handled by `handle_sms` in
    the same transaction, after waiting for its number's turn.
    """
    parsed = parse_phone(from_raw, settings.default_region)
    text = clean_text(body)
    # Whether the text can be a plain menu answer depends on its words alone: decided before
    # the turn is taken, which on SQLite is the database's one write lock, so it is held briefly.
    plain = parsed.is_number and match_keyword(text) is None \
        and not find_safeguarding_phrases(text, settings.safeguarding_phrases_file)
    if plain and not turns.waits_for_turn(session):
        turns.begin_without_waiting(session)
        plan = _plan(session, flow, settings, parsed, text, now, counted=True)
        if plan is None:
            plain = False  # the full path, after waiting for the number's turn
        else:
            outcome = _write_at_once(session, flow, plan, claim(plan.messages), message_sid,
                                     from_raw, to_raw, body, now)
            if outcome is not None:
                return outcome
            # Another turn of the number came in between and nothing was written: plan again,
            # waiting for the number's turn this time.
        turns.end_without_waiting(session)
    if parsed.is_number:
        turns.take_turn(session, parsed.e164)
    plan = _plan(session, flow, settings, parsed, text, now) if plain else None
    claimed = claim(plan.messages if plan is not None else None)
    if claimed is not None:
        conv.write_claim(session, claimed)
    if plan is not None:
        return _carry_out(session, flow, plan, message_sid, from_raw, to_raw, body, now)
    return handle_sms(session, flow=flow, settings=settings, message_sid=message_sid,
                      from_raw=from_raw, to_raw=to_raw, body=body, now=now)


@dataclass
class _Plan:
    """A plain menu answer worked out before the turn writes anything (see `answer_sms`)."""

    phone: str
    text: str
    context: NumberContext
    conversation: Conversation
    is_new: bool
    turn: Turn
    #: The reply (nothing when the number may not be texted, see `suppressed`).
    messages: list[str]
    suppressed: str | None


def _plan(session: Session, flow: Flow, settings: Settings, parsed: ParsedPhone, text: str,
          now: datetime, *, counted: bool = False) -> _Plan | None:
    """The turn of `_flow_turn` for `text` (cleaned: no keyword, no safeguarding words, from a
    phone number), when it is a plain menu answer; None for any other. Only reads; the
    conversations it works on are plain objects outside the session (`_carry_out` or
    `_write_at_once`, with `counted`, writes them)."""
    context = read_number_context(session, parsed.e164, now, loaded=False, counted=counted)
    if context.follow_up_case_id is not None or _for_volunteer_handler(context, text):
        return None
    conversation = conv.current_conversation(
        context.conversations, now, settings.conversation_timeout_seconds)
    turn, is_new = _next_turn(flow, conversation, context.resident_language,
                              UserInput(InputKind.TEXT, text))
    if turn.actions:  # a case to open: `handle_sms` does it all in the write transaction
        return None
    if is_new:
        conversation = _new_conversation(flow, parsed.e164, turn, now)
    conv.save_turn(conversation, turn, now)
    messages = list(turn.prompt.messages)
    suppressed = _reply_suppression(session, parsed.e164, context, None) if messages else None
    return _Plan(parsed.e164, text, context, conversation, is_new, turn,
                 [] if suppressed else messages, suppressed)


def _carry_out(session: Session, flow: Flow, plan: _Plan, message_sid: str, from_raw: str,
               to_raw: str, body: str, now: datetime) -> conv.Outcome:
    """The writes of a planned turn, in the write transaction: what `_flow_turn` writes, each
    by one plain statement (the conversation last, with the reply on its transcript)."""
    context, conversation = plan.context, plan.conversation
    message = _log_inbound(session, message_sid, plan.phone, from_raw, to_raw, body, now,
                           case_id=context.open_case_id or conversation.case_id)
    transcript.note(conversation, now, transcript.RESIDENT, "sms", plan.text,
                    message_id=message.id)
    remember_language(session, flow, plan.phone, plan.turn.state,
                      known=context.resident_language, on_record=context.resident_known,
                      now=now)
    outcome = conv.Outcome(list(plan.messages), language=plan.turn.prompt.language,
                           conversation=conversation)
    if plan.suppressed:
        log.info("inbound SMS %s: no reply (%s)", message_sid, plan.suppressed)
    _keep_reply(session, outcome, message, now)
    _write_conversations(session, plan, now)
    return outcome


def _write_at_once(session: Session, flow: Flow, plan: _Plan, claimed: conv.Claim | None,
                   message_sid: str, from_raw: str, to_raw: str, body: str,
                   now: datetime) -> conv.Outcome | None:
    """PostgreSQL: what `_carry_out` writes (and the claim first), in ONE statement guarded by
    the number's turn count read with the plan (app.services.conversations.turns). None when
    another turn of the number came in between: then nothing was written."""
    context, conversation = plan.context, plan.conversation
    inbound = _inbound_row(message_sid, plan.phone, from_raw, to_raw, body, now,
                           case_id=context.open_case_id or conversation.case_id)
    transcript.note(conversation, now, transcript.RESIDENT, "sms", plan.text,
                    message_id=context.reserved_message_id)
    outcome = conv.Outcome(list(plan.messages), language=plan.turn.prompt.language,
                           conversation=conversation)
    transcript.note_said(conversation, now, outcome.messages)
    language = language_to_keep(flow, plan.turn.state, context.resident_language)
    expired = [other.id for other in context.conversations
               if other is not conversation and other.status == ConversationStatus.EXPIRED]
    params: dict[str, object] = {
        **turns.guard_params(plan.phone, context.turn),
        **inbound, "m_id": context.reserved_message_id, "m_attempts": 0,
        **_conversation_params(plan),
    }
    if claimed is not None:
        params.update(claimed.params())
    if language is not None:
        params.update(language_params(plan.phone, language, True, now))
    if expired:
        params.update(x_ids=expired, x_status=str(ConversationStatus.EXPIRED))
    statement = _turn_at_once(first=context.turn is None, claim=claimed is not None,
                              new_conversation=plan.is_new, language=language is not None,
                              expire=bool(expired))
    if not session.connection().execute(statement, params).scalar_one():
        return None
    if plan.suppressed:
        log.info("inbound SMS %s: no reply (%s)", message_sid, plan.suppressed)
    return outcome


def _conversation_params(plan: _Plan) -> dict[str, object]:
    """The planned conversation's values, for its INSERT (new) or its UPDATE."""
    current = plan.conversation
    values: dict[str, object] = {
        "c_node": storable_text(current.node, 80), "c_state": current.state,
        "c_status": current.status, "c_last": current.last_activity_at,
        "c_updated": current.updated_at}
    if plan.is_new:
        values.update(c_channel=current.channel, c_phone=current.phone,
                      c_flow_id=storable_text(current.flow_id, 80),
                      c_flow_version=storable_text(current.flow_version or "", 80),
                      c_created=current.created_at)
    else:
        values["c_id"] = current.id
    return values


@cache
def _turn_at_once(*, first: bool, claim: bool, new_conversation: bool, language: bool,
                  expire: bool) -> TextClause:
    """The statement of `_write_at_once` (PostgreSQL): each write is a data-modifying CTE that
    writes only when the guard (`turn`) counted the turn; the statement answers how many
    turns it counted (1, or 0 when another came in between). Built once per shape, as text
    with typed parameters (a statement object keeps its cache key)."""
    ctes = [f"turn AS ({turns.guard_sql(first)})"]
    if claim:
        ctes.append(f"claim AS ({_insert_from('processed_webhooks', conv.CLAIM_VALUES)})")
    ctes.append(f"inbound AS ({_insert_from('messages', _RESERVED_INBOUND_VALUES)})")
    if language:
        ctes.append(f"language AS ({upsert_language_sql('turn')})")
    if expire:
        ctes.append("expired AS (UPDATE conversations SET status = :x_status, "
                    "updated_at = :c_updated WHERE id = ANY(:x_ids) "
                    "AND EXISTS (SELECT 1 FROM turn))")
    if new_conversation:
        ctes.append(f"conversation AS "
                    f"({_insert_from('conversations', _NEW_CONVERSATION_VALUES)})")
    else:
        assignments = ", ".join(f"{column} = :{bind.key}"
                                for column, bind in _TURN_VALUES.items())
        ctes.append(f"conversation AS (UPDATE conversations SET {assignments} "  # noqa: S608
                    "WHERE id = :c_id AND EXISTS (SELECT 1 FROM turn))")
    sql = "WITH " + ", ".join(ctes) + " SELECT count(*) FROM turn"  # noqa: S608 - fixed parts
    return text(sql).bindparams(*(bind for bind in _AT_ONCE_BINDS if f":{bind.key}" in sql))


def _insert_from(table: str, values: dict[str, BindParameter]) -> str:
    """INSERT of `values` (column: parameter) for each row of the guard `turn`: none when
    another turn came in between."""
    columns = ", ".join(values)
    parameters = ", ".join(f":{bind.key}" for bind in values.values())
    return f"INSERT INTO {table} ({columns}) SELECT {parameters} FROM turn"  # noqa: S608


_INBOUND_COLUMNS = ("direction", "purpose", "from_phone", "to_phone", "body", "twilio_sid",
                    "status", "segments", "encoding", "case_id", "created_at", "updated_at")
_INBOUND_VALUES = {name: bindparam(name, type_=_MESSAGES.c[name].type)
                   for name in _INBOUND_COLUMNS}
#: The same, with the id reserved by the turn's read and the default an INSERT ... SELECT
#: does not fill in by itself.
_RESERVED_INBOUND_VALUES = {"id": bindparam("m_id", type_=_MESSAGES.c.id.type),
                            **_INBOUND_VALUES,
                            "attempts": bindparam("m_attempts", type_=_MESSAGES.c.attempts.type)}


def _write_conversations(session: Session, plan: _Plan, now: datetime) -> None:
    """The planned conversation (inserted or updated) and any it expired."""
    connection = session.connection()
    connection.execute(_INSERT_CONVERSATION if plan.is_new else _UPDATE_CONVERSATION,
                       _conversation_params(plan))
    for other in plan.context.conversations:
        if other is not plan.conversation and other.status == ConversationStatus.EXPIRED:
            connection.execute(_EXPIRE_CONVERSATION, {"c_id": other.id, "c_updated": now})


_CONVERSATIONS = Conversation.__table__
_C = _CONVERSATIONS.c
_TURN_VALUES = {
    "node": bindparam("c_node", type_=_C.node.type),
    "state": bindparam("c_state", type_=_C.state.type),
    "status": bindparam("c_status", type_=_C.status.type),
    "last_activity_at": bindparam("c_last", type_=_C.last_activity_at.type),
    "updated_at": bindparam("c_updated", type_=_C.updated_at.type),
}
_NEW_CONVERSATION_VALUES = {
    **_TURN_VALUES, "channel": bindparam("c_channel", type_=_C.channel.type),
    "phone": bindparam("c_phone", type_=_C.phone.type),
    "flow_id": bindparam("c_flow_id", type_=_C.flow_id.type),
    "flow_version": bindparam("c_flow_version", type_=_C.flow_version.type),
    "created_at": bindparam("c_created", type_=_C.created_at.type)}
#: Built once: a statement object keeps its cache key, so each use skips regenerating it.
_INSERT_CONVERSATION = insert(_CONVERSATIONS).values(**_NEW_CONVERSATION_VALUES)
_UPDATE_CONVERSATION = update(_CONVERSATIONS).where(_C.id == bindparam("c_id")).values(
    **_TURN_VALUES)
_EXPIRE_CONVERSATION = update(_CONVERSATIONS).where(_C.id == bindparam("c_id")).values(
    status=str(ConversationStatus.EXPIRED),
    updated_at=bindparam("c_updated", type_=_C.updated_at.type))
#: The parameters of `_turn_at_once`, typed as the columns they fill.
_AT_ONCE_BINDS = [
    *turns.GUARD_BINDS,
    *conv.CLAIM_VALUES.values(),
    *_RESERVED_INBOUND_VALUES.values(),
    *LANGUAGE_BINDS,
    *_NEW_CONVERSATION_VALUES.values(),
    bindparam("c_id", type_=_C.id.type),
    bindparam("x_status", type_=_C.status.type),
    bindparam("x_ids", type_=ARRAY(Integer())),
]


def _drop_reply_if_suppressed(session: Session, outcome: conv.Outcome, message_sid: str,
                              sender: str | None, context: NumberContext | None,
                              keyword: KeywordMatch | None) -> None:
    if not outcome.messages:
        return
    reason = _reply_suppression(session, sender, context, keyword)
    if reason:
        log.info("inbound SMS %s: no reply (%s)", message_sid, reason)
        outcome.messages = []


def _reply_suppression(session: Session, sender: str | None, context: NumberContext | None,
                       keyword: KeywordMatch | None) -> str | None:
    """`suppression_reason` for the sender, with the opt-out read at the start of the turn
    unless the turn itself may have changed it (STOP, START, or CANCEL taken as STOP)."""
    changes_opt_out = keyword is not None and keyword.keyword in (
        Keyword.STOP, Keyword.START, Keyword.CANCEL)
    known = None if context is None or changes_opt_out else context.opted_out
    return suppression_reason(session, sender, opted_out=known)


@dataclass
class Inbound:
    """The inbound text's `Message` row as the turn sees it: inserted at once (one plain INSERT,
    so its id can be named on the transcript and timeline), then only the links the turn finds
    (the case it is about, the volunteer who sent it) are written, by `save`, when they differ
    from what was inserted."""

    id: int
    case_id: int | None = None
    volunteer_id: int | None = None
    _stored: tuple[int | None, int | None] = (None, None)

    def save(self, session: Session, now: datetime) -> None:
        if (self.case_id, self.volunteer_id) == self._stored:
            return
        session.connection().execute(update(_MESSAGES).where(_MESSAGES.c.id == self.id).values(
            case_id=self.case_id, volunteer_id=self.volunteer_id, updated_at=now))
        self._stored = (self.case_id, self.volunteer_id)




def _keep_reply(session: Session, outcome: conv.Outcome, message: Inbound,
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


def _answer(session: Session, flow: Flow, settings: Settings, context: NumberContext | None,
            message: Inbound, parsed: ParsedPhone, text: str, keyword: KeywordMatch | None,
            now: datetime) -> conv.Outcome:
    if context is None:
        return conv.Outcome([flow.phrase("help", flow.default_language)])
    phone = parsed.e164
    language = context.resident_language or flow.default_language
    if keyword and keyword.keyword in (Keyword.STOP, Keyword.START):
        return _opt(session, flow, phone, parsed.valid, _resident(session, phone),
                    keyword.keyword, now)
    if _for_volunteer_handler(context, text):
        volunteer = _volunteer_reply(session, phone, text, message, now)
        if volunteer is not None:
            return volunteer
    if context.follow_up_case_id is not None:
        answered = _follow_up_answer(session, flow, settings, context.follow_up_case_id, phone,
                                     text, message, now)
        if answered is not None:
            return answered
    if context.open_case_id is not None:
        message.case_id = context.open_case_id
    if keyword is not None:
        open_case = session.get(Case, context.open_case_id) if context.open_case_id else None
        return _keyword(session, flow, phone, parsed.valid, keyword, open_case, language, now)
    return _flow_turn(session, flow, settings, context, phone, text, message, now)


def _for_volunteer_handler(context: NumberContext, text: str) -> bool:
    """Whether the volunteer handler may have something to do with this text: otherwise it
    would say None (not a volunteer's word, or no volunteer has the number) and change nothing."""
    if context.volunteer_signing_up:
        return True
    parsed = parse_volunteer_reply(text)
    return parsed is not None and (context.volunteer_known or parsed.word is VolunteerWord.JOIN)


def _resident(session: Session, phone: str) -> Resident | None:
    return session.scalar(select(Resident).where(Resident.phone == phone))


def _log_inbound(session: Session, sid: str, phone: str | None, from_raw: str, to_raw: str,
                 body: str, now: datetime, *, case_id: int | None = None) -> Inbound:
    row = _inbound_row(sid, phone, from_raw, to_raw, body, now, case_id=case_id)
    # A plain INSERT: the ORM's unit of work would cost more than the statement itself.
    inserted = session.connection().execute(_INSERT_INBOUND, row).inserted_primary_key
    return Inbound(id=inserted[0], case_id=case_id, _stored=(case_id, None))


def _inbound_row(sid: str, phone: str | None, from_raw: str, to_raw: str, body: str,
                 now: datetime, *, case_id: int | None) -> dict[str, object]:
    """The inbound `Message` row's values, as both ways of writing it take them."""
    encoding, segments, _ = count_segments(body or "")
    return {
        "direction": str(MessageDirection.INBOUND), "purpose": "inbound",
        "from_phone": storable_text(phone or (from_raw or "")[:32], 32),
        "to_phone": storable_text((to_raw or "")[:20], 20) or None,
        "body": storable_text(body or ""), "twilio_sid": storable_text(sid[:64], 64) or None,
        "status": "received", "segments": max(segments, 1), "encoding": encoding,
        "case_id": case_id, "created_at": now, "updated_at": now,
    }


#: Built once: a statement object keeps its cache key, so each use skips regenerating it.
_INSERT_INBOUND = insert(_MESSAGES).values(_INBOUND_VALUES)


def _volunteer_reply(session: Session, phone: str, text: str, message: Inbound,
                     now: datetime) -> conv.Outcome | None:
    reply = handle_volunteer_sms(session, phone=phone, text=text, now=now)
    if reply is None:
        return None
    _link_volunteer_text(session, phone, message, now)
    return conv.Outcome([reply.reply] if reply.reply else [],
                        message_ids=list(reply.message_ids))


def _link_volunteer_text(session: Session, phone: str, message: Inbound, now: datetime) -> None:
    """A volunteer's YES / NO / DONE belongs on the timeline of the case it answered: the offer
    it answered just now, else the case assigned to them that changed just now."""
    volunteer = session.scalar(select(Volunteer).where(Volunteer.phone == phone))
    if volunteer is None:
        return
    message.volunteer_id = volunteer.id
    case_id = session.scalar(select(Offer.case_id).where(
        Offer.volunteer_id == volunteer.id, Offer.answered_at == now).limit(1))
    if case_id is None:
        case_id = session.scalar(select(Case.id).where(
            Case.assigned_volunteer_id == volunteer.id, Case.updated_at == now).limit(1))
    message.case_id = case_id


def _follow_up_answer(session: Session, flow: Flow, settings: Settings, case_id: int,
                      phone: str, text: str, message: Inbound,
                      now: datetime) -> conv.Outcome | None:
    """The text answers the number's outstanding follow-up SMS (`case_id`, from
    `outstanding_follow_up` with answered ones too), or None (see the docstring)."""
    case = session.get(Case, case_id)
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


def _keyword(session: Session, flow: Flow, phone: str, valid: bool, keyword: KeywordMatch,
             open_case: Case | None, language: str, now: datetime) -> conv.Outcome:
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
        return _opt(session, flow, phone, valid, _resident(session, phone), Keyword.STOP, now)
    told = cancel_by_resident(session, open_case, now)
    text = flow.phrase("cancelled", language).replace("{reference}", open_case.reference)
    return conv.Outcome([text], message_ids=told, language=language)


def _flow_turn(session: Session, flow: Flow, settings: Settings, context: NumberContext,
               phone: str, text: str, message: Inbound, now: datetime) -> conv.Outcome:
    remembered = context.resident_language
    conversation = conv.current_conversation(
        context.conversations, now, settings.conversation_timeout_seconds)
    turn, is_new = _next_turn(flow, conversation, remembered, UserInput(InputKind.TEXT, text))
    if is_new:
        conversation = _new_conversation(flow, phone, turn, now)
        session.add(conversation)
    conv.save_turn(conversation, turn, now)
    transcript.note(conversation, now, transcript.RESIDENT, "sms", text, message_id=message.id)
    remember_language(session, flow, phone, turn.state, known=remembered,
                      on_record=context.resident_known, now=now)
    outcome = conv.Outcome(list(turn.prompt.messages), language=turn.prompt.language,
                           conversation=conversation)
    conv.raise_on_words(session, flow, settings, conversation, text, Channel.SMS, now, outcome,
                        message_id=message.id)
    for action in turn.actions:
        _act(session, flow, settings, conversation, action, phone, message, now, outcome)
    if conversation.case_id and message.case_id is None:
        message.case_id = conversation.case_id
    return outcome


def _next_turn(flow: Flow, conversation: Conversation | None, remembered: str | None,
               asked: UserInput) -> tuple[Turn, bool]:
    """The flow's answer to the text (pure, but for the words kept on `conversation`), and
    whether it starts a new conversation."""
    if conversation is None:  # a new conversation starts in the resident's own language
        turn = flow_engine.start(flow, Channel.SMS, language=remembered)
        if is_operator(flow, turn.state["language"], flow.nodes[turn.state["node"]], asked):
            turn = flow_engine.advance(flow, turn.state, asked, Channel.SMS)  # "0" as a first text
        return turn, True
    conv.keep_menu_words(flow, conversation, asked)
    return flow_engine.advance(flow, conversation.state, asked, Channel.SMS), False


def _new_conversation(flow: Flow, phone: str, turn: Turn, now: datetime) -> Conversation:
    return Conversation(channel=Channel.SMS, phone=phone, flow_id=flow.id,
                        flow_version=flow.version, node=turn.state["node"], state={},
                        status=ConversationStatus.ACTIVE, created_at=now)


def _act(session: Session, flow: Flow, settings: Settings, conversation: Conversation,
         action: CreateCase | HandOver, phone: str, message: Inbound, now: datetime,
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
