"""Conversations (flow sessions) and the webhook deliveries already processed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.enums import ConversationStatus
from app.models.base import Base, TimestampMixin, utcnow


class Conversation(TimestampMixin, Base):
    """Where one resident is in a flow. Keyed by channel and phone (SMS) or CallSid (voice)."""

    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_phone_status", "phone", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))
    phone: Mapped[str | None] = mapped_column(String(20))
    call_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    flow_id: Mapped[str] = mapped_column(String(80))
    flow_version: Mapped[str] = mapped_column(String(80), default="")
    node: Mapped[str] = mapped_column(String(80))
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default=ConversationStatus.ACTIVE)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    resume_sms_sent_at: Mapped[datetime | None]


class SmsTurn(Base):
    """How many SMS turns a group of numbers has taken: the version an SMS turn on PostgreSQL
    checks before it writes (app.services.conversations.turns).

    Keyed by a bucket of numbers (a 20-bit hash of the number), not the number: no phone number
    is kept here, so nothing in it is personal data and the table never outgrows a million
    rows. Numbers that share a bucket only take turns with each other now and then."""

    __tablename__ = "sms_turns"

    bucket: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    turn: Mapped[int] = mapped_column(BigInteger)


class ProcessedWebhook(Base):
    """A webhook delivery already acted on, with the answer given, so a repeat changes nothing.

    `key` is the MessageSid for SMS, "CallSid:step:input" for a voice step, and
    "MessageSid:status" for a status callback (see docs/reliability.md, 'Idempotent webhooks').
    """

    __tablename__ = "processed_webhooks"
    __table_args__ = (UniqueConstraint("kind", "key", name="uq_processed_webhooks_kind_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(255))
    response_body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
