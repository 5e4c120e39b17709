"""Conversations: where each resident is in the flow, and what the flow's endings do.

Shared by the SMS service (app.services.conversations.sms) and the voice service
(app.services.conversations.voice), so a call and a text thread end in the same case.

Transactions: nothing here commits. The webhook claims the delivery (`claim`), runs one service
call, stores the TwiML it answered on the claim, commits once, and only then enqueues the work
listed in the `Outcome` (sends, matching). A repeated delivery finds its claim and gets the same
answer (`stored_answer`); a parallel duplicate loses the race on the unique constraint, rolls
back everything it did, and answers what the winner stored.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from app.domain.enums import CaseStatus, Channel, ConversationStatus
from app.domain.flow_answers import UserInput, own_words
from app.domain.flow_engine import Turn
from app.domain.flow_files import load_flow
from app.domain.flows import Flow
from app.domain.safeguarding import find_safeguarding_phrases
from app.models.case import Case
from app.models.conversation import Conversation, ProcessedWebhook
from app.models.storable import storable_text
from app.services.cases.consent import ConsentWording
from app.services.cases.intake import CaseDraft, complete_case, create_case
from app.services.cases.safeguarding import Source, raise_safeguarding
from app.services.cases.timeline import add_case_event
from app.services.conversations.handover import callback_due
from app.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_FLOW_FILE = "here2help.yaml"
#: The resident's own words kept from menu answers (and any words that raised safeguarding),
#: at most this many per conversation, each at most MAX_KEPT_CHARS.
MAX_KEPT_WORDS = 10
MAX_KEPT_CHARS = 1000


@dataclass
class Outcome:
    """What a webhook answers, and the work it enqueues after its commit."""

    messages: list[str] = field(default_factory=list)
    message_ids: list[int] = field(default_factory=list)
    cases_to_match: list[Case] = field(default_factory=list)
    language: str = "en"
    #: The conversation this answer belongs to, if any: its transcript gets the reply.
    conversation: Conversation | None = None


def default_flow(settings: Settings) -> Flow:
    """The flow residents get (flows_dir/here2help.yaml), reloaded when the file changes."""
    return flow_in(settings.flows_dir)


def flow_in(flows_dir: Path) -> Flow:
    path = Path(flows_dir) / DEFAULT_FLOW_FILE
    return _load_cached(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _load_cached(path: str, _mtime_ns: int) -> Flow:
    return load_flow(path)


def stored_answer(session: Session, kind: str, key: str) -> str | None:
    """The answer already given to this delivery, or None if it is new."""
    return session.scalar(
        select(ProcessedWebhook.response_body).where(
            ProcessedWebhook.kind == kind, ProcessedWebhook.key == _key(key)
        )
    )


def _key(key: str) -> str:
    """Keys embed caller input (speech); PostgreSQL text cannot hold NUL."""
    return key.replace("\x00", "")[:255]


_WEBHOOKS = ProcessedWebhook.__table__
#: Built once: a statement object keeps its cache key, so each use skips regenerating it.
#: The claim's columns and the parameters that fill them (see `Claim.params`).
CLAIM_VALUES = {
    "kind": bindparam("w_kind", type_=_WEBHOOKS.c.kind.type),
    "key": bindparam("w_key", type_=_WEBHOOKS.c.key.type),
    "response_body": bindparam("w_body", type_=_WEBHOOKS.c.response_body.type),
    "created_at": bindparam("w_now", type_=_WEBHOOKS.c.created_at.type),
}
_CLAIM = insert(_WEBHOOKS).values(CLAIM_VALUES)
_ANSWER = update(_WEBHOOKS).where(_WEBHOOKS.c.kind == bindparam("w_kind"),
                                  _WEBHOOKS.c.key == bindparam("w_key")) \
    .values(response_body=bindparam("w_body"))


@dataclass(frozen=True)
class Claim:
    """A delivery's claim as `claim_key` writes it (`params`: its statement's parameters, for a
    turn that writes it inside a statement of its own)."""

    kind: str
    key: str
    now: datetime
    answer: str = ""

    def params(self) -> dict[str, object]:
        return {"w_kind": self.kind, "w_key": _key(self.key), "w_now": self.now,
                "w_body": storable_text(self.answer)}


def claim_key(session: Session, kind: str, key: str, now: datetime, answer: str = "") -> None:
    """Record the delivery now, first, so a parallel duplicate waits on it or fails: one plain
    INSERT (no row object to track: the claim is written, never read, by the request that
    makes it), with the `answer` when it is known already; otherwise (or when it turns out
    otherwise) `store_answer` keeps it before the commit.
    Raises IntegrityError for a delivery already claimed."""
    write_claim(session, Claim(kind, key, now, answer))


def write_claim(session: Session, claim: Claim) -> None:
    """`claim_key` for a `Claim`."""
    session.connection().execute(_CLAIM, claim.params())


def store_answer(session: Session, kind: str, key: str, body: str) -> None:
    """Keep the answer on the claim made by `claim_key`, before the commit."""
    session.connection().execute(_ANSWER, {"w_kind": kind, "w_key": _key(key),
                                           "w_body": storable_text(body)})


def active_sms_conversation(session: Session, phone: str, now: datetime,
                            timeout_seconds: int) -> Conversation | None:
    """The number's open SMS conversation; older ones past the time-out are expired here."""
    found = session.scalars(
        select(Conversation)
        .where(Conversation.phone == phone, Conversation.channel == Channel.SMS,
               Conversation.status == ConversationStatus.ACTIVE)
        .order_by(Conversation.id.desc())
    ).all()
    return current_conversation(found, now, timeout_seconds)


