"""Signing staff in: password check, per-account lock-out, and ending every session at once.

Why here and not in the view: the rules (10 failures lock an account for 15 minutes; an unknown
e-mail costs the same time as a wrong password; the same generic answer for both) are security
decisions that tests should exercise without a browser. No Flask here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.staff import StaffUser
from app.services.staff.passwords import verify_password

MAX_FAILURES = 10
LOCK_MINUTES = 15


@dataclass(frozen=True)
class SignInResult:
    user: StaffUser | None
    #: "ok", "invalid" (unknown e-mail or wrong password: shown the same way), "locked".
    outcome: str


def find_user(session: Session, email: str) -> StaffUser | None:
    cleaned = (email or "").strip().lower()
    if not cleaned:
        return None
    return session.scalar(select(StaffUser).where(func.lower(StaffUser.email) == cleaned))


def sign_in(session: Session, email: str, password: str, now: datetime) -> SignInResult:
    """Check the credentials and update the counters; the caller commits.

    A locked or inactive account still pays for a hash check, so timing says nothing.
    """
    user = find_user(session, email)
    ok = verify_password(user.password_hash if user else None, password)
    if user is None:
        return SignInResult(None, "invalid")
    if user.locked_until is not None and user.locked_until > now:
        return SignInResult(user, "locked")
    if not ok or not user.active:
        user.failed_login_count = (user.failed_login_count or 0) + 1
        if user.failed_login_count >= MAX_FAILURES:
            user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
            user.failed_login_count = 0
            return SignInResult(user, "locked")
        return SignInResult(user, "invalid")
    user.failed_login_count = 0
    user.locked_until = None
    user.last_login_at = now
    return SignInResult(user, "ok")


def end_all_sessions(user: StaffUser) -> None:
    """Bump the session version: every cookie issued before stops working (logout, disable)."""
    user.session_version = (user.session_version or 1) + 1

