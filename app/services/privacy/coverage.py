"""Where a person's data lives: one entry per table, used by subject access and by erasure.

`COVERAGE` says, for every table that can hold personal data, which of its rows are about a
subject (a phone number and everything linked to it) and how erasure treats them. A table with
no personal data is named in `NO_PERSONAL_DATA` instead. A test reads every table from the
models and fails for one in neither list, so a new table cannot be left out of a subject access
response or an erasure. Adding a table is one entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, String, cast, delete, false, or_, select, update
from sqlalchemy.orm import Session

from app.models.case import Case, CaseEvent, ConsentRecord, SafeguardingAlert
from app.models.conversation import Conversation, ProcessedWebhook
from app.models.grant import GrantApplication, GrantCheck
from app.models.message import Call, Message, MessageStatusEvent
from app.models.resident import Resident
from app.models.staff import AccessLogEntry, ApiToken, DutyWindow, LoginThrottle, StaffUser
from app.models.volunteer import Offer, Volunteer, VolunteerAbsence


@dataclass(frozen=True)
class Subject:
    """A phone number and the ids of every record linked to it."""

    phone: str
    resident_ids: frozenset[int] = frozenset()
    volunteer_ids: frozenset[int] = frozenset()
    staff_ids: frozenset[int] = frozenset()
    staff_emails: frozenset[str] = frozenset()
    case_ids: frozenset[int] = frozenset()
    call_sids: frozenset[str] = frozenset()
    message_sids: frozenset[str] = frozenset()
    application_ids: frozenset[int] = frozenset()

    @property
    def found(self) -> bool:
        return bool(self.resident_ids or self.volunteer_ids or self.staff_ids or self.case_ids
                    or self.call_sids or self.message_sids or self.application_ids)

    def targets(self) -> list[str]:
        """How the access log names this subject's records (ids only, never the number)."""
        return ([f"resident:{i}" for i in sorted(self.resident_ids)]
                + [f"volunteer:{i}" for i in sorted(self.volunteer_ids)])


def _ids(session: Session, column: Any, where: ColumnElement[bool]) -> frozenset:
    return frozenset(v for v in session.scalars(select(column).where(where)) if v is not None)


def _mentions(column: Any, phone: str) -> ColumnElement[bool]:
    """A text or JSON column that contains the number anywhere."""
    return cast(column, String).contains(phone, autoescape=True)


def find_subject(session: Session, phone: str) -> Subject:
    """Everything linked to one E.164 number: as a resident, a volunteer, a caller, a contact."""
    residents = _ids(session, Resident.id, Resident.phone == phone)
    volunteers = _ids(session, Volunteer.id, Volunteer.phone == phone)
    staff = _ids(session, StaffUser.id, StaffUser.phone == phone)
    cases = _ids(session, Case.id, or_(Case.phone == phone, Case.resident_id.in_(residents)))
    calls = _ids(session, Call.call_sid, or_(Call.from_phone == phone, Call.to_phone == phone,
                                             Call.case_id.in_(cases)))
    messages = _ids(session, Message.twilio_sid, or_(
        Message.to_phone == phone, Message.from_phone == phone, Message.case_id.in_(cases),
        Message.resident_id.in_(residents), Message.volunteer_id.in_(volunteers)))
    return Subject(
        phone=phone, resident_ids=residents, volunteer_ids=volunteers, staff_ids=staff,
        staff_emails=_ids(session, StaffUser.email, StaffUser.id.in_(staff)),
        case_ids=cases, call_sids=calls, message_sids=messages,
        application_ids=_ids(session, GrantApplication.id,
                             GrantApplication.contact_phone == phone))


def _sid_prefixed(column: Any, sids: frozenset[str]) -> ColumnElement[bool]:
    return or_(false(), *(column.startswith(sid, autoescape=True) for sid in sorted(sids)))


#: Erases the rows of a model with these ids (found before anything was changed).
Eraser = Callable[[Session, Any, list[int]], None]


def clear(**values: Any) -> Eraser:
    """Erase by overwriting the personal columns (the row stays for the statistics)."""
    def erase(session: Session, model: Any, ids: list[int]) -> None:
        session.execute(update(model).where(model.id.in_(ids)).values(**values))
    return erase


def delete_rows(session: Session, model: Any, ids: list[int]) -> None:
    """Erase by deleting the rows (nothing in them is needed once the person is gone)."""
    session.execute(delete(model).where(model.id.in_(ids)))


@dataclass(frozen=True)
class Coverage:
    """One table: which rows are about the subject, and how erasure treats them."""

    model: Any
    rows: Callable[[Subject], ColumnElement[bool]]
    erase: Eraser | None  # None: handled by the erasure itself, or kept (see `note`)
    note: str = ""

    @property
    def table(self) -> str:
        return self.model.__tablename__

    def ids(self, session: Session, subject: Subject) -> list[int]:
        return list(session.scalars(select(self.model.id).where(self.rows(subject))
                                    .order_by(self.model.id)))