def current_conversation(found: Sequence[Conversation], now: datetime,
                         timeout_seconds: int) -> Conversation | None:
    """Of a number's active SMS conversations (newest first), the one still current; the others
    (past the time-out, or older) are expired here."""
    cutoff = now - timedelta(seconds=timeout_seconds)
    current = None
    for conversation in found:
        if current is None and _aware(conversation.last_activity_at) >= cutoff:
            current = conversation
        else:
            conversation.status = ConversationStatus.EXPIRED
    return current


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every time we store is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def save_turn(conversation: Conversation, turn: Turn, now: datetime) -> None:
    conversation.state = dict(turn.state)
    conversation.node = str(turn.state.get("node", ""))
    conversation.last_activity_at = now
    conversation.updated_at = now
    ended = turn.state.get("ended")
    if ended == "finish":
        conversation.status = ConversationStatus.COMPLETED
    elif ended == "handover":
        conversation.status = ConversationStatus.HANDED_OVER


def resident_words(answers: dict[str, Any]) -> str | None:
    """Everything the resident said in their own words: kept menu answers, then details."""
    parts = [*(answers.get("own_words") or []), answers.get("details")]
    return "\n".join(str(p) for p in parts if p) or None


def keep_words(conversation: Conversation, words: str | None) -> None:
    """Add `words` to the conversation's kept words (before the flow moves on with them)."""
    if not words:
        return
    state = dict(conversation.state or {})
    answers = dict(state.get("answers") or {})
    kept = list(answers.get("own_words") or [])
    words = words.replace("\x00", "")[:MAX_KEPT_CHARS]
    if words in kept or words == answers.get("details") or len(kept) >= MAX_KEPT_WORDS:
        return
    answers["own_words"] = [*kept, words]
    state["answers"] = answers
    conversation.state = state


def keep_menu_words(flow: Flow, conversation: Conversation, given: UserInput) -> None:
    """Before the flow reads an answer: keep it when it says more than the choice it makes."""
    node = flow.nodes.get(str((conversation.state or {}).get("node", "")))
    if node is None:
        return
    language = (conversation.state or {}).get("language") or flow.default_language
    keep_words(conversation, own_words(flow, node, language, given))


