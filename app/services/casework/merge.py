"""Merging a partner's referral into the resident's open case.

A partner's referral never joins an existing case by itself (the partner could otherwise learn
about, or add to, anyone's case by typing their number), so staff merge it: the referral's
words go onto the open case's timeline, its urgency raises the case's if higher, and the
referral is closed with the outcome "merged", which the partner sees. The partner is never
told the other case's reference.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.case_outcomes import is_ended
from app.domain.enums import CaseOutcome, CaseStatus, Urgency
from app.domain.references import parse_reference
from app.models.case import Case
from app.services.cases.safeguarding import withdraw_open_offers
from app.services.cases.timeline import add_case_event
from app.services.casework.actions import ActionError, ActionResult, refuse_if_ended

MERGED_OUTCOME = CaseOutcome.MERGED
_URGENCY_RANK = {Urgency.ROUTINE: 0, Urgency.URGENT: 1, Urgency.SAFEGUARDING: 2}


def merge_referral(session: Session, referral: Case, into_reference: str, user_id: int,
                   now: datetime) -> ActionResult:
    """Fold `referral` into the open case `into_reference`; the caller commits."""
    parsed = parse_reference(into_reference or "")
    target = session.scalar(select(Case).where(Case.reference == parsed)) if parsed else None
    if target is None:
        raise ActionError("There is no case with that reference.")
    if target.id == referral.id:
        raise ActionError("A case cannot be merged into itself.")
    refuse_if_ended(referral)
    if is_ended(target.status):
        raise ActionError(f"{target.reference} has ended: reopen it first, or merge into the "
                          "resident's open case.")
    add_case_event(session, target, "referral_merged",
                   f"Referral {referral.reference} merged in"
                   + (f" from {referral.referrer_organisation}" if referral.referrer_organisation
                      else "") + (f": {referral.details}" if referral.details else ""),
                   now=now, staff_user_id=user_id,
                   data={"referral": referral.reference, "need": referral.need,
                         "category": referral.category})
    if _URGENCY_RANK.get(referral.urgency, 0) > _URGENCY_RANK.get(target.urgency, 0):
        target.urgency = referral.urgency
    if not target.details and referral.details:
        target.details = referral.details
    target.updated_at = now
    told = withdraw_open_offers(session, referral, now, "merged into another case")
    referral.status = CaseStatus.CLOSED
    referral.outcome = MERGED_OUTCOME
    referral.outcome_reason = "Merged with the resident's existing request"
    referral.closed_at = now
    referral.callback_due_at = None
    referral.needs_matching = False
    referral.updated_at = now
    add_case_event(session, referral, "merged", f"Merged into case {target.reference}", now=now,
                   staff_user_id=user_id, data={"into": target.reference})
    return ActionResult(f"Merged into case {target.reference}.", told)
