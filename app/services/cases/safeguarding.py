"""The one safeguarding transition, whoever or whatever raises it, and how it is closed.

Every source calls `raise_safeguarding`: words in any text a resident sends (at any step of a
conversation, or later, once the case exists), a voicemail's transcription, a member of staff in
the console, a partner or staff system through the API. It:

- marks the case `safeguarding` and puts it before staff (`needs_staff`) unless it is already
  with a volunteer or closed (staff then decide; the alert still goes out);
- withdraws every open offer and tells each volunteer the offer is closed, with no details;
- records an alert saying who or what raised it, and texts duty: every on-duty coordinator, or
  when nobody is on duty, every coordinator with a phone and SAFEGUARDING_ALERT_NUMBERS. The
  SMS names the case reference and nothing else (it can be read on a lock screen);
- while an alert is open (not acknowledged) a second raising adds a timeline line, no new SMS.

The console shows a banner for each alert until a member of staff acknowledges it; the times
from alert to acknowledgement and to first contact with the resident are kept for the report.
Only a coordinator (or admin) can stand safeguarding down, and only with a reason.
Nothing here commits: callers commit once, then enqueue the returned outbox ids.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.enums import CaseStatus, OfferStatus, Role, Urgency
from app.models.case import Case, SafeguardingAlert
from app.models.staff import StaffUser
from app.models.volunteer import Offer, Volunteer
from app.services.cases.timeline import add_case_event
from app.services.messaging.outbox import queue_sms
from app.services.staff.duty import on_duty_staff

__all__ = ["ALERT_TEXT", "OFFER_CLOSED_TEXT", "Raised", "SafeguardingError", "Source",
           "acknowledge", "open_alerts", "raise_safeguarding", "record_first_contact",
           "stand_down", "close_offer", "withdraw_open_offers"]

log = logging.getLogger(__name__)

ALERT_TEXT = "Safeguarding case {reference} needs a coordinator now."
OFFER_CLOSED_TEXT = ("Here2Help: the request {reference} we offered you is now closed and "
                     "needs nothing from you. Thank you.")
#: Statuses a raising takes to `needs_staff`: not yet with anyone.
TO_STAFF_STATUSES = (CaseStatus.NEW, CaseStatus.MATCHING, CaseStatus.OFFERED)
OPEN_OFFER_STATUSES = (OfferStatus.PENDING, OfferStatus.SENT)
MANAGER_ROLES = (Role.COORDINATOR, Role.ADMIN)
MAX_REASON_CHARS = 2000


class Source:
    WORDS = "words"
    VOICEMAIL = "voicemail"
    STAFF = "staff"
    API = "api"


SOURCE_WORDS = {Source.WORDS: "words in the resident's message",
                Source.VOICEMAIL: "words in the resident's voicemail",
                Source.STAFF: "a member of staff", Source.API: "the API"}


class SafeguardingError(ValueError):
    """The change cannot be made (e.g. standing down without a reason); one line, for people."""


@dataclass
class Raised:
    alert: SafeguardingAlert | None  # the new alert; None when one was already open
    message_ids: list[int] = field(default_factory=list)


def raise_safeguarding(session: Session, case: Case, *, source: str, now: datetime,
                       alert_numbers: Sequence[str] = (), phrases: Sequence[str] = (),
                       language: str | None = None, staff_user_id: int | None = None,
                       message_id: int | None = None, call_id: int | None = None) -> Raised:
    """Raise safeguarding on `case` (see the module docstring). Flushes; the caller commits."""
    case.urgency = Urgency.SAFEGUARDING
    if case.status in TO_STAFF_STATUSES:
        case.status = CaseStatus.NEEDS_STAFF
        case.needs_staff_reason = "safeguarding"
    case.needs_matching = False
    case.updated_at = now
    message_ids = withdraw_open_offers(session, case, now, "safeguarding")
    detail = {"source": source, "phrases": list(phrases), "language": language}
    event = add_case_event(
        session, case, "safeguarding", f"Safeguarding raised by {SOURCE_WORDS.get(source, source)}",
        now=now, data=detail, staff_user_id=staff_user_id, message_id=message_id,
        call_id=call_id)
    if _open_alert(session, case) is not None:
        return Raised(None, message_ids)
    alert = SafeguardingAlert(case_id=case.id, source=source, raised_by_user_id=staff_user_id,
                              detail={**detail, "event_id": event.id}, raised_at=now)
    session.add(alert)
    session.flush()
    message_ids += _alert_duty(session, case, alert, alert_numbers, now)
    return Raised(alert, message_ids)


def _open_alert(session: Session, case: Case) -> SafeguardingAlert | None:
    return session.scalar(select(SafeguardingAlert).where(
        SafeguardingAlert.case_id == case.id, SafeguardingAlert.acknowledged_at.is_(None),
        SafeguardingAlert.stood_down_at.is_(None)).limit(1))


def withdraw_open_offers(session: Session, case: Case, now: datetime, why: str) -> list[int]:
    """Withdraw the case's open offers and tell each volunteer the request is closed, without
    any detail of the case or of `why` (which goes on the timeline only)."""
    offers = session.scalars(select(Offer).where(
        Offer.case_id == case.id, Offer.status.in_(OPEN_OFFER_STATUSES)).order_by(Offer.id))
    return [i for offer in offers for i in close_offer(session, case, offer, now, why)]


def close_offer(session: Session, case: Case, offer: Offer, now: datetime,
                why: str, *, body: str | None = None) -> list[int]:
    """Withdraw one offer, note why on the timeline, and text the volunteer that the request is
    closed (reference only; `body` when another wording fits, e.g. arranged another way).
    -> the outbox id to enqueue, if any."""
    offer.status, offer.answered_at = OfferStatus.WITHDRAWN, now
    add_case_event(session, case, "offer_withdrawn", f"Offer withdrawn ({why})", now=now,
                   volunteer_id=offer.volunteer_id, offer_id=offer.id, data={"why": why})
    volunteer = session.get(Volunteer, offer.volunteer_id)
    if volunteer is None:
        return []
    message = queue_sms(session, to_phone=volunteer.phone,
                        body=body or OFFER_CLOSED_TEXT.format(reference=case.reference),
                        purpose="offer_withdrawn", idempotency_key=f"offer-closed:{offer.id}",
                        now=now, case_id=case.id, volunteer_id=volunteer.id, offer_id=offer.id)
    return [message.id] if message is not None and message.status == "pending" else []


def alert_recipients(session: Session, now: datetime,
                     alert_numbers: Sequence[str]) -> tuple[list[tuple[str, str]], bool]:
    """[(label, E.164)] to text, and whether it escalated (no coordinator on duty)."""
    on_duty = on_duty_staff(session, now, roles=[Role.COORDINATOR])
    if on_duty:
        return [(f"staff:{s.id}", s.phone) for s in on_duty if s.phone], False
    coordinators = session.scalars(select(StaffUser).where(
        StaffUser.role == Role.COORDINATOR, StaffUser.active.is_(True),
        StaffUser.phone.is_not(None)).order_by(StaffUser.id)).all()
    recipients = [(f"staff:{s.id}", s.phone) for s in coordinators if s.phone]
    known = {phone for _, phone in recipients}
    recipients += [(f"number:{n}", n) for n in alert_numbers if n not in known]
    return recipients, True


def _alert_duty(session: Session, case: Case, alert: SafeguardingAlert,
                alert_numbers: Sequence[str], now: datetime) -> list[int]:
    recipients, escalated = alert_recipients(session, now, alert_numbers)
    body = ALERT_TEXT.format(reference=case.reference)
    ids: list[int] = []
    for label, phone in recipients:
        message = queue_sms(session, to_phone=phone, body=body, purpose="safeguarding_alert",
                            idempotency_key=f"safeguarding-alert:{alert.id}:{label}", now=now,
                            case_id=case.id)
        if message is not None and message.status == "pending":
            ids.append(message.id)
    alert.escalated = escalated
    alert.alerted = [label for label, _ in recipients]
    if escalated:
        add_case_event(session, case, "safeguarding_escalated",
                       f"Nobody on duty: alert sent to {len(recipients)} escalation contact(s)",
                       now=now, data={"alerted": alert.alerted})
    if not ids:
        log.warning("safeguarding case %s: nobody could be texted", case.reference)
    return ids


def open_alerts(session: Session) -> list[tuple[SafeguardingAlert, Case]]:
    """Alerts no member of staff has acknowledged yet, oldest first (the console banner)."""
    rows = session.execute(
        select(SafeguardingAlert, Case).join(Case, Case.id == SafeguardingAlert.case_id)
        .where(SafeguardingAlert.acknowledged_at.is_(None),
               SafeguardingAlert.stood_down_at.is_(None))
        .order_by(SafeguardingAlert.raised_at, SafeguardingAlert.id)).all()
    return [(alert, case) for alert, case in rows]


def _alerts_of(session: Session, case: Case) -> list[SafeguardingAlert]:
    return list(session.scalars(select(SafeguardingAlert).where(
        SafeguardingAlert.case_id == case.id).order_by(SafeguardingAlert.id)))


def acknowledge(session: Session, case: Case, user: StaffUser, now: datetime) -> int:
    """A member of staff has seen the alert(s) and takes it on. -> how many were open."""
    count = 0
    for alert in _alerts_of(session, case):
        if alert.acknowledged_at is None and alert.stood_down_at is None:
            alert.acknowledged_at, alert.acknowledged_by_user_id = now, user.id
            count += 1
            minutes = (now - alert.raised_at).total_seconds() / 60
            add_case_event(session, case, "safeguarding_acknowledged",
                           f"Safeguarding alert acknowledged after {minutes:.0f} min",
                           now=now, staff_user_id=user.id,
                           data={"alert_id": alert.id, "seconds": int(minutes * 60)})
    return count


def record_first_contact(session: Session, case: Case, user: StaffUser, now: datetime) -> int:
    """A member of staff has spoken to the resident: the first contact after each alert."""
    count = 0
    for alert in _alerts_of(session, case):
        if alert.first_contact_at is None and alert.stood_down_at is None:
            alert.first_contact_at, alert.first_contact_by_user_id = now, user.id
            if alert.acknowledged_at is None:
                alert.acknowledged_at, alert.acknowledged_by_user_id = now, user.id
            count += 1
    if count:
        add_case_event(session, case, "safeguarding_contact", "Spoke to the resident",
                       now=now, staff_user_id=user.id)
    return count


def stand_down(session: Session, case: Case, user: StaffUser, reason: str | None,
               now: datetime) -> None:
    """A coordinator judges it is not a safeguarding matter; the case stays with staff."""
    if user.role not in MANAGER_ROLES:
        raise SafeguardingError("Only a coordinator can stand safeguarding down.")
    reason = (reason or "").replace("\x00", "").strip()
    if not reason:
        raise SafeguardingError("Give the reason for standing safeguarding down.")
    if case.urgency != Urgency.SAFEGUARDING:
        raise SafeguardingError("This case is not marked safeguarding.")
    reason = reason[:MAX_REASON_CHARS]
    for alert in _alerts_of(session, case):
        if alert.stood_down_at is None:
            alert.stood_down_at, alert.stood_down_by_user_id = now, user.id
            alert.stand_down_reason = reason
            if alert.acknowledged_at is None:
                alert.acknowledged_at, alert.acknowledged_by_user_id = now, user.id
    case.urgency = Urgency.ROUTINE
    if case.needs_staff_reason == "safeguarding":
        case.needs_staff_reason = None
    case.updated_at = now
    add_case_event(session, case, "safeguarding_stood_down", f"Safeguarding stood down: {reason}",
                   now=now, staff_user_id=user.id, data={"reason": reason})