COVERAGE: tuple[Coverage, ...] = (
    Coverage(Resident, lambda s: Resident.id.in_(s.resident_ids),
             clear(phone=None, name=None, address=None, postcode=None)),
    Coverage(Case, lambda s: Case.id.in_(s.case_ids), None,
             "anonymised by the erasure itself (app/services/privacy/erasure.py)"),
    Coverage(CaseEvent, lambda s: or_(CaseEvent.case_id.in_(s.case_ids),
                                          _mentions(CaseEvent.data, s.phone),
                                          _mentions(CaseEvent.summary, s.phone)),
             clear(summary="", data={})),
    Coverage(ConsentRecord, lambda s: ConsentRecord.case_id.in_(s.case_ids), clear(note=None),
             "the answer, channel, time and wording hash stay with the anonymised case"),
    Coverage(SafeguardingAlert, lambda s: or_(SafeguardingAlert.case_id.in_(s.case_ids),
                                              _mentions(SafeguardingAlert.alerted, s.phone)),
             clear(detail={}, alerted=[], stand_down_reason=None),
             "the times stay for the safeguarding report; the words and numbers texted go"),
    Coverage(Message, lambda s: or_(Message.twilio_sid.in_(s.message_sids),
                                       Message.to_phone == s.phone, Message.from_phone == s.phone,
                                       Message.case_id.in_(s.case_ids),
                                       Message.resident_id.in_(s.resident_ids),
                                       Message.volunteer_id.in_(s.volunteer_ids)),
             clear(body="", to_phone=None, from_phone=None, error_message=None)),
    Coverage(MessageStatusEvent,
             lambda s: or_(MessageStatusEvent.message_sid.in_(s.message_sids),
                           _mentions(MessageStatusEvent.raw, s.phone)), delete_rows),
    Coverage(Call, lambda s: Call.call_sid.in_(s.call_sids), None,
             "phone numbers cleared and recordings deleted at Twilio by the erasure itself"),
    Coverage(Conversation, lambda s: or_(Conversation.phone == s.phone,
                                            Conversation.case_id.in_(s.case_ids),
                                            Conversation.call_sid.in_(s.call_sids)), None,
             "deleted by the erasure itself (calls point at them)"),
    Coverage(ProcessedWebhook, lambda s: or_(
        _sid_prefixed(ProcessedWebhook.key, s.call_sids | s.message_sids),
        _mentions(ProcessedWebhook.key, s.phone),
        _mentions(ProcessedWebhook.response_body, s.phone)), delete_rows),
    Coverage(Offer, lambda s: or_(Offer.volunteer_id.in_(s.volunteer_ids),
                                     Offer.case_id.in_(s.case_ids)), None,
             "kept: who was offered what, by id only (the volunteers report counts them)"),
    Coverage(Volunteer, lambda s: Volunteer.id.in_(s.volunteer_ids), None,
             "anonymised by the erasure itself (the phone column is required and unique)"),
    Coverage(VolunteerAbsence, lambda s: VolunteerAbsence.volunteer_id.in_(s.volunteer_ids),
             delete_rows, "a volunteer's dated absences (days away and a staff note)"),
    Coverage(StaffUser, lambda s: StaffUser.id.in_(s.staff_ids), clear(phone=None),
             "a staff account keeps its sign-in; only the phone number is erased"),
    Coverage(ApiToken, lambda s: ApiToken.user_id.in_(s.staff_ids), None,
             "kept: a staff account's tokens are not erased with its phone number"),
    Coverage(DutyWindow, lambda s: DutyWindow.staff_user_id.in_(s.staff_ids), None,
             "kept: a staff member's rota holds no contact details"),
    Coverage(LoginThrottle, lambda s: LoginThrottle.email.in_(s.staff_emails), None,
             "kept: sign-in back-off for a staff account"),
    Coverage(AccessLogEntry, lambda s: or_(AccessLogEntry.case_id.in_(s.case_ids),
                                         AccessLogEntry.target.in_(s.targets()),
                                         _mentions(AccessLogEntry.detail, s.phone),
                                         _mentions(AccessLogEntry.target, s.phone)),
             clear(detail={}),
             "rows kept as the record of who accessed what; any detail they held is cleared"),
    Coverage(GrantApplication, lambda s: GrantApplication.id.in_(s.application_ids),
             clear(contact_phone=None, contact_email=None, contact_name="(erased)")),
    Coverage(GrantCheck, lambda s: GrantCheck.application_id.in_(s.application_ids),
             clear(note=None)),
)

#: Tables that hold nothing about a person (organisations, places, money pots, payments by ref).
NO_PERSONAL_DATA: frozenset[str] = frozenset({
    "funding_pots", "grant_payments", "neighbourhoods", "neighbourhood_postcodes",
    "directory_organisations", "directory_services", "directory_locations",
    "directory_service_locations", "directory_feeds", "service_instance",
    # ids and dates only: the request itself is the case, covered above
    "repeat_schedules",
    # a count per bucket of hundreds of possible mobile numbers (a hash): no number is kept
    "sms_turns",
})

