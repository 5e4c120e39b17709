"""A case's whole story in time order: events, every SMS both ways, calls and their IVR steps.

Built from five sources, because each is written by a different part of the service and none
alone tells the story: the case's events, its SMS (`Message` rows, including those only named
by a conversation's transcript, i.e. texts sent before the case existed), its calls, the offers
to volunteers, and the transcripts of the conversations that led to it (what the line said, the
keys pressed and words spoken, hand-over, voicemail; see
app.services.cases.transcript). Phone numbers inside any text are masked (all but the
last 3 digits) unless the viewer has asked to see the number, which the console logs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.domain.phone import mask_numbers_in_text
from app.domain.uk_time import format_uk
from app.models.case import Case, CaseEvent
from app.models.conversation import Conversation
from app.models.message import Call, Message
from app.models.staff import StaffUser
from app.models.volunteer import Offer, Volunteer
from app.services.cases.transcript import CALL, RESIDENT, Line, lines_of

#: Most SMS rows a page shows; a case with more is broken or abused, not busy.
MAX_MESSAGES = 500


@dataclass
class TimelineItem:
    at: datetime
    kind: str  # event | note | sms_in | sms_out | call | call_step | said | heard | offer
    title: str
    body: str = ""
    meta: str = ""
    recording_call_id: int | None = None  # a voicemail: played through the console, logged
    who: str = ""  # resident | volunteer | line | staff | service

    @property
    def inbound(self) -> bool:
        return self.kind in ("sms_in", "heard")


def build_timeline(session: Session, case: Case, *,
                   reveal_phone: bool = False) -> list[TimelineItem]:
    """Everything on the case, oldest first; numbers in texts masked unless `reveal_phone`."""
    show = (lambda text: text or "") if reveal_phone else mask_numbers_in_text
    lines = _conversation_lines(session, case)
    named = {line.message_id for line in lines if line.message_id is not None}
    staff = {u.id: u.name or u.email for u in session.scalars(select(StaffUser))}
    items = [_event(e, staff, show) for e in session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.message_id.is_(None))
        .order_by(CaseEvent.id))]
    items += [_message(m, show) for m in session.scalars(
        select(Message).where(or_(Message.case_id == case.id, Message.id.in_(named)))
        .order_by(Message.id).limit(MAX_MESSAGES))]
    items += [_line(line, show) for line in lines if line.message_id is None]
    items += [_call(c) for c in session.scalars(
        select(Call).where(Call.case_id == case.id).order_by(Call.id))]
    names = _volunteer_names(session, case)
    for o in session.scalars(select(Offer).where(Offer.case_id == case.id).order_by(Offer.id)):
        answered = f", answered {format_uk(o.answered_at, 'short')}" if o.answered_at else ""
        items.append(TimelineItem(
            o.created_at, "offer",
            f"Offer {o.attempt} to {names.get(o.volunteer_id, 'volunteer')}", "",
            f"Offer status: {o.status}{answered}", who="service"))
    # At the same moment: what the resident did, then what the service recorded, then what it
    # said back; otherwise the order things were written in (the sort is stable).
    items.sort(key=lambda i: (i.at, _RANK.get(i.kind, 1)))
    return items


_RANK = {"call": 0, "sms_in": 0, "heard": 0, "said": 2, "sms_out": 2, "call_step": 2}


def _conversation_lines(session: Session, case: Case) -> list[Line]:
    conversations = session.scalars(select(Conversation).where(
        Conversation.case_id == case.id).order_by(Conversation.id))
    return [line for c in conversations for line in lines_of(c)]


def conversation_message_ids(session: Session, case: Case) -> set[int]:
    """Ids of the texts the case's conversations name: those sent before the case existed
    carry no case id of their own."""
    return {line.message_id for line in _conversation_lines(session, case)
            if line.message_id is not None}


def _event(e: CaseEvent, staff: dict[int, str], show) -> TimelineItem:
    by = f"by {staff.get(e.staff_user_id, 'staff')}" if e.staff_user_id else "automatic"
    if e.kind == "sms_reply":
        to = (e.data or {}).get("to", "resident")
        return TimelineItem(e.created_at, "sms_out", f"SMS reply to {to}",
                            show(e.summary), "Sent as the answer to their text", who="line")
    title = "Staff note" if e.kind == "note" else e.kind.replace("_", " ").capitalize()
    return TimelineItem(e.created_at, "note" if e.kind == "note" else "event", title,
                        show(e.summary), by, who="staff" if e.staff_user_id else "service")


def _message(m: Message, show) -> TimelineItem:
    who = "resident" if m.volunteer_id is None else "volunteer"
    if m.direction == "inbound":
        return TimelineItem(m.created_at, "sms_in", f"SMS from {who}", show(m.body),
                            f"Status: {m.status}", who=who)
    purpose = (m.purpose or "message").replace("_", " ")
    return TimelineItem(m.created_at, "sms_out", f"SMS to {who} ({purpose})",
                        show(m.body), f"Status: {m.status}", who="line")


_HEARD_TITLES = {"keys": "Caller pressed", "speech": "Caller said", "silence": "Caller said "
                 "nothing", "sms": "SMS from resident"}


def _line(line: Line, show) -> TimelineItem:
    if line.who == RESIDENT:
        title = _HEARD_TITLES.get(line.kind, "Caller")
        return TimelineItem(line.at, "heard", title, show(line.text), "", who="resident")
    if line.who == CALL:
        return TimelineItem(line.at, "call_step", "Call step", show(line.text), "", who="line")
    if line.kind == "sms_reply":
        return TimelineItem(line.at, "sms_out", "SMS reply to resident", show(line.text),
                            "Sent as the answer to their text", who="line")
    return TimelineItem(line.at, "said", "The line said", show(line.text), "", who="line")


def _call(c: Call) -> TimelineItem:
    length = f", {c.duration_seconds} s" if c.duration_seconds else ""
    return TimelineItem(c.created_at, "call", f"{c.direction.capitalize()} call",
                        "Voicemail left" if c.recording_url else "",
                        f"Status: {c.status}{length}",
                        recording_call_id=c.id if c.recording_url else None, who="resident")


def _volunteer_names(session: Session, case: Case) -> dict[int, str]:
    ids = select(Offer.volunteer_id).where(Offer.case_id == case.id)
    return {v.id: v.name for v in session.scalars(select(Volunteer).where(Volunteer.id.in_(ids)))}
