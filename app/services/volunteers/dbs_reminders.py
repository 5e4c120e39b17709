"""Daily: tell on-duty coordinators whose DBS check expires within 30 days.

A volunteer without a clear, unexpired DBS check is never offered a need that requires one, so
an expiry silently shrinks the pool; coordinators need time to renew. The SMS names volunteers
only (no phone numbers, no health or case detail: an SMS can be read on a lock screen), and each
volunteer is included at most once per expiry date (`Volunteer.dbs_reminder_sent_for`). When
no coordinator is on duty nothing is marked, so the next day's run tries again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.domain.enums import DbsStatus, Role
from app.models.volunteer import Volunteer
from app.services.messaging.outbox import queue_sms
from app.services.staff.duty import on_duty_staff

log = logging.getLogger(__name__)
WINDOW_DAYS = 30
MAX_NAMES_IN_SMS = 8


@dataclass
class ReminderResult:
    volunteer_ids: list[int] = field(default_factory=list)
    message_ids: list[int] = field(default_factory=list)


def expiring_volunteers(session: Session, now: datetime) -> list[Volunteer]:
    today = now.date()
    return list(session.scalars(select(Volunteer).where(
        Volunteer.dbs_status == DbsStatus.CLEAR, Volunteer.approval_status == "approved",
        Volunteer.dbs_expires_on.is_not(None),
        Volunteer.dbs_expires_on >= today,
        Volunteer.dbs_expires_on <= today + timedelta(days=WINDOW_DAYS),
        or_(Volunteer.dbs_reminder_sent_for.is_(None),
            Volunteer.dbs_reminder_sent_for != Volunteer.dbs_expires_on),
    ).order_by(Volunteer.dbs_expires_on, Volunteer.id)))


def reminder_text(volunteers: list[Volunteer]) -> str:
    names = [f"{v.name} ({v.dbs_expires_on:%d %b})" for v in volunteers[:MAX_NAMES_IN_SMS]]
    more = len(volunteers) - len(names)
    tail = f" and {more} more" if more > 0 else ""
    return (f"Here2Help: DBS checks expiring within {WINDOW_DAYS} days: " + ", ".join(names)
            + tail + ". See Volunteers in the console.")


def send_dbs_reminders(session: Session, now: datetime) -> ReminderResult:
    """Queue one SMS per on-duty coordinator and mark the volunteers (flushes; caller commits)."""
    volunteers = expiring_volunteers(session, now)
    if not volunteers:
        return ReminderResult()
    coordinators = on_duty_staff(session, now, roles=[Role.COORDINATOR])
    if not coordinators:
        log.warning("%d DBS expiries to report but no coordinator on duty", len(volunteers))
        return ReminderResult()
    body = reminder_text(volunteers)
    batch = "-".join(str(v.id) for v in volunteers)[:60]
    result = ReminderResult([v.id for v in volunteers])
    for staff in coordinators:
        message = queue_sms(session, to_phone=staff.phone, body=body, purpose="dbs_reminder",
                            idempotency_key=f"dbs-reminder:{now:%Y%m%d}:{staff.id}:{batch}",
                            now=now)
        if message is not None and message.status == "pending":
            result.message_ids.append(message.id)
    for volunteer in volunteers:
        volunteer.dbs_reminder_sent_for = volunteer.dbs_expires_on
    return result