def raise_on_words(session: Session, flow: Flow, settings: Settings,
                   conversation: Conversation, text: str, channel: Channel, now: datetime,
                   outcome: Outcome, *, message_id: int | None = None,
                   call_id: int | None = None) -> Case | None:
    """Safeguarding words in any answer, at any step: act now, not when the flow ends.

    With no case yet, the case is opened at once from the answers so far (so STOP, silence or
    hanging up afterwards cannot lose it); otherwise the conversation's case (or the number's
    open case) is raised. The words are kept, and the resident is told how to get urgent help.
    """
    phrases = find_safeguarding_phrases(text, settings.safeguarding_phrases_file)
    if not phrases:
        return None
    keep_words(conversation, text)
    language = (conversation.state or {}).get("language") or flow.default_language
    case = session.get(Case, conversation.case_id) if conversation.case_id else None
    if case is None:
        answers = dict((conversation.state or {}).get("answers") or {})
        draft = draft_from_answers(answers, channel=channel, phone=conversation.phone,
                                   language=language, message_id=message_id, call_id=call_id,
                                   flow=flow)
        draft.details = text if not draft.details else draft.details
        case = open_case(session, conversation, draft, settings, now, outcome)
    else:
        add_case_event(session, case, "contact_added", text[:MAX_KEPT_CHARS], now=now,
                       data={"channel": channel}, message_id=message_id, call_id=call_id)
        raised = raise_safeguarding(
            session, case, source=Source.WORDS, now=now,
            alert_numbers=settings.safeguarding_alert_numbers, phrases=phrases,
            language=language, message_id=message_id, call_id=call_id)
        outcome.message_ids.extend(raised.message_ids)
    line = safety_line(flow, case, language, outcome.messages)
    if line:
        outcome.messages.append(line)
    return case


def safety_line(flow: Flow, case: Case, language: str, said: list[str]) -> str | None:
    """"Ring 999 / Samaritans" when the case is safeguarding, unless this reply already has it
    (it is said when the words are heard, and again when the conversation ends)."""
    line = flow.phrase("safeguarding", language)
    if case.urgency != "safeguarding" or any(line in m for m in said):
        return None
    return line


def consent_wording(flow: Flow, language: str) -> ConsentWording | None:
    """The flow's consent question as the resident heard it (key: flow, version, node, language)."""
    node = next((n for n in flow.nodes.values() if n.field == "consent_to_share"), None)
    if node is None:
        return None
    text = node.text.get(language) or node.text.get(flow.default_language)
    return ConsentWording(f"{flow.id}@{flow.version}:{node.id}:{language}", text, language)


def draft_from_answers(answers: dict[str, Any], *, channel: Channel, phone: str | None,
                       language: str, needs_staff: bool = False, message_id: int | None = None,
                       call_id: int | None = None, flow: Flow | None = None) -> CaseDraft:
    wording = consent_wording(flow, language) \
        if flow is not None and "consent_to_share" in answers else None
    return CaseDraft(consent_wording=wording,
        channel=channel, category=answers.get("category"), need=answers.get("need"),
        details=resident_words(answers), phone=phone, name=answers.get("name"),
        address=answers.get("address"), postcode=answers.get("postcode"),
        language=language, consent_to_share=bool(answers.get("consent_to_share")),
        needs_staff=needs_staff, message_id=message_id, call_id=call_id,
    )


def open_case(session: Session, conversation: Conversation, draft: CaseDraft,
              settings: Settings, now: datetime, outcome: Outcome) -> Case:
    """Create (or join) the case for this conversation, once; queue follow-ups on `outcome`."""
    if conversation.case_id is not None:
        existing = session.get(Case, conversation.case_id)
        if existing is not None:  # opened early (safeguarding words): add the later answers
            outcome.message_ids.extend(complete_case(session, existing, draft, now))
            return existing
    result = create_case(session, draft, settings=settings, now=now)
    conversation.case_id = result.case.id
    outcome.message_ids.extend(result.message_ids)
    if result.case.needs_matching and result.case.status == CaseStatus.NEW:
        outcome.cases_to_match.append(result.case)
    return result.case


def note_handover(session: Session, case: Case, settings: Settings, now: datetime,
                  reason: str, channel: Channel) -> None:
    """A resident asked for a person (or the flow gave up): staff must call them back."""
    if case.status in (CaseStatus.NEW, CaseStatus.MATCHING):
        case.status = CaseStatus.NEEDS_STAFF
        case.needs_matching = False
    due = callback_due(settings, now)
    if case.callback_due_at is None or _aware(case.callback_due_at) > due:
        case.callback_due_at = due
    add_case_event(session, case, "handover", f"Asked for a person ({channel}, {reason})",
                   now=now, data={"channel": channel, "reason": reason})
