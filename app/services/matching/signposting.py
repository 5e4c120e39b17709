"""Signposting: send the resident a directory service that meets their need in their district.

Used by matching (`matcher.offer_next`) for needs a service answers better than a volunteer
(SIGNPOST_NEEDS, `money` by default: advice services) and for any need no volunteer
can take. Which service: an active one listing the need and covering the case's district;
the nearest with a location when the case has one, else one naming the district (area-wide),
else one covering every district (app/services/directory/ranking.py). The resident gets its
name, phone and opening hours by SMS; the case becomes `signposted` with
`directory_service_id` set. No service, or no number to text: None, and the
caller hands the case to staff instead.

A community group asking for funding (the `funding` need) is told about the grant pots open
today and where to apply, before any directory service; with no pot open it is signposted like
any other need.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from app.domain.enums import CaseOutcome, CaseStatus, Need
from app.domain.grants import funding_text
from app.domain.phone import format_for_display, parse_phone
from app.models.case import Case
from app.models.directory import DirectoryService
from app.services.cases.timeline import add_case_event
from app.services.directory.ranking import RankedService, best_services
from app.services.grants.pots import open_pots
from app.services.matching.texts import need_words
from app.services.messaging.outbox import queue_sms

log = logging.getLogger(__name__)


@dataclass
class SignpostResult:
    service_id: int | None  # None: signposted to open community grants
    service_name: str
    message_ids: list[int] = field(default_factory=list)


def choose_service(session: Session, case: Case, now: datetime) -> DirectoryService | None:
    """The best directory service for this case's need and district, or None."""
    if not case.need:
        return None
    best = best_for_case(session, case, now, limit=1)
    return best[0].hit.service if best else None


def best_for_case(session: Session, case: Case, now: datetime, limit: int = 3
                  ) -> list[RankedService]:
    """The best services for the case (nearest with a location, else area-wide), with reasons."""
    origin = (case.latitude, case.longitude) if case.latitude is not None \
        and case.longitude is not None else None
    return best_services(session, need=case.need, district=case.district, origin=origin,
                         today=now.date(), limit=limit)


def signpost_text(case: Case, service: DirectoryService) -> str:
    parts = [f"Here2Help {case.reference}: for {need_words(case.need)}, {service.name} can help."]
    if service.phone:
        parsed = parse_phone(service.phone)
        shown = format_for_display(parsed.e164) if parsed.is_number else service.phone
        parts.append(f"Call {shown}.")
    elif service.website:
        parts.append(service.website)
    if service.opening_hours:
        parts.append(f"Open {service.opening_hours}.")
    parts.append("Reply HELP to reach us.")
    return " ".join(parts)[:640]


def signpost_case(session: Session, case: Case, now: datetime, why: str, *,
                  funding_form_url: str | None = None) -> SignpostResult | None:
    """Text the resident the chosen service and mark the case signposted (flushes only)."""
    if not case.phone:
        return None
    if case.need == Need.FUNDING:
        pots = open_pots(session, now.date())
        if pots:
            return _signposted(session, case, now, why, None, "open community grants",
                               funding_text(case.reference, pots, funding_form_url))
    service = choose_service(session, case, now)
    if service is None:
        return None
    return _signposted(session, case, now, why, service.id, service.name,
                       signpost_text(case, service))


def _signposted(session: Session, case: Case, now: datetime, why: str, service_id: int | None,
                name: str, body: str) -> SignpostResult | None:
    message = queue_sms(session, to_phone=case.phone, body=body, purpose="signpost",
                        idempotency_key=f"signpost:{case.id}:{service_id or 'grants'}",
                        now=now, case_id=case.id, resident_id=case.resident_id)
    if message is None or message.status != "pending":
        return None  # cannot reach them by SMS: staff will phone instead
    case.status, case.directory_service_id = CaseStatus.SIGNPOSTED, service_id
    case.outcome, case.needs_matching, case.updated_at = CaseOutcome.SIGNPOSTED, False, now
    add_case_event(session, case, "signposted", f"Signposted to {name} ({why})",
                   now=now, data={"service_id": service_id, "reason": why},
                   message_id=message.id)
    log.info("case %s signposted to %s", case.reference, name)
    return SignpostResult(service_id, name, [message.id])
