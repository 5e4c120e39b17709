"""The follow-up SMS: "Did you get the help you needed with H2H-7K3Q? Reply 1 yes, 2 partly,
3 no", sent once per case, and what the resident's answer does.

When: after the volunteer's DONE, or `after_hours` after the assignment when no DONE came
(FOLLOW_UP_AFTER_HOURS). Cases completed or assigned longer ago than WINDOW are never asked,
so switching the feature on does not text every past resident. Exactly once, whoever runs it
and however often: the case row is claimed with a compare-and-set (`follow_up_state` from
NULL), and the outbox key `follow-up:<case id>` is unique.

Who: the case's number, under the outbox's rules. A number that may not be texted (a landline,
a withheld or foreign number, or one that opted out) is not asked: the case is marked
`skipped` with the reason, and the report counts it apart.

The answer (recognised by the SMS service before any new help menu starts; see
app.domain.follow_up): stored on the case (`follow_up_answer`) with a timeline line; "no" or
"partly" sends the case back to staff (`needs_staff`, "follow-up: help did not arrive").
AGAIN opens a repeat of the request (aftercare.repeats). The wording comes from the flow's
phrases in the case's language when the flow has them, else the English below.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, or_, select, update
from sqlalchemy.orm import Session

from app.domain.enums import CaseStatus
from app.domain.follow_up import NOT_HELPED, FollowUpAnswer
from app.models.case import Case
from app.services.aftercare.repeats import RepeatError, repeat_case
from app.services.cases.ending import return_to_staff
from app.services.cases.timeline import add_case_event
from app.services.messaging.outbox import queue_sms, suppression_reason

log = logging.getLogger(__name__)

#: Requests finished (or assigned) longer ago than this are never followed up.
WINDOW = timedelta(days=7)
#: A reply this long after the follow-up still answers it.
ANSWER_WINDOW = timedelta(days=14)
BATCH = 200
REOPEN_REASON = "follow-up: help did not arrive"
SENT, SKIPPED = "sent", "skipped"

#: English wording; a flow may give its own per language under the same phrase names.
PHRASES: dict[str, str] = {
    "follow_up_question": "Did you get the help you needed with {reference}? Reply 1 yes, "
                          "2 partly, 3 no. Or reply AGAIN for the same help again.",
    "follow_up_thanks": "Thank you for letting us know. We are glad you got the help you "
                        "needed with {reference}.",
    "follow_up_sorry": "Sorry the help with {reference} did not work out. Our team will "
                       "call you soon.",
    "follow_up_again": "Thank you. We have asked for the same help again: your new "
                       "reference is {reference}.",
    "follow_up_again_refused": "Sorry, we could not ask for the same help again just now. "
                               "Text us or call and our team will help.",
}


def phrase(phrases: Mapping[str, Mapping[str, str]], name: str, language: str | None,
           reference: str) -> str:
    """The flow's wording in the language (or the flow's English), else ours; {reference} set."""
    texts = phrases.get(name) or {}
    text = texts.get(language or "en") or texts.get("en") or PHRASES[name]
    return text.replace("{reference}", reference)


@dataclass
class FollowUps:
    sent: int = 0
    skipped: int = 0
    message_ids: list[int] = field(default_factory=list)


@dataclass
class FollowUpReply:
    reply: str
    message_ids: list[int] = field(default_factory=list)
    new_case: Case | None = None  # AGAIN: the repeat, for the caller to send to matching


def due_case_ids(session: Session, now: datetime, after_hours: int) -> list[int]:
    """Cases whose follow-up is due now and was never decided."""
    after = timedelta(hours=after_hours)
    done = and_(Case.status == CaseStatus.COMPLETED, Case.assigned_volunteer_id.is_not(None),
                Case.completed_at.is_not(None), Case.completed_at >= now - WINDOW,
                Case.completed_at <= now)
    silent = and_(Case.status == CaseStatus.ASSIGNED, Case.assigned_at.is_not(None),
                  Case.assigned_at <= now - after, Case.assigned_at >= now - after - WINDOW)
    return list(session.scalars(select(Case.id).where(
        Case.follow_up_state.is_(None), Case.anonymised_at.is_(None), or_(done, silent))
        .order_by(Case.id).limit(BATCH)))


def send_due_follow_ups(session: Session, now: datetime, *, after_hours: int,
                        phrases: Mapping[str, Mapping[str, str]]) -> FollowUps:
    """Ask every due case's resident once (see module docstring). Flushes; caller commits."""
    result = FollowUps()
    for case_id in due_case_ids(session, now, after_hours):
        case = session.get(Case, case_id)
        reason = suppression_reason(session, case.phone) if case.phone else "no number"
        state = SKIPPED if reason else SENT
        claimed = session.execute(
            update(Case).where(Case.id == case_id, Case.follow_up_state.is_(None))
            .values(follow_up_state=state, follow_up_at=now)
            .execution_options(synchronize_session=False)).rowcount == 1
        if not claimed:
            continue  # decided by a concurrent run
        session.refresh(case)
        if reason:
            add_case_event(session, case, "follow_up_skipped",
                           f"No follow-up SMS: {reason}", now=now, data={"reason": reason})
            result.skipped += 1
            continue
        body = phrase(phrases, "follow_up_question", case.language, case.reference)
        message = queue_sms(session, to_phone=case.phone, body=body, purpose="follow_up",
                            idempotency_key=f"follow-up:{case.id}", now=now, case_id=case.id,
                            resident_id=case.resident_id)
        add_case_event(session, case, "follow_up_sent", "Asked whether the help arrived",
                       now=now, message_id=message.id if message else None)
        if message is not None and message.status == "pending":
            result.message_ids.append(message.id)
        result.sent += 1
    return result


