"""Community grants: funding pots, groups' applications, due-diligence checks and payments.

Money is kept in whole pence. A pot's budget left is its budget less every award made from it
(awards, not payments: an award is a promise the pot has to keep).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, TimestampMixin, utcnow


class FundingPot(TimestampMixin, Base):
    __tablename__ = "funding_pots"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    budget_pence: Mapped[int]
    min_award_pence: Mapped[int]
    max_award_pence: Mapped[int]
    opens_on: Mapped[date]
    closes_on: Mapped[date]  # included

    applications: Mapped[list[GrantApplication]] = relationship(
        back_populates="pot", order_by="GrantApplication.id")


class GrantApplication(TimestampMixin, Base):
    """An expression of interest from a group, then its checks and the decision on it."""

    __tablename__ = "grant_applications"
    __table_args__ = (Index("ix_grant_applications_pot_status", "pot_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(12), unique=True)  # e.g. G-7K3Q
    pot_id: Mapped[int] = mapped_column(ForeignKey("funding_pots.id"))
    organisation_name: Mapped[str] = mapped_column(String(200))
    organisation_type: Mapped[str] = mapped_column(String(30))
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    postcode: Mapped[str | None] = mapped_column(String(10))
    neighbourhood_code: Mapped[str | None] = mapped_column(String(12))
    district: Mapped[str | None] = mapped_column(String(80))
    purpose: Mapped[str] = mapped_column(Text)
    amount_requested_pence: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default="received")
    awarded_pence: Mapped[int | None]
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    decided_at: Mapped[datetime | None]
    directory_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("directory_organisations.id"))

    pot: Mapped[FundingPot] = relationship(back_populates="applications")
    checks: Mapped[list[GrantCheck]] = relationship(order_by="GrantCheck.id",
                                                    cascade="all, delete-orphan")
    payments: Mapped[list[GrantPayment]] = relationship(order_by="GrantPayment.id",
                                                        cascade="all, delete-orphan")


class GrantCheck(Base):
    """One due-diligence item confirmed for an application: what, who checked it and when."""

    __tablename__ = "grant_checks"
    __table_args__ = (UniqueConstraint("application_id", "item",
                                       name="uq_grant_checks_application_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("grant_applications.id"))
    item: Mapped[str] = mapped_column(String(30))
    checked_by_user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)


class GrantPayment(Base):
    __tablename__ = "grant_payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("grant_applications.id"), index=True)
    amount_pence: Mapped[int]
    paid_on: Mapped[date]
    payment_reference: Mapped[str | None] = mapped_column(String(80))
    recorded_by_user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
