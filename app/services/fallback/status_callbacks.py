"""What a status callback does, live (`/twilio/status`) and from the fallback journal (replay).

Message callbacks move an outbox row forward (app.services.delivery.status); call callbacks
record the call's progress and, at its end, may invite the caller to finish by SMS
(app.services.conversations.calls). One function for both paths, so a callback journaled while
the database was down is applied exactly as it would have been live.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from app.services.conversations.calls import record_call_status
from app.services.delivery import status as delivery_status
from app.services.delivery.status import MalformedCallback

__all__ = ["MalformedCallback", "apply_status_callback"]


def apply_status_callback(session: Session, form: Mapping[str, str], query: Mapping[str, str],
                          *, now: datetime, flows_dir: Path) -> list[int]:
    """Apply one callback (flushes, never commits); the outbox ids to enqueue after commit.

    Raises MalformedCallback for a callback nothing can be done with (the webhook answers 400).
    """
    if not form.get("MessageSid") and not form.get("SmsSid") and form.get("CallSid"):
        call_status = (form.get("CallStatus") or "").strip().lower()
        if not call_status:
            raise MalformedCallback("CallStatus is missing")
        duration = (form.get("CallDuration") or "").strip()
        return record_call_status(
            session,
            call_sid=form["CallSid"].strip()[:64],
            status=call_status,
            duration=int(duration) if duration.isdigit() and len(duration) < 9 else None,
            price=form.get("Price") or None,
            price_unit=form.get("PriceUnit") or None,
            now=now,
            flows_dir=flows_dir,
        )
    callback = delivery_status.parse_message_callback(form, query)
    return delivery_status.apply_message_callback(session, callback, now)
