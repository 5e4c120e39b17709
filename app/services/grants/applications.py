"""Groups' expressions of interest and what staff do with them: due diligence, the decision,
payments, and adding an awarded group to the Community Services Directory.

Every function flushes and leaves the commit to the caller (a view commits, then enqueues the
acknowledgement SMS through `commit_then_enqueue`). Rules that live here, so the public form,
the console and any later entry point follow them: a pot takes interest only while open; an
award needs every due-diligence item confirmed, lies within the pot's minimum and maximum and
what is left of its budget (checked under a lock on the pot row, so two coordinators awarding
at once cannot overspend it); a payment never exceeds what is left of the award.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.domain.enums import Need
from app.domain.grants import (
    AWARDED,
    CHECKLIST_LABELS,
    DECLINED,
    ORGANISATION_TYPE_LABELS,
    RECEIVED,
    GrantRefused,
    acknowledgement_text,
    check_award,
    check_payment,
    clean_text,
    is_open,
    missing_checks,
)
from app.domain.phone import parse_phone
from app.domain.postcode import normalise_postcode
from app.domain.references import ALPHABET
from app.models.grant import FundingPot, GrantApplication, GrantCheck, GrantPayment
from app.services.directory.entries import ServiceInput, create_service
from app.services.geo.neighbourhoods import neighbourhood_code_for
from app.services.geo.postcodes import locate
from app.services.grants.pots import budget_left_pence
from app.services.messaging.outbox import queue_sms

REFERENCE_ATTEMPTS = 8
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class InterestInput:
    """What a group types into the public expression-of-interest form."""

    pot_id: int
    organisation_name: str
    organisation_type: str
    contact_name: str
    purpose: str
    amount_pence: int
    contact_phone: str | None = None
    contact_email: str | None = None
    postcode: str | None = None


@dataclass
class Submitted:
    application: GrantApplication
    message_ids: list[int] = field(default_factory=list)  # the acknowledgement, to enqueue


def submit_interest(session: Session, data: InterestInput, now: datetime) -> Submitted:
    """Record an expression of interest and queue the SMS acknowledgement (to a mobile)."""
    pot = session.get(FundingPot, data.pot_id)
    if pot is None or not is_open(pot.opens_on, pot.closes_on, now.date()):
        raise GrantRefused("That funding pot is not open for applications")
    if data.organisation_type not in ORGANISATION_TYPE_LABELS:
        raise GrantRefused("Choose the kind of group")
    for value, what in ((data.organisation_name, "the name of your group"),
                        (data.contact_name, "your name"), (data.purpose, "what the money is for")):
        if not clean_text(value, 4000):
            raise GrantRefused(f"Enter {what}")
    phone = parse_phone(data.contact_phone) if data.contact_phone else None
    if data.contact_phone and (phone is None or not phone.is_number):
        raise GrantRefused("Enter a UK phone number, like 07700 900123")
    email = clean_text(data.contact_email, 254).lower() or None
    if email and not _EMAIL.match(email):
        raise GrantRefused("Enter an e-mail address, like name@example.org")
    if phone is None and email is None:
        raise GrantRefused("Give a phone number or an e-mail address so we can reply")
    postcode = normalise_postcode(data.postcode)
    if data.postcode and postcode is None:
        raise GrantRefused("Enter the group's full postcode, like WR1 2NN")
    location = locate(postcode) if postcode else None
    application = GrantApplication(
        pot_id=pot.id, organisation_name=clean_text(data.organisation_name, 200),
        organisation_type=data.organisation_type, contact_name=clean_text(data.contact_name, 200),
        contact_phone=phone.e164 if phone else None, contact_email=email, postcode=postcode,
        neighbourhood_code=neighbourhood_code_for(session, postcode),
        district=location.district_name if location else None,
        purpose=clean_text(data.purpose, 4000),
        amount_requested_pence=data.amount_pence, status=RECEIVED, created_at=now,
        updated_at=now)
    _insert_with_reference(session, application)
    message_ids: list[int] = []
    if phone is not None and phone.mobile:
        message = queue_sms(session, to_phone=phone.e164,
                            body=acknowledgement_text(application.reference,
                                                      application.organisation_name, pot.name),
                            purpose="grant_acknowledgement",
                            idempotency_key=f"grant-ack:{application.reference}", now=now)
        if message is not None and message.status == "pending":
            message_ids.append(message.id)
    return Submitted(application, message_ids)


def _insert_with_reference(session: Session, application: GrantApplication) -> None:
    for _ in range(REFERENCE_ATTEMPTS):
        application.reference = "G-" + "".join(secrets.choice(ALPHABET) for _ in range(6))
        try:
            with session.begin_nested():
                session.add(application)
                session.flush()
            return
        except IntegrityError:
            continue
    raise RuntimeError("could not draw a free grant reference")


def confirm_check(session: Session, application: GrantApplication, item: str, staff_id: int,
                  now: datetime, note: str | None = None) -> GrantCheck:
    """Record that `staff_id` confirmed one due-diligence item now (once per item)."""
    if item not in CHECKLIST_LABELS:
        raise GrantRefused("Unknown due-diligence item")
    if application.status != RECEIVED:
        raise GrantRefused("The application has been decided; its checks are closed")
    existing = next((c for c in application.checks if c.item == item), None)
    if existing is not None:
        return existing
    check = GrantCheck(application_id=application.id, item=item, checked_by_user_id=staff_id,
                       checked_at=now, note=clean_text(note, 500) or None)
    try:
        with session.begin_nested():
            session.add(check)
            session.flush()
    except IntegrityError:  # a colleague confirmed the same item at the same moment
        session.expire(application, ["checks"])
        return next(c for c in application.checks if c.item == item)
    session.expire(application, ["checks"])
    return check


def decide(session: Session, application: GrantApplication, *, award: bool,
           amount_pence: int | None, reason: str, staff_id: int, now: datetime) -> None:
    """Award (an amount within the pot's rules) or decline, with a reason, once."""
    if application.status != RECEIVED:
        raise GrantRefused("This application has already been decided")
    if not clean_text(reason, 2000):
        raise GrantRefused("Give the reason for the decision")
    if award:
        missing = missing_checks({c.item for c in application.checks})
        if missing:
            raise GrantRefused("Complete the due diligence first: " + "; ".join(missing))
        if amount_pence is None:
            raise GrantRefused("Enter the amount awarded")
        pot = session.scalar(select(FundingPot).where(FundingPot.id == application.pot_id)
                             .with_for_update())
        assert pot is not None
        check_award(amount_pence, minimum=pot.min_award_pence, maximum=pot.max_award_pence,
                    budget_left=budget_left_pence(session, pot))
        application.awarded_pence = amount_pence
    application.status = AWARDED if award else DECLINED
    application.decision_reason = clean_text(reason, 2000)
    application.decided_by_user_id = staff_id
    application.decided_at = now
    application.updated_at = now
    session.flush()


def paid_pence(session: Session, application: GrantApplication) -> int:
    return int(session.scalar(select(func.coalesce(func.sum(GrantPayment.amount_pence), 0))
                              .where(GrantPayment.application_id == application.id)) or 0)


def record_payment(session: Session, application: GrantApplication, *, amount_pence: int,
                   paid_on: date, reference: str | None, staff_id: int,
                   now: datetime) -> GrantPayment:
    locked = session.scalar(select(GrantApplication).where(GrantApplication.id == application.id)
                            .with_for_update())
    assert locked is not None
    check_payment(amount_pence, awarded=locked.awarded_pence if locked.status == AWARDED
                  else None, paid=paid_pence(session, locked))
    payment = GrantPayment(amount_pence=amount_pence, paid_on=paid_on,
                           payment_reference=clean_text(reference, 80) or None,
                           recorded_by_user_id=staff_id, created_at=now)
    locked.payments.append(payment)
    locked.updated_at = now
    session.flush()
    return payment


def add_to_directory(session: Session, application: GrantApplication) -> int:
    """List an awarded group in the directory as a community service; its organisation id.

    `create_service` commits. The entry is listed under the "other" need with the group's
    contact details and purpose; a coordinator completes it on the directory's edit page.
    """
    if application.status != AWARDED:
        raise GrantRefused("Only a group that received a grant is added from here")
    if application.directory_organisation_id is not None:
        raise GrantRefused("This group is already in the directory")
    location = locate(application.postcode) if application.postcode else None
    service = create_service(session, ServiceInput(
        organisation_name=application.organisation_name, name=application.organisation_name,
        description=application.purpose[:2000], needs=(Need.OTHER.value,),
        districts=(application.district,) if application.district else (),
        phone=application.contact_phone, email=application.contact_email,
        postcode=application.postcode, district=application.district,
        latitude=location.latitude if location else None,
        longitude=location.longitude if location else None))
    application.directory_organisation_id = service.organisation.id
    session.flush()
    return service.organisation.id
