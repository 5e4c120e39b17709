"""Approving a volunteer: only one matching can use, and they are told by SMS.

Approval is the moment a volunteer starts receiving offers, so a volunteer who could never be
matched is refused with the reasons (a console flash, the API's 422): matching measures distance
from a postcode, looks for the needs they offer, and texts offers to a mobile. An approval that
goes through queues one SMS to the volunteer (their sign-up promised a text); the caller commits,
then enqueues the returned message ids. Every entry point that approves (the console buttons and
the API's PATCH approval_status) goes through `not_matchable_message` and `approval_sms`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.domain.phone import parse_phone
from app.models.volunteer import Volunteer
from app.services.messaging.outbox import queue_sms

APPROVAL_TEXT = ("Here2Help: thank you, {first}, you are approved as a volunteer. We will text "
                 "you requests near you: reply YES or NO. Text AWAY 7 to pause for a week, "
                 "MYJOBS for your requests, STOP to stop.")


def matchability_problems(volunteer: Volunteer) -> list[str]:
    """Why matching could never offer this volunteer anything (empty when it could)."""
    problems = []
    if not volunteer.postcode or volunteer.latitude is None or volunteer.longitude is None:
        problems.append("no postcode (matching measures distance from it)")
    if not volunteer.needs:
        problems.append("no needs (say what they can help with)")
    if not parse_phone(volunteer.phone).mobile:
        problems.append("their phone is not a mobile (offers are sent by SMS)")
    return problems


def not_matchable_message(volunteer: Volunteer) -> str | None:
    """The sentence refusing approval, or None when the volunteer can be approved."""
    problems = matchability_problems(volunteer)
    if not problems:
        return None
    return f"{volunteer.name} cannot be approved yet: {'; '.join(problems)}. " \
        "Add the missing details first."


def approval_sms(session: Session, volunteer: Volunteer, now: datetime) -> list[int]:
    """Queue the approval SMS (once per approval); the ids to enqueue after commit."""
    first = (volunteer.contact_name or volunteer.name or "").split()
    message = queue_sms(
        session, to_phone=volunteer.phone,
        body=APPROVAL_TEXT.format(first=first[0] if first else "volunteer"),
        purpose="volunteer_approved", volunteer_id=volunteer.id, now=now,
        idempotency_key=f"volunteer-approved:{volunteer.id}:{now.isoformat()}")
    return [message.id] if message is not None and message.status == "pending" else []
