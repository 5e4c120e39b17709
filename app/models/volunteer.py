"""Volunteers (people and organisations offering help) and the offers made to them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.enums import ApprovalStatus, DbsStatus, OfferStatus, VolunteerKind
from app.models.base import Base, TimestampMixin, utcnow


class Volunteer(TimestampMixin, Base):
    __tablename__ = "volunteers"
    __table_args__ = (
        Index("ix_volunteers_active_approval", "active", "approval_status"),
        # Matching's bounding-box pre-filter (app.services.matching.matcher.load_candidates);
        # the travel distance lets each distance band be found in its own box.
        Index("ix_volunteers_latitude_longitude_distance", "latitude", "longitude",
              "max_distance_km"),
        # max(max_distance_km) sizes that box from the index alone.
        Index("ix_volunteers_max_distance_km", "max_distance_km"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default=VolunteerKind.PERSON)
    name: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str | None] = mapped_column(String(200))  # for an organisation
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    phone_valid: Mapped[bool] = mapped_column(default=False)
    email: Mapped[str | None] = mapped_column(String(254))
    postcode: Mapped[str | None] = mapped_column(String(10))
    district: Mapped[str | None] = mapped_column(String(80))
    district_code: Mapped[str | None] = mapped_column(String(12))
    # LSOA code, or postcode sector when no lookup is loaded (app.services.geo.neighbourhoods).
    neighbourhood_code: Mapped[str | None] = mapped_column(String(12), index=True)
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    needs: Mapped[list[str]] = mapped_column(JSON, default=list)
    max_distance_km: Mapped[float] = mapped_column(default=5.0)
    dbs_status: Mapped[str] = mapped_column(String(10), default=DbsStatus.NONE)
    dbs_expires_on: Mapped[date | None]
    dbs_checked_on: Mapped[date | None]
    dbs_cost_pence: Mapped[int | None]
    active: Mapped[bool] = mapped_column(default=True)
    approval_status: Mapped[str] = mapped_column(String(10), default=ApprovalStatus.APPROVED)
    # Weekly hours, e.g. {"mon": [["09:00", "12:00"]], ...}; empty means any time.
    availability: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    max_open_assignments: Mapped[int] = mapped_column(default=3)
    capacity: Mapped[int | None]  # an organisation's number of people it can help at once
    opted_out: Mapped[bool] = mapped_column(default=False)
    opted_out_at: Mapped[datetime | None]
    # AWAY by SMS: no offers until this moment (UTC; midnight UK time on the day they are back).
    away_until: Mapped[datetime | None]
    source: Mapped[str] = mapped_column(String(20), default="staff")
    last_offered_at: Mapped[datetime | None]
    notes: Mapped[str | None] = mapped_column(Text)
    is_demo: Mapped[bool] = mapped_column(default=False)
    # The DBS expiry date coordinators were last reminded about (once per volunteer per date).
    dbs_reminder_sent_for: Mapped[date | None]
    # Signing up by SMS (JOIN): the question they were last asked (None once finished or
    # stopped), and when, so a half-finished sign-up does not swallow their texts for ever.
    join_step: Mapped[str | None] = mapped_column(String(20))
    join_step_at: Mapped[datetime | None]


class VolunteerAbsence(Base):
    """A dated absence (holiday, operation): no offers from `starts_on` to `ends_on`, both
    inclusive, as UK local dates. Staff add and remove them on the volunteer's page."""

    __tablename__ = "volunteer_absences"
    __table_args__ = (Index("ix_volunteer_absences_volunteer_ends", "volunteer_id", "ends_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    note: Mapped[str | None] = mapped_column(String(200))
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Offer(Base):
    """A case offered to one volunteer by SMS. One offer per (case, attempt)."""

    __tablename__ = "offers"
    __table_args__ = (
        UniqueConstraint("case_id", "attempt", name="uq_offers_case_attempt"),
        Index("ix_offers_volunteer_status", "volunteer_id", "status"),
        Index("ix_offers_status_expires_at", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"))
    attempt: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default=OfferStatus.PENDING)
    rank: Mapped[int] = mapped_column(default=1)
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
