"""What staff do to a case from the console; each change writes a CaseEvent (the audit trail).

Every function changes the session and returns; the caller commits once, then enqueues the
sends of any returned message ids (outbox rule: the row is committed before the job exists).
Assigning prefers the matching area's `offer_case_to` so a manual offer follows the same rules
(attempt numbering, time-out, SMS wording) as an automatic one; a small fallback keeps the
console usable when that module is not installed.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.enums import CaseOutcome, CaseStatus, Need, OfferStatus
from app.models.case import Case, CaseEvent
from app.models.directory import DirectoryService
from app.models.volunteer import Offer, Volunteer
from app.services.messaging.outbox import queue_sms

CLOSED_STATUSES = {CaseStatus.CLOSED, CaseStatus.CANCELLED, CaseStatus.COMPLETED}


class ActionError(ValueError):
    """The action cannot be done (e.g. the volunteer is paused); the message is for the person."""


@dataclass
class ActionResult:
    summary: str
    message_ids: list[int] = field(default_factory=list)


def record(session: Session, case: Case, kind: str, summary: str, user_id: int | None,
           **data: Any) -> CaseEvent:
    event = CaseEvent(case_id=case.id, kind=kind, summary=summary, data=data,
                      staff_user_id=user_id, volunteer_id=data.get("volunteer_id"),
                      offer_id=data.get("offer_id"))
    session.add(event)
    return event


def edit_case(session: Session, case: Case, user_id: int, *, category: str, need: str,
              urgency: str, details: str | None) -> ActionResult:
    changes = {}
    for name, value in (("category", category), ("need", need), ("urgency", urgency),
                        ("details", (details or "").strip() or None)):
        before = getattr(case, name)
        if before != value:
            changes[name] = {"from": before, "to": value}
            setattr(case, name, value)
    if not changes:
        return ActionResult("Nothing changed.")
    names = ", ".join(sorted(changes))
    record(session, case, "staff_edit", f"Changed {names}", user_id,
           fields={k: v for k, v in changes.items() if k != "details"})
    return ActionResult(f"Saved: {names}.")


def recode_other(session: Session, case: Case, user_id: int, need: str) -> ActionResult:
    if case.need not in (None, Need.OTHER):
        raise ActionError("Only a request recorded as 'other' can be re-coded.")
    record(session, case, "recoded", f"Re-coded 'other' as {need}", user_id,
           **{"from": case.need, "to": need})
    case.need = need
    return ActionResult(f"Re-coded as {need}.")


def add_note(session: Session, case: Case, user_id: int, note: str) -> ActionResult:
    record(session, case, "note", note.strip(), user_id)
    return ActionResult("Note added.")


def record_callback(session: Session, case: Case, user_id: int, due_at: datetime,
                    note: str | None, now: datetime) -> ActionResult:
    if due_at < now - timedelta(minutes=1):
        raise ActionError("The call-back time must be in the future.")
    case.callback_due_at = due_at
    if case.status in CLOSED_STATUSES | {CaseStatus.SIGNPOSTED}:
        case.status = CaseStatus.NEEDS_STAFF
    record(session, case, "callback_scheduled",
           f"Call back by {due_at:%d %b %Y %H:%M} UTC" + (f": {note}" if note else ""), user_id,
           due_at=due_at.isoformat())
    return ActionResult("Call-back recorded.")


def close_case(session: Session, case: Case, user_id: int, outcome: str, reason: str | None,
               now: datetime) -> ActionResult:
    if outcome == CaseOutcome.UNMET and not (reason or "").strip():
        raise ActionError("Enter why the need was not met.")
    for offer in session.scalars(select(Offer).where(
            Offer.case_id == case.id, Offer.status.in_([OfferStatus.PENDING, OfferStatus.SENT]))):
        offer.status = OfferStatus.WITHDRAWN
        offer.answered_at = now
    case.status = CaseStatus.CLOSED
    case.outcome = outcome
    case.outcome_reason = (reason or "").strip() or None
    case.closed_at = now
    case.callback_due_at = None
    case.needs_matching = False
    record(session, case, "closed", f"Closed: {outcome.replace('_', ' ')}"
           + (f" ({case.outcome_reason})" if case.outcome_reason else ""), user_id,
           outcome=outcome)
    return ActionResult("Case closed.")


def _matching_offer() -> Any:
    try:
        module = importlib.import_module("app.services.matching.matcher")
    except ModuleNotFoundError:
        return None
    return getattr(module, "offer_case_to", None)


def assign_volunteer(session: Session, case: Case, user_id: int, volunteer_id: int,
                     now: datetime, offer_timeout_seconds: int) -> ActionResult:
    """Offer the case to one volunteer (the offer SMS asks them to reply YES or NO)."""
    if case.status in CLOSED_STATUSES:
        raise ActionError("This case is closed; re-open it with a call-back first.")
    volunteer = session.get(Volunteer, volunteer_id)
    if volunteer is None:
        raise ActionError("That volunteer does not exist.")
    if not volunteer.active or volunteer.opted_out or volunteer.approval_status != "approved":
        raise ActionError(f"{volunteer.name} is paused, opted out or not approved yet.")
    offer_to = _matching_offer()
    if offer_to is not None:
        result = offer_to(session, case, volunteer_id, now)
        offer = getattr(result, "offer", result)
        if offer is None:
            raise ActionError("No offer was made: " + (getattr(result, "detail", "") or
                                                        "the matching refused it") + ".")
        message_ids = list(getattr(result, "message_ids", []) or [])
    else:
        offer, message_ids = _offer(session, case, volunteer, now, offer_timeout_seconds)
    record(session, case, "staff_assigned", f"Offered to {volunteer.name} by staff", user_id,
           volunteer_id=volunteer.id, offer_id=getattr(offer, "id", None))
    return ActionResult(f"Offer sent to {volunteer.name}.", message_ids)


def _offer(session: Session, case: Case, volunteer: Volunteer, now: datetime,
           timeout: int) -> tuple[Offer, list[int]]:
    attempt = (session.scalar(select(func.max(Offer.attempt)).where(Offer.case_id == case.id))
               or 0) + 1
    offer = Offer(case_id=case.id, volunteer_id=volunteer.id, attempt=attempt,
                  status=OfferStatus.SENT, rank=1, explanation={"chosen_by": "staff"},
                  sent_at=now, expires_at=now + timedelta(seconds=timeout))
    session.add(offer)
    session.flush()
    where = case.district or (case.postcode or "").split(" ")[0] or "your area"
    need = (case.need or "help").replace("_", " ")
    body = (f"Here2Help: can you help with {need} near {where}? Reply YES {case.reference} "
            f"to accept or NO {case.reference} to decline within {max(timeout // 60, 1)} min.")
    message = queue_sms(session, to_phone=volunteer.phone, body=body, purpose="offer",
                        idempotency_key=f"offer:{offer.id}", now=now, case_id=case.id,
                        volunteer_id=volunteer.id, offer_id=offer.id)
    case.status = CaseStatus.OFFERED
    case.offer_attempts = (case.offer_attempts or 0) + 1
    case.first_offer_at = case.first_offer_at or now
    volunteer.last_offered_at = now
    return offer, [message.id] if message is not None else []


def signpost(session: Session, case: Case, user_id: int, service_id: int,
             now: datetime) -> ActionResult:
    """Send the resident the service's details by SMS and record the case as signposted."""
    service = session.get(DirectoryService, service_id)
    if service is None:
        raise ActionError("That directory service does not exist.")
    body = _signpost_text(case, service)
    message = queue_sms(session, to_phone=case.phone, body=body, purpose="signpost",
                        idempotency_key=f"signpost:{case.id}:{service.id}", now=now,
                        case_id=case.id, resident_id=case.resident_id)
    case.directory_service_id = service.id
    case.status = CaseStatus.SIGNPOSTED
    record(session, case, "signposted", f"Signposted to {service.name}", user_id,
           service_id=service.id, message_id=message.id if message else None)
    return ActionResult(f"Signposted to {service.name}" + ("." if message else
                        " (no number to text: tell them by phone)."),
                        [message.id] if message else [])


def _signpost_text(case: Case, service: DirectoryService) -> str:
    """The signposting area's wording when installed, so every signpost SMS reads the same."""
    try:
        from app.services.matching.signposting import signpost_text

        return signpost_text(case, service)
    except ImportError:
        contact = " ".join(x for x in (service.phone, service.website) if x)
        return (f"Here2Help: {service.name} can help. {contact}".strip()
                + (f" Open: {service.opening_hours}" if service.opening_hours else "")
                + " Reply HELP to reach us.")[:640]
