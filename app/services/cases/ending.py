"""A resident withdrawing their own request (CANCEL by SMS), and a case going back to staff.

Every path that ends a case records how it ended, so the outcome report never counts a finished
request as "no outcome yet": staff closing (casework.actions.close_case), staff or matching
signposting, a volunteer's DONE (matching.offers.complete), matching giving up after every
volunteer was asked (matching.matcher.exhausted, unmet), and this one (withdrawn).
Flushes only; the caller commits, then enqueues the returned outbox ids.

Going back to staff (`return_to_staff`) is the one way a case that ended, or whose help did not
arrive, is taken up again: staff reopening it, and a resident's "no" to the follow-up SMS.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.domain.enums import CaseOutcome, CaseStatus
from app.models.case import Case
from app.services.cases.safeguarding import withdraw_open_offers
from app.services.cases.timeline import add_case_event

CANCEL_REASON = "withdrawn by the resident (CANCEL)"


def cancel_by_resident(session: Session, case: Case, now: datetime) -> list[int]:
    """Cancel the case; an open offer is withdrawn and its volunteer told (reference only).
    -> outbox ids to enqueue."""
    told = withdraw_open_offers(session, case, now, "withdrawn by the resident")
    case.status = CaseStatus.CANCELLED
    case.outcome, case.outcome_reason = CaseOutcome.WITHDRAWN, CANCEL_REASON
    case.needs_matching = False
    case.callback_due_at = None
    case.closed_at = case.updated_at = now
    add_case_event(session, case, "cancelled", "Withdrawn by the resident by SMS", now=now,
                   data={"outcome": CaseOutcome.WITHDRAWN.value})
    return told


def return_to_staff(session: Session, case: Case, reason: str, now: datetime, *, summary: str,
                    staff_user_id: int | None = None,
                    data: dict[str, Any] | None = None) -> None:
    """Send the case back to staff (needs_staff, `reason`), recording what it was.

    Its outcome is cleared (reports count it as open again), and so is its volunteer: an
    assigned volunteer is what "covered" means to matching and to staff offers, so a case that
    kept one could never be offered again. Both are kept on the `reopened` event under
    `before`, so the timeline still says who helped and how it had ended.
    """
    before: dict[str, Any] = {"status": case.status, "outcome": case.outcome,
                              "outcome_reason": case.outcome_reason}
    if case.assigned_volunteer_id is not None:
        before["volunteer_id"] = case.assigned_volunteer_id
    case.status = CaseStatus.NEEDS_STAFF
    case.needs_staff_reason = reason[:120]
    case.outcome = case.outcome_reason = case.closed_at = None
    case.assigned_volunteer_id = None
    case.needs_matching = False
    case.updated_at = now
    add_case_event(session, case, "reopened", summary, now=now, staff_user_id=staff_user_id,
                   volunteer_id=before.get("volunteer_id"),
                   data={**(data or {}), "before": before})
