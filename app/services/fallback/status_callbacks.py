"""What a status callback does, live (`/twilio/status`) and from the fallback journal (replay).

Message callbacks move an outbox row forward (app.services.delivery.status); call callbacks
record the call's progress and, at its end, may invite the caller to finish by SMS
(app.services.conversations.calls). One function for both paths, so a callback journaled while
the database was down is applied exactly as it would have been live.

With a `price_policy` (the Twilio backend), a final status arms the first check of the
message's or call's final price (app.services.delivery.pricing); the caller enqueues it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from app.services.conversations.calls import record_call_status
from app.services.delivery import pricing
from app.services.delivery import status as delivery_status
from app.services.delivery.status import MalformedCallback

__all__ = ["Applied", "MalformedCallback", "apply_status_callback"]


@dataclass
class Applied:
    """What one callback left to do after the commit: sends, and a price check to enqueue."""

    message_ids: list[int] = field(default_factory=list)
    price_checks: list[pricing.PriceCheck] = field(default_factory=list)


def apply_status_callback(session: Session, form: Mapping[str, str], query: Mapping[str, str],
                          *, now: datetime, flows_dir: Path,
                          price_policy: pricing.PricePolicy | None = None) -> Applied:
    """Apply one callback (flushes, never commits); what to enqueue after the commit.

    Raises MalformedCallback for a callback nothing can be done with (the webhook answers 400).
    """
    applied = Applied(_apply(session, form, query, now, flows_dir))
    if price_policy is not None:
        call = not form.get("MessageSid") and not form.get("SmsSid")
        kind = pricing.CALL if call else pricing.MESSAGE
        sid = (form.get("CallSid") if call else form.get("MessageSid") or form.get("SmsSid"))
        check = pricing.arm_after_final_status(session, kind, (sid or "").strip()[:64], now,
                                               price_policy)
        if check is not None:
            applied.price_checks.append(check)
    return applied


def _apply(session: Session, form: Mapping[str, str], query: Mapping[str, str], now: datetime,
           flows_dir: Path) -> list[int]:
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
