"""Assignments that went quiet: a volunteer said YES but never DONE.

After `checkin_after` the volunteer gets ONE check-in SMS ("Did you manage to help with
H2H-XXXX? Reply DONE H2H-XXXX when finished, or call us"); if there is still no DONE
`escalate_after` later, the case goes to the staff queue (`needs_staff`, with the reason and
the volunteer kept on it) so a person rings round. The periodic job
`workers.maintenance.assignment_checkins` runs this with `now` (ASSIGNMENT_CHECKIN_HOURS /
ASSIGNMENT_ESCALATE_HOURS).

Once per assignment: the check-in is stamped on the case (`checkin_sent_at`) and its SMS has
the idempotency key `checkin:<case>:<assigned at>`, so a second run (or two workers at once)
sends nothing more; a case re-assigned later has a new `assigned_at`, so its new volunteer is
checked in on afresh. Flushes; the caller commits, then enqueues `message_ids`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from app.domain.enums import CaseStatus
from app.models.case import Case
from app.models.volunteer import Volunteer
from app.services.cases.timeline import add_case_event
from app.services.matching.matcher import escalate
from app.services.matching.texts import first_name
from app.services.messaging.outbox import queue_sms

log = logging.getLogger(__name__)
BATCH = 200


@dataclass
class CheckinResult:
    checked_in: list[int] = field(default_factory=list)  # case ids
    escalated: list[int] = field(default_factory=list)  # case ids
    message_ids: list[int] = field(default_factory=list)


def checkin_text(reference: str) -> str:
    return (f"Here2Help: did you manage to help with {reference}? Reply DONE {reference} when "
            "finished, or call us if there is a problem.")


def check_assignments(session: Session, now: datetime, *, checkin_after: timedelta,
                      escalate_after: timedelta) -> CheckinResult:
    """Send the due check-ins, then hand to staff the cases still silent after theirs."""
    result = CheckinResult()
    due = session.scalars(select(Case).where(
        Case.status == CaseStatus.ASSIGNED, Case.assigned_volunteer_id.is_not(None),
        Case.assigned_at.is_not(None), Case.assigned_at <= now - checkin_after,
        or_(Case.checkin_sent_at.is_(None), Case.checkin_sent_at < Case.assigned_at),
    ).order_by(Case.id).limit(BATCH)).all()
    for case in due:
        _check_in(session, case, now, result)
    silent = session.scalars(select(Case).where(
        Case.status == CaseStatus.ASSIGNED, Case.checkin_sent_at.is_not(None),
        and_(Case.checkin_sent_at >= Case.assigned_at,
             Case.checkin_sent_at <= now - escalate_after),
    ).order_by(Case.id).limit(BATCH)).all()
    for case in silent:
        volunteer = session.get(Volunteer, case.assigned_volunteer_id)
        who = first_name(volunteer.name) if volunteer is not None else "the volunteer"
        escalate(session, case, now, f"no DONE from {who} after the check-in SMS; "
                 "call them or the resident")
        result.escalated.append(case.id)
    if result.checked_in or result.escalated:
        log.info("assignment check-ins: %d sent, %d to staff", len(result.checked_in),
                 len(result.escalated))
    return result


def _check_in(session: Session, case: Case, now: datetime, result: CheckinResult) -> None:
    volunteer = session.get(Volunteer, case.assigned_volunteer_id)
    case.checkin_sent_at = now
    if volunteer is None:
        return
    message = queue_sms(session, to_phone=volunteer.phone, body=checkin_text(case.reference),
                        purpose="checkin",
                        idempotency_key=f"checkin:{case.id}:{case.assigned_at:%Y%m%d%H%M%S}",
                        now=now, case_id=case.id, volunteer_id=volunteer.id)
    sent = message is not None and message.status == "pending"
    add_case_event(session, case, "checkin", f"Check-in SMS to {volunteer.name}: no DONE yet"
                   + ("" if sent else " (the SMS cannot be sent to them)"), now=now,
                   volunteer_id=volunteer.id, message_id=message.id if message else None)
    if sent:
        result.message_ids.append(message.id)
    result.checked_in.append(case.id)
