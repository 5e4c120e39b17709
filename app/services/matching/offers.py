"""What happens to an offer: accepted (YES), declined (NO), expired, undelivered; and DONE.

Exactly one assignment per case, however many YES arrive at once: the
assignment is a compare-and-set, `UPDATE cases SET status='assigned' ... WHERE id = :id AND
assigned_volunteer_id IS NULL AND status IN (...)`, after locking the row (FOR UPDATE on
PostgreSQL). Under PostgreSQL's READ COMMITTED the second UPDATE waits for the first to commit
and then re-checks its WHERE, finding no row; SQLite runs one writer at a time. Whoever gets 0
rows is told, politely, that the case is already covered.

A YES counts only while the offer is open and still true: inside the same lock, `accept`
re-checks that the offer has not expired or been withdrawn, that the case is still waiting for
a volunteer (not assigned, closed, with staff, safeguarding, or without the resident's consent),
and that the volunteer is still active, approved, not opted out and, where the need requires it,
holds a clear, unexpired DBS check. Otherwise nothing is assigned and the volunteer is told the
request is closed (or, if someone else took it, that it is covered). Any offer still open to
someone else is withdrawn when one is accepted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.domain.enums import ApprovalStatus, CaseOutcome, CaseStatus, DbsStatus, OfferStatus
from app.domain.matching import is_away
from app.domain.phone import format_for_display
from app.domain.uk_time import uk_today
from app.models.case import Case
from app.models.volunteer import Offer, Volunteer
from app.repositories.absences import absent_until
from app.services.cases.timeline import add_case_event
from app.services.matching import texts as offer_texts
from app.services.matching.matcher import (
    OPEN_OFFER_STATUSES,
    MatchingPolicy,
    MatchStep,
    lock_case,
    offer_next,
    open_offers,
    staff_only_reason,
    stored_policy,
)
from app.services.messaging.outbox import queue_sms

log = logging.getLogger(__name__)

ASSIGNABLE_STATUSES = (CaseStatus.NEW, CaseStatus.MATCHING, CaseStatus.OFFERED,
                       CaseStatus.NEEDS_STAFF)
#: A YES assigns only while the case is being matched (staff cases are staff's to hand out).
ACCEPTING_STATUSES = (CaseStatus.NEW, CaseStatus.MATCHING, CaseStatus.OFFERED)


@dataclass
class Acceptance:
    """What a YES did. `refused`: None when assigned, else "covered" (someone else has it),
    "closed" (the offer or the case is no longer open to volunteers), "ineligible" (the
    volunteer may not take requests just now, or not this one) or "yours" (the same volunteer's
    YES arrived twice at once and the twin already assigned the case to them)."""

    assigned: bool
    message_ids: list[int] = field(default_factory=list)
    refused: str | None = None


def refusal(case: Case, offer: Offer, volunteer: Volunteer | None, now: datetime,
            dbs_required_needs: tuple[str, ...], absent: bool = False) -> str | None:
    """Why this YES cannot assign now (see Acceptance.refused), or None. `absent`: the
    volunteer is on a dated absence today (see `on_absence`)."""
    if case.assigned_volunteer_id is not None and case.assigned_volunteer_id != offer.volunteer_id:
        return "covered"
    if offer.status not in OPEN_OFFER_STATUSES or (
            offer.expires_at is not None and offer.expires_at <= now):
        return "closed"
    if case.status not in ACCEPTING_STATUSES or staff_only_reason(case) is not None:
        return "closed"
    if volunteer is None or unavailable_reason(volunteer, now, absent) is not None:
        return "ineligible"
    overridden = bool((offer.explanation or {}).get("dbs_override"))
    if case.need in dbs_required_needs and not overridden and not (
            volunteer.dbs_status == DbsStatus.CLEAR and volunteer.dbs_expires_on is not None
            and volunteer.dbs_expires_on > now.date()):
        return "ineligible"
    return None


def unavailable_reason(volunteer: Volunteer, now: datetime, absent: bool) -> str | None:
    """Why the volunteer may take no request at all just now, or None: "paused" (paused, opted
    out or not approved), "away" (they texted AWAY) or "absent" (a dated absence covers today:
    `absent`, see `on_absence`). A YES is refused for the same reasons a staff offer is."""
    if not volunteer.active or volunteer.opted_out \
            or volunteer.approval_status != ApprovalStatus.APPROVED:
        return "paused"
    if is_away(volunteer.away_until, now):
        return "away"
    return "absent" if absent else None


def on_absence(session: Session, volunteer_id: int, now: datetime) -> bool:
    """Whether a dated absence staff recorded covers today (UK local date) for this volunteer."""
    return bool(absent_until(session, [volunteer_id], uk_today(now)))


def accept(session: Session, offer: Offer, now: datetime,
           policy: MatchingPolicy | None = None) -> Acceptance:
    """YES: assign the case to the offer's volunteer once, if the offer is still true."""
    case = lock_case(session, offer.case_id)
    if case is None:
        return Acceptance(False, refused="closed")
    if case.assigned_volunteer_id == offer.volunteer_id:
        return Acceptance(False, refused="yours")  # the twin YES won: this one changes nothing
    session.refresh(offer)
    volunteer = session.get(Volunteer, offer.volunteer_id)
    if volunteer is not None:
        session.refresh(volunteer)
    policy = policy or stored_policy(session, case) or MatchingPolicy()
    refused = refusal(case, offer, volunteer, now, tuple(policy.dbs_required_needs),
                      on_absence(session, offer.volunteer_id, now))
    if refused is not None:
        offer.answered_at = offer.answered_at or now
        if offer.status in OPEN_OFFER_STATUSES:
            offer.status = OfferStatus.WITHDRAWN
        kind = "late_yes" if refused != "ineligible" else "yes_refused"
        add_case_event(session, case, kind, f"A volunteer said YES, refused: {refused}",
                       now=now, volunteer_id=offer.volunteer_id, offer_id=offer.id,
                       data={"refused": refused})
        if refused == "ineligible" and case.status == CaseStatus.OFFERED:
            step = _move_on_after_refusal(session, case, now, policy)
            return Acceptance(False, step.message_ids, refused)
        return Acceptance(False, refused=refused)
    won = session.execute(
        update(Case).where(Case.id == case.id, Case.assigned_volunteer_id.is_(None),
                           Case.status.in_(ASSIGNABLE_STATUSES))
        .values(status=CaseStatus.ASSIGNED, assigned_volunteer_id=offer.volunteer_id,
                assigned_at=now, needs_matching=False, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    session.refresh(case)
    if not won and case.assigned_volunteer_id == offer.volunteer_id:
        return Acceptance(False, refused="yours")  # the twin YES won between lock and update
    offer.answered_at = now
    if not won:
        if offer.status in OPEN_OFFER_STATUSES:
            offer.status = OfferStatus.WITHDRAWN
        add_case_event(session, case, "late_yes", "A volunteer said YES after it was covered",
                       now=now, volunteer_id=offer.volunteer_id, offer_id=offer.id)
        return Acceptance(False, refused="covered")
    offer.status = OfferStatus.ACCEPTED
    for other in session.scalars(select(Offer).where(
            Offer.case_id == case.id, Offer.id != offer.id,
            Offer.status.in_(OPEN_OFFER_STATUSES))):
        other.status, other.answered_at = OfferStatus.WITHDRAWN, now
    volunteer = session.get(Volunteer, offer.volunteer_id)
    add_case_event(session, case, "assigned", f"Assigned to {volunteer.name} (said YES)",
                   now=now, volunteer_id=volunteer.id, offer_id=offer.id)
    return Acceptance(True, _assignment_messages(session, case, volunteer, offer, now))


def _move_on_after_refusal(session: Session, case: Case, now: datetime,
                           policy: MatchingPolicy) -> MatchStep:
    """The offered volunteer can no longer take it: offer the case to the next one."""
    if open_offers(session, case.id):
        return MatchStep("nothing", detail="another offer is open")
    return offer_next(session, case, now, policy)


def _assignment_messages(session: Session, case: Case, volunteer: Volunteer,
                         offer: Offer, now: datetime) -> list[int]:
    phone = format_for_display(case.phone) if case.phone else None
    to_volunteer = queue_sms(
        session, to_phone=volunteer.phone, body=offer_texts.assignment_text(case, phone),
        purpose="assignment", idempotency_key=f"assignment:{offer.id}:volunteer", now=now,
        case_id=case.id, volunteer_id=volunteer.id, offer_id=offer.id)
    to_resident = queue_sms(
        session, to_phone=case.phone, body=offer_texts.resident_assigned_text(case, volunteer),
        purpose="assigned", idempotency_key=f"assignment:{offer.id}:resident", now=now,
        case_id=case.id, resident_id=case.resident_id)
    return [m.id for m in (to_volunteer, to_resident) if m is not None and m.status == "pending"]


def decline(session: Session, offer: Offer, now: datetime) -> MatchStep:
    """NO: record it and offer the case to the next volunteer."""
    if offer.status not in OPEN_OFFER_STATUSES:
        return MatchStep("nothing", detail=f"offer already {offer.status}")
    offer.status, offer.answered_at = OfferStatus.DECLINED, now
    return _move_on(session, offer, now, "declined", "said NO")


def expire(session: Session, offer_id: int, now: datetime,
           policy: MatchingPolicy | None = None) -> MatchStep:
    """No answer in time: expire the offer (once) and move on. Safe to call any number of times."""
    offer = session.get(Offer, offer_id)
    if offer is None or offer.status not in OPEN_OFFER_STATUSES:
        return MatchStep("nothing", detail="offer already answered or closed")
    if offer.expires_at is not None and offer.expires_at > now:
        return MatchStep("nothing", detail="offer not due yet")
    case = lock_case(session, offer.case_id)
    session.refresh(offer)
    if case is None or offer.status not in OPEN_OFFER_STATUSES:
        return MatchStep("nothing", detail="offer closed meanwhile")
    offer.status, offer.answered_at = OfferStatus.EXPIRED, now
    return _move_on(session, offer, now, "offer_expired", "did not answer in time", policy)


def handle_offer_undelivered(session: Session, offer_id: int, now: datetime) -> list[int]:
    """The offer SMS failed (undelivered/failed): move to the next volunteer. -> outbox ids.

    Called by messaging (delivery status / send failures); flushes, caller commits.
    """
    offer = session.get(Offer, offer_id)
    if offer is None or offer.status not in OPEN_OFFER_STATUSES:
        return []
    lock_case(session, offer.case_id)
    session.refresh(offer)
    if offer.status not in OPEN_OFFER_STATUSES:
        return []
    offer.status, offer.answered_at = OfferStatus.UNDELIVERED, now
    return _move_on(session, offer, now, "offer_undelivered", "could not be reached").message_ids


def _move_on(session: Session, offer: Offer, now: datetime, kind: str, words: str,
             policy: MatchingPolicy | None = None) -> MatchStep:
    case = session.get(Case, offer.case_id)
    volunteer = session.get(Volunteer, offer.volunteer_id)
    add_case_event(session, case, kind, f"{volunteer.name} {words}", now=now,
                   volunteer_id=volunteer.id, offer_id=offer.id)
    policy = policy or stored_policy(session, case)
    if policy is None:  # no configuration known here: let the matching job continue
        case.status, case.needs_matching, case.matching_enqueued_at = (
            CaseStatus.MATCHING, True, None)
        return MatchStep("nothing", detail="left to the matching job")
    return offer_next(session, case, now, policy)


def complete(session: Session, case: Case, volunteer: Volunteer, now: datetime) -> list[int]:
    """DONE: the assignment is finished; thank the resident (the volunteer is thanked in reply)."""
    case.status, case.completed_at, case.updated_at = CaseStatus.COMPLETED, now, now
    # Matched, whatever was recorded before (an "unmet" from matching giving up, say): the
    # volunteer has done it.
    case.outcome, case.outcome_reason = CaseOutcome.MATCHED, None
    case.needs_matching = False
    add_case_event(session, case, "completed", f"{volunteer.name} said DONE", now=now,
                   volunteer_id=volunteer.id)
    message = queue_sms(session, to_phone=case.phone,
                        body=offer_texts.resident_completed_text(case), purpose="completed",
                        idempotency_key=f"completed:{case.id}:resident", now=now,
                        case_id=case.id, resident_id=case.resident_id)
    return [message.id] if message is not None and message.status == "pending" else []
