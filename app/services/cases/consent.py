"""Consent to share, as an event: what the resident answered, how, when, and to which wording.

Every answer is a `ConsentRecord` (append-only): the answer, the channel, the time, and the
version of the question heard (a phrase key naming the flow, its version, the question and the
language, and a SHA-256 of the exact words), so a later rewording never changes what someone
agreed to. `Case.consent_to_share` is the latest answer.

The rule, the same from every channel: a case whose resident has not said yes is never offered
to a volunteer. "No" sends it to staff at once (`needs_staff`, reason "no consent to share") and
withdraws any open offer; staff may later record a yes given by phone, which sends a case that
was waiting only for consent back to matching. What a volunteer gets with a yes is fixed in
app.services.matching.texts and stated in the privacy notice and the README.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from app.domain.enums import CaseStatus, Urgency
from app.models.case import Case, ConsentRecord
from app.services.cases.safeguarding import withdraw_open_offers
from app.services.cases.timeline import add_case_event

__all__ = ["NO_CONSENT", "ConsentResult", "ConsentWording", "record_consent", "wording_sha256"]

NO_CONSENT = "no consent to share"
#: Cases that "no" takes to staff: not yet with a volunteer.
TO_STAFF_STATUSES = (CaseStatus.NEW, CaseStatus.MATCHING, CaseStatus.OFFERED)
MAX_NOTE_CHARS = 2000


@dataclass(frozen=True)
class ConsentWording:
    """Which question the resident answered: a stable key and the exact words."""

    phrase_key: str
    text: str | None = None
    language: str | None = None


@dataclass
class ConsentResult:
    record: ConsentRecord
    message_ids: list[int] = field(default_factory=list)  # offers withdrawn: tell volunteers
    back_to_matching: bool = False  # a later yes: the caller enqueues matching after commit


def wording_sha256(text: str | None) -> str | None:
    return hashlib.sha256(text.encode("utf-8")).hexdigest() if text else None


def record_consent(session: Session, case: Case, *, answer: bool, channel: str, now: datetime,
                   wording: ConsentWording | None = None, staff_user_id: int | None = None,
                   note: str | None = None, message_id: int | None = None,
                   call_id: int | None = None) -> ConsentResult:
    """Append the answer and apply the rule (see the module docstring). Flushes."""
    record = ConsentRecord(
        case_id=case.id, answer=answer, channel=channel, recorded_at=now,
        language=wording.language if wording else None,
        phrase_key=wording.phrase_key[:120] if wording else None,
        wording_sha256=wording_sha256(wording.text) if wording else None,
        recorded_by_user_id=staff_user_id,
        note=(note or "").replace("\x00", "").strip()[:MAX_NOTE_CHARS] or None)
    session.add(record)
    case.consent_to_share = answer
    case.updated_at = now
    result = ConsentResult(record)
    add_case_event(session, case, "consent", f"Consent to share: {'yes' if answer else 'no'} "
                   f"({channel}{', recorded by staff' if staff_user_id else ''})", now=now,
                   staff_user_id=staff_user_id, message_id=message_id, call_id=call_id,
                   data={"answer": answer, "channel": channel,
                         "phrase_key": record.phrase_key, "sha256": record.wording_sha256})
    if not answer:
        result.message_ids = withdraw_open_offers(session, case, now, NO_CONSENT)
        if case.status in TO_STAFF_STATUSES:
            case.status = CaseStatus.NEEDS_STAFF
            case.needs_staff_reason = NO_CONSENT
        case.needs_matching = False
    elif (case.status == CaseStatus.NEEDS_STAFF and case.needs_staff_reason == NO_CONSENT
          and case.urgency != Urgency.SAFEGUARDING and case.assigned_volunteer_id is None):
        case.status, case.needs_staff_reason, case.needs_matching = CaseStatus.NEW, None, True
        result.back_to_matching = True
    session.flush()
    return result
