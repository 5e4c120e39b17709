"""Cases (one request for help) and their timeline of events."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.enums import CaseStatus, Channel, Urgency
from app.models.base import Base, TimestampMixin, utcnow


class Case(TimestampMixin, Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_status_urgency", "status", "urgency"),
        Index("ix_cases_created_at", "created_at"),
        Index("ix_cases_phone_status", "phone", "status"),
        # A schedule makes one case per due date, however many workers run it at once.
        UniqueConstraint("repeat_schedule_id", "repeat_due_on",
                         name="uq_cases_repeat_schedule_due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    status: Mapped[str] = mapped_column(String(20), default=CaseStatus.NEW)
    category: Mapped[str | None] = mapped_column(String(20))
    need: Mapped[str | None] = mapped_column(String(40))
    # The resident's own words ("other requirements"), kept verbatim.
    details: Mapped[str | None] = mapped_column(Text)
    urgency: Mapped[str] = mapped_column(String(20), default=Urgency.ROUTINE)
    channel: Mapped[str] = mapped_column(String(10), default=Channel.SMS)
    language: Mapped[str] = mapped_column(String(10), default="en")
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(String(10))
    district: Mapped[str | None] = mapped_column(String(80))
    district_code: Mapped[str | None] = mapped_column(String(12))
    # LSOA code, or postcode sector when no lookup is loaded (app.services.geo.neighbourhoods).
    neighbourhood_code: Mapped[str | None] = mapped_column(String(12), index=True)
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    # The latest recorded answer (the full history is in consent_records).
    consent_to_share: Mapped[bool] = mapped_column(default=False)
    # Why the case waits for staff rather than a volunteer ("no consent to share", ...).
    needs_staff_reason: Mapped[str | None] = mapped_column(String(120))
    assigned_volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteers.id"))
    directory_service_id: Mapped[int | None] = mapped_column(ForeignKey("directory_services.id"))
    referred_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    referrer_organisation: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str | None] = mapped_column(String(20))
    outcome_reason: Mapped[str | None] = mapped_column(Text)
    callback_due_at: Mapped[datetime | None]
    offer_attempts: Mapped[int] = mapped_column(default=0)
    # Set when the case needs the matching job; the sweeper re-enqueues flagged, stale cases.
    needs_matching: Mapped[bool] = mapped_column(default=False)
    matching_enqueued_at: Mapped[datetime | None]
    first_offer_at: Mapped[datetime | None]
    assigned_at: Mapped[datetime | None]
    # When the volunteer was asked "did you manage to help?" (a check-in sent before this
    # assignment began belongs to an earlier one).
    checkin_sent_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # The follow-up SMS asking whether help arrived: "sent", or "skipped" (a landline, an
    # opted-out or unusable number), decided once; the answer is "yes", "partly" or "no".
    follow_up_state: Mapped[str | None] = mapped_column(String(10))
    follow_up_at: Mapped[datetime | None]
    follow_up_answer: Mapped[str | None] = mapped_column(String(10))
    follow_up_answered_at: Mapped[datetime | None]
    # A repeat of a completed request points at the first case of the chain; a scheduled one
    # also names its schedule (repeat_schedules.id; no foreign key, as schedules point at
    # cases) and the date it was due.
    repeat_of_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    repeat_schedule_id: Mapped[int | None]
    repeat_due_on: Mapped[date | None]
    is_demo: Mapped[bool] = mapped_column(default=False)
    # Set when the retention policy (or an erasure) removed the personal data; reports still
    # count the case by its category, need, district, dates and outcome.
    anonymised_at: Mapped[datetime | None]

    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", cascade="all, delete-orphan"
    )


class CaseEvent(Base):
    """One line of a case's timeline; append-only (the audit trail of what happened to a case)."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteers.id"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"))
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offers.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship(back_populates="events")


class SafeguardingAlert(Base):
    """One raising of safeguarding on a case: who or what raised it, whom it alerted, and when a
    member of staff acknowledged it, first spoke to the resident, or (a coordinator) stood it
    down. The console shows a banner for every alert not yet acknowledged."""

    __tablename__ = "safeguarding_alerts"
    __table_args__ = (Index("ix_safeguarding_alerts_open", "acknowledged_at", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    # words (a phrase in the resident's text), voicemail, staff (console), api
    source: Mapped[str] = mapped_column(String(20))
    raised_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # phrases, language
    raised_at: Mapped[datetime]
    # Who was texted: on-duty coordinators, or (escalated) every coordinator and the numbers.
    escalated: Mapped[bool] = mapped_column(default=False)
    alerted: Mapped[list[str]] = mapped_column(JSON, default=list)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    first_contact_at: Mapped[datetime | None]
    first_contact_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    stood_down_at: Mapped[datetime | None]
    stood_down_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    stand_down_reason: Mapped[str | None] = mapped_column(Text)


class ConsentRecord(Base):
    """A resident's answer to "may we pass your details on?", as heard: the channel, the time,
    and which wording (the flow's phrase key and a SHA-256 of the exact text), so a later change
    to the wording never rewrites what someone agreed to. Append-only."""

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    answer: Mapped[bool]
    channel: Mapped[str] = mapped_column(String(10))
    language: Mapped[str | None] = mapped_column(String(10))
    phrase_key: Mapped[str | None] = mapped_column(String(120))
    wording_sha256: Mapped[str | None] = mapped_column(String(64))
    recorded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime]
