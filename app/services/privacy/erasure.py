"""Erasure: remove one person (a phone number) from every table and the fallback journal.

What reports count survives as anonymous rows (a case keeps its category, need, district, dates
and outcome; a volunteer row keeps its DBS and source figures under a placeholder name). The
erasure is refused while a safeguarding case about the person is open: the duty to protect them
outweighs the right to erasure (UK GDPR Art. 17(3)), and a coordinator must close it first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.domain.enums import OPEN_CASE_STATUSES, Urgency
from app.models.case import Case
from app.models.conversation import Conversation
from app.models.message import Call
from app.models.staff import AccessLogEntry
from app.models.volunteer import Volunteer
from app.services.privacy.coverage import COVERAGE, Subject, delete_rows, find_subject
from app.services.privacy.retention import anonymise_case
from app.services.privacy.subject_access import journal_mentions

#: Deletes one recording at the provider; True when it is gone (or was already).
RecordingDeleter = Callable[[Call], bool]


class ErasureRefused(Exception):
    """Erasure cannot go ahead; the message says why in one line."""


@dataclass
class ErasureResult:
    subject: Subject
    counts: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        if not self.counts:
            return "nothing held about that number"
        return "erased: " + ", ".join(f"{table} {n}" for table, n in self.counts.items())


def refusal(session: Session, subject: Subject) -> str | None:
    """Why this subject cannot be erased now, or None."""
    reference = session.scalar(select(Case.reference).where(
        Case.id.in_(subject.case_ids), Case.urgency == Urgency.SAFEGUARDING.value,
        Case.status.in_([s.value for s in OPEN_CASE_STATUSES])).order_by(Case.id).limit(1))
    if reference:
        return (f"case {reference} is an open safeguarding case; close it before erasing "
                f"this person's data")
    return None


def _anonymise_volunteer(volunteer: Volunteer) -> None:
    volunteer.name = "Erased volunteer"
    volunteer.phone = f"erased-{volunteer.id}"  # required and unique; says nothing about them
    volunteer.contact_name = volunteer.email = volunteer.postcode = volunteer.notes = None
    volunteer.latitude = volunteer.longitude = None
    volunteer.availability = {}
    volunteer.phone_valid = volunteer.active = False
    volunteer.opted_out = True


def erase_subject(session: Session, phone: str, now: datetime, *, journal_dir: Path,
                  delete_recording: RecordingDeleter, user_id: int | None = None,
                  ip_address: str | None = None) -> ErasureResult:
    """Erase everything about `phone`; the caller commits. ErasureRefused changes nothing."""
    subject = find_subject(session, phone)
    reason = refusal(session, subject)
    if reason:
        raise ErasureRefused(reason)
    found = {entry: entry.ids(session, subject) for entry in COVERAGE}
    journal = journal_mentions(journal_dir, phone)
    calls = list(session.scalars(select(Call).where(Call.call_sid.in_(subject.call_sids))))
    # Recordings first: if Twilio will not delete one, stop before anything has changed.
    for call in calls:
        if (call.recording_url or call.recording_sid) and not delete_recording(call):
            raise ErasureRefused(f"Twilio did not delete the recording of call {call.id}; "
                                 f"nothing was erased, try again later")
    result = ErasureResult(subject)
    for call in calls:
        call.recording_url = call.recording_sid = None
        call.from_phone = call.to_phone = None
    conversation_ids = [i for entry, ids in found.items() if entry.model is Conversation
                        for i in ids]
    if conversation_ids:
        session.execute(update(Call).where(Call.conversation_id.in_(conversation_ids))
                        .values(conversation_id=None))
    for case in session.scalars(select(Case).where(Case.id.in_(subject.case_ids))):
        anonymise_case(session, case, now)
    for volunteer in session.scalars(select(Volunteer).where(
            Volunteer.id.in_(subject.volunteer_ids))):
        _anonymise_volunteer(volunteer)
    session.flush()
    for entry, ids in found.items():
        if ids and entry.erase is not None:
            entry.erase(session, entry.model, ids)
        if ids and (entry.erase is not None or entry.model in (Case, Call, Volunteer)):
            result.counts[entry.table] = len(ids)
    if conversation_ids:
        delete_rows(session, Conversation, conversation_ids)
        result.counts["conversations"] = len(conversation_ids)
    for path in journal:
        path.unlink(missing_ok=True)
    if journal:
        result.counts["fallback_journal"] = len(journal)
    session.add(AccessLogEntry(user_id=user_id, action="erasure", ip_address=ip_address,
                               target=", ".join(subject.targets())[:120] or None,
                               detail={"rows": result.counts}, created_at=now))
    return result
