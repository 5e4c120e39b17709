"""Coordinators' volunteer administration, and the public sign-up that feeds it.

Approval, pausing and DBS edits each leave a note on the volunteer (the `notes` column keeps a
dated line per change) because DBS decisions are safeguarding decisions someone may have to
explain later; who did it is in the access log. No Flask here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.domain.enums import ApprovalStatus, DbsStatus
from app.domain.matching import UK
from app.domain.uk_time import format_uk
from app.models.case import Case
from app.models.volunteer import Offer, Volunteer
from app.services.fields.rules import FieldInvalid, check_phone, check_postcode
from app.services.geo.neighbourhoods import neighbourhood_code_for
from app.services.volunteers.approval import not_matchable_message

LIST_LIMIT = 200


class VolunteerAdminError(ValueError):
    """A change that cannot be made; the message is shown to the person (against `field`)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class SignupInput:
    name: str
    phone: str
    email: str | None
    postcode: str
    needs: list[str]
    max_distance_km: int


def search_volunteers(session: Session, query: str = "", approval: str = "") -> list[Volunteer]:
    stmt = select(Volunteer)
    text = query.strip()
    if text:
        like = f"%{text.lower()}%"
        stmt = stmt.where(or_(Volunteer.name.ilike(like), Volunteer.postcode.ilike(like),
                              Volunteer.district.ilike(like)))
    if approval in {s.value for s in ApprovalStatus}:
        stmt = stmt.where(Volunteer.approval_status == approval)
    pending_first = (Volunteer.approval_status != ApprovalStatus.PENDING)
    return list(session.scalars(stmt.order_by(pending_first, Volunteer.name).limit(LIST_LIMIT)))


def assignments(session: Session, volunteer: Volunteer) -> list[tuple[Offer, Case]]:
    """Every offer made to the volunteer, newest first, with its case."""
    rows = session.execute(
        select(Offer, Case).join(Case, Case.id == Offer.case_id)
        .where(Offer.volunteer_id == volunteer.id).order_by(Offer.created_at.desc()).limit(100))
    return [(offer, case) for offer, case in rows]


def add_note(volunteer: Volunteer, text: str, now: datetime) -> None:
    """A dated line on the volunteer's history, in UK time (as staff read it)."""
    line = f"{format_uk(now, '%Y-%m-%d %H:%M')} {text}"
    volunteer.notes = f"{volunteer.notes}\n{line}" if volunteer.notes else line


def set_approval(volunteer: Volunteer, status: str, now: datetime) -> str:
    if status not in {ApprovalStatus.APPROVED, ApprovalStatus.REJECTED}:
        raise VolunteerAdminError("Choose approve or reject.")
    if status == ApprovalStatus.APPROVED and volunteer.approval_status != status:
        refused = not_matchable_message(volunteer)
        if refused is not None:
            raise VolunteerAdminError(refused)
    volunteer.approval_status = status
    add_note(volunteer, f"application {status}", now)
    return f"{volunteer.name}: {status}."


def set_active(volunteer: Volunteer, active: bool, now: datetime) -> str:
    volunteer.active = active
    add_note(volunteer, "resumed" if active else "paused", now)
    return f"{volunteer.name} {'resumed' if active else 'paused'}."


def update_dbs(volunteer: Volunteer, status: str, expires_on: date | None,
               cost_pounds: Decimal | None, now: datetime) -> str:
    if status not in {s.value for s in DbsStatus}:
        raise VolunteerAdminError("Choose a DBS status.")
    if status == DbsStatus.CLEAR and expires_on is not None and expires_on < now.date():
        raise VolunteerAdminError("The expiry date is in the past: choose 'Expired'.")
    volunteer.dbs_status = status
    volunteer.dbs_expires_on = expires_on
    if status == DbsStatus.CLEAR:
        volunteer.dbs_checked_on = volunteer.dbs_checked_on or now.date()
    volunteer.dbs_cost_pence = int((cost_pounds * 100).to_integral_value()) \
        if cost_pounds is not None else None
    add_note(volunteer, f"DBS set to {status}", now)
    return f"DBS details saved for {volunteer.name}."


def away_until_words(volunteer: Volunteer, now: datetime) -> str | None:
    """`Tue 8 Dec 2026` (UK time) while a volunteer who texted AWAY is away, else None."""
    if volunteer.away_until is None or volunteer.away_until <= now:
        return None
    back = volunteer.away_until.astimezone(UK)
    return f"{back:%a} {back.day} {back:%b %Y}"


def pounds(pence: int | None) -> str:
    return "Not recorded" if pence is None else f"£{pence // 100:,}.{pence % 100:02d}"


def create_signup(session: Session, data: SignupInput, now: datetime) -> Volunteer | None:
    """A pending volunteer from the public page; None when the number is already registered.

    The caller shows the same thank-you either way, so the page cannot be used to find out
    whether someone volunteers.
    """
    try:
        phone = check_phone(data.phone, mobile=True)  # the same rules as the form and the API
    except FieldInvalid as exc:
        raise VolunteerAdminError(str(exc), field="phone") from None
    try:
        location = check_postcode(data.postcode)
    except FieldInvalid as exc:
        raise VolunteerAdminError(str(exc), field="postcode") from None
    postcode = location.postcode
    if session.scalar(select(Volunteer.id).where(Volunteer.phone == phone.e164)) is not None:
        return None
    volunteer = Volunteer(
        name=data.name.strip(), phone=phone.e164, phone_valid=phone.valid,
        email=(data.email or "").strip().lower() or None, postcode=postcode,
        needs=list(dict.fromkeys(data.needs)), max_distance_km=float(data.max_distance_km),
        approval_status=ApprovalStatus.PENDING, source="signup_page", active=True,
        **location.columns(),
    )
    volunteer.neighbourhood_code = neighbourhood_code_for(session, postcode)
    add_note(volunteer, "signed up on the public page", now)
    try:
        with session.begin_nested():
            session.add(volunteer)
            session.flush()
    except IntegrityError:  # the same number signed up at the same moment
        return None
    return volunteer
