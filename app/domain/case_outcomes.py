"""What may be done to a case in each state, and which outcome a case may be closed with.

The rules that keep a case's record true: an ended case (closed, completed, cancelled) is not
changed until someone reopens it with a reason, an outcome is always chosen (never a default),
and "matched" needs a volunteer who actually took the case. Plain functions, so the console,
the API and the services ask the same questions and get the same answers.
"""

from __future__ import annotations

from app.domain.enums import CaseOutcome, CaseStatus

#: A case in one of these has ended: it keeps its outcome until it is reopened.
ENDED_STATUSES = frozenset({CaseStatus.CLOSED, CaseStatus.COMPLETED, CaseStatus.CANCELLED})
#: Outcomes staff choose when closing (the others are recorded by the service itself).
CLOSING_OUTCOMES = (CaseOutcome.MATCHED, CaseOutcome.SIGNPOSTED, CaseOutcome.HANDLED_BY_STAFF,
                    CaseOutcome.UNMET)
MAX_REOPEN_REASON = 500


def is_ended(status: str | None) -> bool:
    return status in ENDED_STATUSES


def ended_refusal(status: str | None) -> str | None:
    """Why an ended case cannot be changed, or None when it is still open."""
    if not is_ended(status):
        return None
    return (f"This case is {status}. Reopen it (with a reason) before changing it.")


def close_refusal(status: str | None, outcome: str | None, reason: str | None,
                  assigned_volunteer_id: int | None) -> str | None:
    """Why the case cannot be closed with `outcome` (and `reason`), or None when it can."""
    ended = ended_refusal(status)
    if ended is not None:
        return ended
    if outcome not in {o.value for o in CLOSING_OUTCOMES}:
        return "Choose the outcome of the request."
    if outcome == CaseOutcome.MATCHED and assigned_volunteer_id is None:
        return ("No volunteer has taken this case, so it cannot be closed as matched: choose "
                "another outcome, or wait until a volunteer says YES.")
    if outcome == CaseOutcome.UNMET and not (reason or "").strip():
        return "Enter why the need was not met."
    return None


def offer_refusal(status: str | None, assigned_volunteer_id: int | None) -> str | None:
    """Why staff cannot offer the case to a volunteer now, or None."""
    ended = ended_refusal(status)
    if ended is not None:
        return ended
    if status == CaseStatus.ASSIGNED or assigned_volunteer_id is not None:
        return "A volunteer has already taken this case."
    return None


def clean_reopen_reason(reason: str | None) -> str:
    """The reason as recorded (NUL and surrounding space removed, capped); '' when none."""
    return (reason or "").replace("\x00", "").strip()[:MAX_REOPEN_REASON]
