"""A case's timeline: the one way to append a line to it.

The timeline is the audit trail of a case, and channels, matching and staff all write to it.
One writer keeps every line shaped alike (who did it, what it links to, when) so the case page
and the reports read them the same way. Append-only: nothing here edits or deletes a line.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.models.case import Case, CaseEvent

__all__ = ["add_case_event"]


def add_case_event(session: Session, case: Case, kind: str, summary: str = "", *,
                   now: datetime, data: dict[str, Any] | None = None,
                   staff_user_id: int | None = None, volunteer_id: int | None = None,
                   message_id: int | None = None, call_id: int | None = None,
                   offer_id: int | None = None) -> CaseEvent:
    """Append one line to the case's timeline and flush it (the caller commits).

    `staff_user_id` is the member of staff who acted (None: the service itself or the
    resident); the other ids link the line to what it is about; `data` holds the details.
    """
    event = CaseEvent(case_id=case.id, kind=kind, summary=summary, data=data or {},
                      created_at=now, staff_user_id=staff_user_id,
                      volunteer_id=volunteer_id, message_id=message_id, call_id=call_id,
                      offer_id=offer_id)
    session.add(event)
    session.flush()
    return event