def outstanding_follow_up(session: Session, phone: str, now: datetime, *,
                          answered_too: bool = False) -> Case | None:
    """The number's latest follow-up still open to an answer (or, for AGAIN, answered too)."""
    return session.scalar(outstanding_follow_up_query(phone, now - ANSWER_WINDOW,
                                                      answered_too=answered_too))


def outstanding_follow_up_query(phone: Any, asked_since: Any, *,
                                answered_too: bool = False) -> Select[tuple[Case]]:
    """The query behind `outstanding_follow_up` (`asked_since`: now - ANSWER_WINDOW); both may
    be bound parameters, so the SMS turn asks it inside its one read."""
    query = select(Case).where(Case.phone == phone, Case.follow_up_state == SENT,
                               Case.follow_up_at >= asked_since)
    if not answered_too:
        query = query.where(Case.follow_up_answer.is_(None))
    return query.order_by(Case.follow_up_at.desc(), Case.id.desc()).limit(1)


def answer_follow_up(session: Session, case: Case, answer: FollowUpAnswer, now: datetime, *,
                     phrases: Mapping[str, Mapping[str, str]],
                     message_id: int | None = None) -> FollowUpReply:
    """Store the resident's answer; "no"/"partly" reopen the case to staff; AGAIN repeats it."""
    if answer is FollowUpAnswer.AGAIN:
        return _again(session, case, now, phrases, message_id)
    case.follow_up_answer, case.follow_up_answered_at, case.updated_at = answer, now, now
    add_case_event(session, case, "follow_up_answer",
                   f"The resident answered the follow-up: {answer}", now=now,
                   data={"answer": str(answer)}, message_id=message_id)
    if answer not in NOT_HELPED:
        return FollowUpReply(phrase(phrases, "follow_up_thanks", case.language, case.reference))
    return_to_staff(session, case, REOPEN_REASON, now, summary=f"Back to staff: {REOPEN_REASON}",
                    data={"reason": REOPEN_REASON, "answer": str(answer)})
    log.info("case %s reopened after the follow-up (%s)", case.reference, answer)
    return FollowUpReply(phrase(phrases, "follow_up_sorry", case.language, case.reference))


def _again(session: Session, case: Case, now: datetime,
           phrases: Mapping[str, Mapping[str, str]],
           message_id: int | None) -> FollowUpReply:
    try:
        made = repeat_case(session, case, now, source="resident")
    except RepeatError as exc:
        add_case_event(session, case, "repeat_refused",
                       f"The resident asked for it AGAIN: not repeated ({exc})", now=now,
                       message_id=message_id)
        return FollowUpReply(phrase(phrases, "follow_up_again_refused", case.language,
                                    case.reference))
    text = phrase(phrases, "follow_up_again", case.language, made.case.reference)
    return FollowUpReply(text, [], made.case)
