"""Repeat schedules: a completed request made again every week or fortnight."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class RepeatSchedule(Base):
    """Staff's "repeat this request": the scheduler opens a copy of `case_id` on `next_due_on`
    (UK date), then moves the date on by `interval_days`, until someone stops it."""

    __tablename__ = "repeat_schedules"
    __table_args__ = (Index("ix_repeat_schedules_active_due", "active", "next_due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    interval_days: Mapped[int]
    next_due_on: Mapped[date]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    stopped_at: Mapped[datetime | None]
    stopped_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    last_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
