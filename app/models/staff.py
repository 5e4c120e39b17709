"""Staff accounts, API tokens (stored hashed) and the access log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, TimestampMixin, utcnow


class StaffUser(TimestampMixin, Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
    phone: Mapped[str | None] = mapped_column(String(20))  # for <Dial> hand-over and alerts
    # The duty switch as last set by hand; with a rota it holds until the next rota boundary
    # (app.domain.duty), so `on_duty` alone is not "on duty now": use services.staff.duty.
    on_duty: Mapped[bool] = mapped_column(default=False)
    duty_set_at: Mapped[datetime | None]
    organisation: Mapped[str | None] = mapped_column(String(200))  # a partner's organisation
    failed_login_count: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    # Bumped on logout or password change: invalidates every existing session of the user.
    session_version: Mapped[int] = mapped_column(default=1)
    # TOTP (app.services.staff.mfa). A secret without `mfa_enrolled_at` is an enrolment not yet
    # confirmed with a code; the secret must stay readable (TOTP is a shared secret).
    mfa_secret: Mapped[str | None] = mapped_column(String(64))
    mfa_enrolled_at: Mapped[datetime | None]
    # The 30-second step of the last code accepted: a code is good once, never replayed.
    mfa_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # SHA-256 of each unused recovery code (random, high-entropy: a slow hash adds nothing).
    mfa_recovery_hashes: Mapped[list[str] | None] = mapped_column(JSON)

    duty_windows: Mapped[list[DutyWindow]] = relationship(
        back_populates="staff_user", order_by="(DutyWindow.weekday, DutyWindow.starts)",
        cascade="all, delete-orphan")


class DutyWindow(Base):
    """One weekly rota slot: this person is on duty on `weekday` from `starts` to `ends`.

    Times are London wall-clock "HH:MM" (00:00-24:00, starts < ends); a night shift is two
    slots. Weekday 0 is Monday, as Python counts.
    """

    __tablename__ = "duty_windows"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), index=True)
    weekday: Mapped[int]
    starts: Mapped[str] = mapped_column(String(5))
    ends: Mapped[str] = mapped_column(String(5))

    staff_user: Mapped[StaffUser] = relationship(back_populates="duty_windows")


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 hex
    prefix: Mapped[str] = mapped_column(String(12))  # shown to staff to tell tokens apart
    name: Mapped[str] = mapped_column(String(120), default="")
    #: "reports", "read" or "write" (each includes the ones before it): see app.web.access.
    scope: Mapped[str] = mapped_column(String(10), default="write", server_default="write")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]  # None only for tokens made before expiry existed
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class AccessLogEntry(Base):
    """Append-only: who did what to which case or record, when (UK GDPR Art 5(2), 32)."""

    __tablename__ = "access_log"
    __table_args__ = (Index("ix_access_log_case_created", "case_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    action: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    target: Mapped[str | None] = mapped_column(String(120))
    ip_address: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LoginThrottle(Base):
    """Failed sign-ins for one account from one address: the back-off's atomic counter.

    Keyed by (email, address) so that a stranger's wrong guesses slow the stranger down and
    nobody else: the real person, signing in from their own address, is never locked out.
    """

    __tablename__ = "login_throttles"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    ip_address: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ux_login_throttles_email_ip", "email", "ip_address", unique=True),)
