"""The Community Services Directory, modelled on Open Referral HSDS 3.0 (UK profile)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, TimestampMixin, UTCDateTime


class DirectoryOrganisation(TimestampMixin, Base):
    __tablename__ = "directory_organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    hsds_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str | None] = mapped_column(String(254))
    website: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(32))
    is_demo: Mapped[bool] = mapped_column(default=False)

    services: Mapped[list[DirectoryService]] = relationship(back_populates="organisation")
    locations: Mapped[list[DirectoryLocation]] = relationship(back_populates="organisation")


class DirectoryService(TimestampMixin, Base):
    __tablename__ = "directory_services"

    id: Mapped[int] = mapped_column(primary_key=True)
    hsds_id: Mapped[str] = mapped_column(String(64), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("directory_organisations.id"))
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    needs: Mapped[list[str]] = mapped_column(JSON, default=list)
    districts: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: every district
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    website: Mapped[str | None] = mapped_column(Text)
    opening_hours: Mapped[str | None] = mapped_column(Text)
    eligibility: Mapped[str | None] = mapped_column(Text)
    is_statutory: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20), default="active")
    last_reviewed_on: Mapped[date | None]
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    is_demo: Mapped[bool] = mapped_column(default=False)
    #: Why each need was assigned ({need: ["description: 'food bank'", ...]}), shown to staff.
    needs_reasons: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    #: A coordinator chose the needs: imports and syncs then leave them alone.
    needs_set_by_staff: Mapped[bool] = mapped_column(default=False)
    #: The live feed (ORUK API base URL) the entry came from, and when it was last in it.
    feed_url: Mapped[str | None] = mapped_column(Text)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))

    organisation: Mapped[DirectoryOrganisation] = relationship(back_populates="services")
    locations: Mapped[list[DirectoryLocation]] = relationship(
        secondary="directory_service_locations", back_populates="services"
    )


class DirectoryLocation(TimestampMixin, Base):
    __tablename__ = "directory_locations"

    id: Mapped[int] = mapped_column(primary_key=True)
    hsds_id: Mapped[str] = mapped_column(String(64), unique=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("directory_organisations.id"))
    name: Mapped[str | None] = mapped_column(String(255))
    address_1: Mapped[str | None] = mapped_column(String(255))
    city: Mapped[str | None] = mapped_column(String(120))
    postcode: Mapped[str | None] = mapped_column(String(10))
    district: Mapped[str | None] = mapped_column(String(80))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]

    organisation: Mapped[DirectoryOrganisation | None] = relationship(back_populates="locations")
    services: Mapped[list[DirectoryService]] = relationship(
        secondary="directory_service_locations", back_populates="locations"
    )


class DirectoryServiceLocation(Base):
    """HSDS service_at_location: which service is delivered where."""

    __tablename__ = "directory_service_locations"

    service_id: Mapped[int] = mapped_column(ForeignKey("directory_services.id"), primary_key=True)
    location_id: Mapped[int] = mapped_column(
        ForeignKey("directory_locations.id"), primary_key=True
    )


class DirectoryFeed(TimestampMixin, Base):
    """One live Open Referral feed and how its last sync went (the "feed health" line)."""

    __tablename__ = "directory_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500), unique=True)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    services_seen: Mapped[int] = mapped_column(default=0)
