"""Residents: the people who ask for help, one row per phone number (or per referral)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, TimestampMixin


class Resident(TimestampMixin, Base):
    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(primary_key=True)
    # E.164; NULL for a withheld caller or a referral with no phone. Unique when present.
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    phone_valid: Mapped[bool] = mapped_column(default=False)
    name: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(String(10))
    language: Mapped[str] = mapped_column(String(10), default="en")
    opted_out: Mapped[bool] = mapped_column(default=False)
    opted_out_at: Mapped[datetime | None]
