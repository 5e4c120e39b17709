"""A resident withdrawing their own request (CANCEL by SMS): the case ends with an outcome.

Every path that ends a case records how it ended, so the outcome report never counts a finished
request as "no outcome yet": staff closing (casework.actions.close_case), staff or matching
signposting, a volunteer's DONE (matching.offers.complete), matching giving up after every
volunteer was asked (matching.matcher.exhausted, unmet), and this one (withdrawn).
Flushes only; the caller commits, then enqueues the returned outbox ids.
"""

from __future__ import annotations

from datetime import datetime

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
