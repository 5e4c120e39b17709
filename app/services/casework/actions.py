"""What staff do to a case from the console; each change writes a CaseEvent (the audit trail).

Every function changes the session and returns; the caller commits once, then enqueues the
sends of any returned message ids (outbox rule: the row is committed before the job exists).
Assigning goes through matching's `offer_case_to` and signposting through its `signpost_text`,
so a manual offer or signpost follows the same rules and SMS wording as an automatic one.

An ended case (closed, completed, cancelled: app.domain.case_outcomes) keeps its record: it is
not edited, re-coded, offered, signposted, given a call-back or closed again until someone
reopens it with a reason (`reopen_case`, back to needs_staff). A note may still be added (it
changes nothing but the timeline), and an existing safeguarding alert may still be
acknowledged or stood down. Raising safeguarding on an ended case reopens it first (reason
"safeguarding raised"), because a concern about someone must not wait for a second form.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.domain.case_outcomes import (
    ENDED_STATUSES,
    clean_reopen_reason,
    close_refusal,
    ended_refusal,
    offer_refusal,
)
from app.domain.enums import CaseOutcome, CaseStatus, DbsStatus, Need, Urgency
from app.domain.uk_time import format_uk
from app.models.case import Case
from app.models.directory import DirectoryService
from app.models.staff import StaffUser
from app.models.volunteer import Volunteer
from app.services.cases import safeguarding
from app.services.cases.consent import NO_CONSENT, ConsentWording, record_consent
from app.services.cases.ending import return_to_staff
from app.services.cases.safeguarding import Source, raise_safeguarding, withdraw_open_offers
from app.services.cases.timeline import add_case_event
from app.services.matching.matcher import offer_case_to, staff_only_reason
from app.services.matching.offers import on_absence, unavailable_reason
from app.services.matching.signposting import signpost_text
from app.services.messaging.outbox import queue_sms

#: The reason recorded when raising safeguarding reopens an ended case.
SAFEGUARDING_REOPEN_REASON = "safeguarding raised"


class ActionError(ValueError):
    """The action cannot be done (e.g. the volunteer is paused); the message is for the person."""


@dataclass
class ActionResult:
    summary: str
    message_ids: list[int] = field(default_factory=list)


def refuse_if_ended(case: Case) -> None:
    """Nothing changes on an ended case until it is reopened (domain.case_outcomes)."""
    refused = ended_refusal(case.status)
    if refused is not None:
        raise ActionError(refused)


def edit_case(session: Session, case: Case, user_id: int, *, category: str, need: str,
              urgency: str, details: str | None, now: datetime,
              alert_numbers: Sequence[str] = ()) -> ActionResult:
    """Save staff's changes; marking it safeguarding goes through the safeguarding transition,
    and only a coordinator can take it back off (stand down, with a reason)."""
    refuse_if_ended(case)
    if case.urgency == Urgency.SAFEGUARDING and urgency != Urgency.SAFEGUARDING:
        raise ActionError("Safeguarding can only be stood down by a coordinator, with a reason "
                          "(use \"Stand down safeguarding\").")
    raising = urgency == Urgency.SAFEGUARDING and case.urgency != Urgency.SAFEGUARDING
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
    add_case_event(session, case, "staff_edit", f"Changed {names}", now=now, staff_user_id=user_id,
                   data={"fields": {k: v for k, v in changes.items() if k != "details"}})
    if raising:
        raised = raise_safeguarding(session, case, source=Source.STAFF, now=now,
                                    alert_numbers=alert_numbers, staff_user_id=user_id)
        return ActionResult(f"Saved: {names}. Safeguarding raised: duty has been alerted.",
                            raised.message_ids)
    return ActionResult(f"Saved: {names}.")


def recode_other(session: Session, case: Case, user_id: int, need: str,
                 now: datetime) -> ActionResult:
    refuse_if_ended(case)
    if case.need not in (None, Need.OTHER):
        raise ActionError("Only a request recorded as 'other' can be re-coded.")
    add_case_event(session, case, "recoded", f"Re-coded 'other' as {need}",
                   now=now, staff_user_id=user_id, data={"from": case.need, "to": need})
    case.need = need
    return ActionResult(f"Re-coded as {need}.")


def add_note(session: Session, case: Case, user_id: int, note: str,
             now: datetime) -> ActionResult:
    add_case_event(session, case, "note", note.strip(), now=now, staff_user_id=user_id)
    return ActionResult("Note added.")


def record_callback(session: Session, case: Case, user_id: int, due_at: datetime,
                    note: str | None, now: datetime) -> ActionResult:
    refuse_if_ended(case)
    if due_at < now - timedelta(minutes=1):
        raise ActionError("The call-back time must be in the future.")
    case.callback_due_at = due_at
    if case.status == CaseStatus.SIGNPOSTED:
        case.status = CaseStatus.NEEDS_STAFF
    add_case_event(session, case, "callback_scheduled",
                   f"Call back by {format_uk(due_at)}" + (f": {note}" if note else ""),
                   now=now, staff_user_id=user_id, data={"due_at": due_at.isoformat()})
    return ActionResult(f"Call-back recorded for {format_uk(due_at)}.")


def close_case(session: Session, case: Case, user_id: int, outcome: str, reason: str | None,
               now: datetime) -> ActionResult:
    """Close with the outcome staff chose, if the case agrees with it (close_refusal); an open
    offer is withdrawn and its volunteer told the request is closed (reference only)."""
    refused = close_refusal(case.status, outcome, reason, case.assigned_volunteer_id)
    if refused is not None:
        raise ActionError(refused)
    told = withdraw_open_offers(session, case, now, "case closed")
    case.status = CaseStatus.CLOSED
    case.outcome = outcome
    case.outcome_reason = (reason or "").strip() or None
    case.closed_at = now
    case.callback_due_at = None
    case.needs_matching = False
    add_case_event(session, case, "closed", f"Closed: {outcome.replace('_', ' ')}"
                   + (f" ({case.outcome_reason})" if case.outcome_reason else ""),
                   now=now, staff_user_id=user_id, data={"outcome": outcome})
    return ActionResult("Case closed.", told)


def reopen_case(session: Session, case: Case, user_id: int, reason: str | None,
                now: datetime) -> ActionResult:
    """Take an ended case back to staff (needs_staff), with the reason and who on its timeline
    (cases.ending.return_to_staff: the outcome and the volunteer are cleared and kept on the
    `reopened` event, so it can be worked and offered again)."""
    if case.status not in ENDED_STATUSES:
        raise ActionError("Only a closed, completed or cancelled case can be reopened.")
    why = clean_reopen_reason(reason)
    if not why:
        raise ActionError("Enter why the case is being reopened.")
    return_to_staff(session, case, f"reopened: {why}", now, summary=f"Reopened: {why}",
                    staff_user_id=user_id, data={"reason": why})
    return ActionResult("Case reopened: it is with staff again.")


def raise_safeguarding_concern(session: Session, case: Case, user_id: int, now: datetime,
                               alert_numbers: Sequence[str] = ()) -> ActionResult:
    """The "Raise safeguarding" button: on an ended case it reopens the case first."""
    reopened = case.status in ENDED_STATUSES
    if reopened:
        reopen_case(session, case, user_id, SAFEGUARDING_REOPEN_REASON, now)
    result = edit_case(session, case, user_id, category=case.category, need=case.need,
                       urgency=Urgency.SAFEGUARDING, details=case.details, now=now,
                       alert_numbers=alert_numbers)
    if reopened:
        result.summary = "Case reopened. " + result.summary
    return result


_UNAVAILABLE = {
    "paused": " is paused, opted out or not approved yet.",
    "away": " is away (they texted AWAY); they can text BACK when they are free again.",
    "absent": " is on a dated absence today (see their page).",
}


def assign_volunteer(session: Session, case: Case, user_id: int, volunteer_id: int,
                     now: datetime, *, dbs_required_needs: Sequence[str] = (),
                     override_reason: str | None = None,
                     user_role: str | None = None) -> ActionResult:
    """Offer the case to one volunteer (the offer SMS asks them to reply YES or NO).

    The DBS rule holds here as in automatic matching: a need in `dbs_required_needs` goes only
    to a volunteer with a clear, unexpired check, unless a coordinator (or admin) overrides it
    with a reason, which is recorded on the case and on the offer (so the YES is accepted).
    """
    refused = offer_refusal(case.status, case.assigned_volunteer_id)
    if refused is not None:
        raise ActionError(refused)
    volunteer = session.get(Volunteer, volunteer_id)
    if volunteer is None:
        raise ActionError("That volunteer does not exist.")
    # Their YES would be refused for the same reasons: say so now rather than send an offer
    # that cannot stand.
    unavailable = unavailable_reason(volunteer, now, on_absence(session, volunteer.id, now))
    if unavailable is not None:
        raise ActionError(volunteer.name + _UNAVAILABLE[unavailable])
    held = staff_only_reason(case)
    if held == NO_CONSENT:
        raise ActionError("The resident has not agreed to share their details: record their "
                          "consent first, or help them without a volunteer.")
    if held is not None:
        raise ActionError("A safeguarding case is not offered to volunteers; a coordinator "
                          "must stand safeguarding down first.")
    override = _dbs_override(case, volunteer, now, dbs_required_needs, override_reason,
                             user_role, user_id)
    step = offer_case_to(session, case, volunteer_id, now)
    if step.offer is None:
        raise ActionError("No offer was made: " + (step.detail or "the matching refused it") + ".")
    if override is not None:
        step.offer.explanation = {**(step.offer.explanation or {}), "dbs_override": override}
        add_case_event(session, case, "dbs_override",
                       f"DBS rule overridden for {volunteer.name}: {override['reason']}",
                       now=now, staff_user_id=user_id, volunteer_id=volunteer.id,
                       offer_id=step.offer.id, data=override)
    add_case_event(session, case, "staff_assigned", f"Offered to {volunteer.name} by staff",
                   now=now, staff_user_id=user_id, volunteer_id=volunteer.id,
                   offer_id=step.offer.id,
                   data={"volunteer_id": volunteer.id, "offer_id": step.offer.id})
    return ActionResult(f"Offer sent to {volunteer.name}.", list(step.message_ids))


def signpost(session: Session, case: Case, user_id: int, service_id: int,
             now: datetime) -> ActionResult:
    """Send the resident the service's details by SMS and record the case as signposted (its
    outcome too); an open offer is withdrawn and its volunteer told."""
    refuse_if_ended(case)
    service = session.get(DirectoryService, service_id)
    if service is None:
        raise ActionError("That directory service does not exist.")
    body = signpost_text(case, service)
    message = queue_sms(session, to_phone=case.phone, body=body, purpose="signpost",
                        idempotency_key=f"signpost:{case.id}:{service.id}", now=now,
                        case_id=case.id, resident_id=case.resident_id)
    told = withdraw_open_offers(session, case, now, "signposted by staff")
    case.directory_service_id = service.id
    case.status = CaseStatus.SIGNPOSTED
    case.outcome, case.outcome_reason = CaseOutcome.SIGNPOSTED, None
    case.needs_matching = False
    case.updated_at = now
    add_case_event(session, case, "signposted", f"Signposted to {service.name}",
                   now=now, staff_user_id=user_id,
                   data={"service_id": service.id, "message_id": message.id if message else None})
    return ActionResult(f"Signposted to {service.name}" + ("." if message else
                        " (no number to text: tell them by phone)."),
                        told + ([message.id] if message else []))


def _dbs_override(case: Case, volunteer: Volunteer, now: datetime,
                  dbs_required_needs: Sequence[str], reason: str | None, role: str | None,
                  user_id: int) -> dict[str, object] | None:
    """None when the DBS rule is met; the override to record; ActionError otherwise."""
    dbs_valid = (volunteer.dbs_status == DbsStatus.CLEAR and volunteer.dbs_expires_on is not None
                 and volunteer.dbs_expires_on > now.date())
    if case.need not in dbs_required_needs or dbs_valid:
        return None
    reason = (reason or "").replace("\x00", "").strip()[:2000]
    if not reason:
        raise ActionError(f"{volunteer.name} has no clear, current DBS check, which "
                          f"{case.need} needs. A coordinator can override this, with a reason.")
    if role not in ("coordinator", "admin"):
        raise ActionError("Only a coordinator can override the DBS rule.")
    return {"by": user_id, "reason": reason, "dbs_status": volunteer.dbs_status,
            "dbs_expires_on": volunteer.dbs_expires_on.isoformat()
            if volunteer.dbs_expires_on else None}


def acknowledge_safeguarding(session: Session, case: Case, user: StaffUser,
                             now: datetime) -> ActionResult:
    if not safeguarding.acknowledge(session, case, user, now):
        raise ActionError("There is no open safeguarding alert on this case.")
    return ActionResult("Safeguarding alert acknowledged: it is yours now.")


def record_safeguarding_contact(session: Session, case: Case, user: StaffUser,
                                now: datetime) -> ActionResult:
    if not safeguarding.record_first_contact(session, case, user, now):
        raise ActionError("Contact after this alert is already recorded.")
    return ActionResult("Recorded: you spoke to the resident.")


def stand_down_safeguarding(session: Session, case: Case, user: StaffUser, reason: str | None,
                            now: datetime) -> ActionResult:
    try:
        safeguarding.stand_down(session, case, user, reason, now)
    except safeguarding.SafeguardingError as exc:
        raise ActionError(str(exc)) from None
    return ActionResult("Safeguarding stood down; the case stays with staff.")


#: The console's consent question, recorded as the wording agreed to.
CONSOLE_CONSENT = ConsentWording(
    "console:case-page:consent", "May we give your first name, phone number and address to the "
    "volunteer who helps you? If not, our team will phone you.", "en")


def record_consent_by_staff(session: Session, case: Case, user_id: int, answer: bool,
                            note: str | None, now: datetime) -> tuple[ActionResult, bool]:
    """Consent given (or refused) by phone, recorded by staff. -> (result, back to matching)."""
    refuse_if_ended(case)
    if not (note or "").strip():
        raise ActionError("Say how and when the resident told you.")
    result = record_consent(session, case, answer=answer, channel="staff", now=now,
                            wording=CONSOLE_CONSENT, staff_user_id=user_id, note=note)
    words = "Consent recorded" if answer else "Refusal recorded: the case stays with staff"
    if result.back_to_matching:
        words += "; the case goes back to matching"
    return ActionResult(words + ".", result.message_ids), result.back_to_matching
