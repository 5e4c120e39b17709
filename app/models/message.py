"""SMS both ways (the inbound log and the outbound outbox), their status events, and calls."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.enums import MessageStatus
from app.models.base import Base, TimestampMixin, utcnow


class Message(TimestampMixin, Base):
    """One SMS. An outbound row is written before any job sends it: the outbox."""

    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_direction_status", "direction", "status"),
        Index("ix_messages_to_phone", "to_phone"),
        Index("ix_messages_from_phone", "from_phone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(String(10))
    purpose: Mapped[str] = mapped_column(String(30), default="reply")
    to_phone: Mapped[str | None] = mapped_column(String(20))
    from_phone: Mapped[str | None] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text, default="")
    twilio_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Unique key of an outbound message's purpose (e.g. "offer:12"), so it is queued only once.
    idempotency_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    status: Mapped[str] = mapped_column(String(20), default=MessageStatus.PENDING)
    error_code: Mapped[int | None]
    error_message: Mapped[str | None] = mapped_column(Text)
    segments: Mapped[int] = mapped_column(default=1)
    encoding: Mapped[str] = mapped_column(String(10), default="GSM-7")
    price: Mapped[Decimal | None] = mapped_column(Numeric(10, 5))
    price_unit: Mapped[str | None] = mapped_column(String(3))
    # Asking Twilio for the final price (app.services.delivery.pricing): how often it was asked,
    # and when it is next due (None: priced, given up, or never to be asked).
    price_checks: Mapped[int] = mapped_column(default=0, server_default="0")
    price_check_due_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    send_enqueued_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    status_updated_at: Mapped[datetime | None]
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteers.id"))
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offers.id"))


class MessageStatusEvent(Base):
    """One status callback, stored once per (MessageSid, status) whatever order they arrive in."""

    __tablename__ = "message_status_events"
    __table_args__ = (
        UniqueConstraint("message_sid", "status", name="uq_message_status_events_sid_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_sid: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    error_code: Mapped[int | None]
    raw: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Call(TimestampMixin, Base):
    """One phone call, with its voicemail recording when there is one."""

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    direction: Mapped[str] = mapped_column(String(10), default="inbound")
    from_phone: Mapped[str | None] = mapped_column(String(20))
    to_phone: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="in-progress")
    duration_seconds: Mapped[int | None]
    price: Mapped[Decimal | None] = mapped_column(Numeric(10, 5))
    price_unit: Mapped[str | None] = mapped_column(String(3))
    price_checks: Mapped[int] = mapped_column(default=0, server_default="0")
    price_check_due_at: Mapped[datetime | None]
    recording_sid: Mapped[str | None] = mapped_column(String(64))
    recording_url: Mapped[str | None] = mapped_column(Text)
    recording_duration_seconds: Mapped[int | None]
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    ended_at: Mapped[datetime | None]
