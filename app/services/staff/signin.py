"""Signing staff in: password check, back-off after failures, and ending every session at once.

Why here and not in the view: the rules are security decisions that tests should exercise
without a browser. No Flask here.

Back-off, not lock-out: failures are counted per (account, address) with an atomic
`UPDATE ... SET failures = failures + 1`, so concurrent guesses cannot lose counts. After
`FREE_FAILURES` wrong passwords from one address, that address must wait before its next try
at that account, twice as long after each further failure (up to `MAX_WAIT`). A stranger who
knows someone's e-mail therefore slows only themselves: the real person, from their own
address, signs in as usual. Guessing across many accounts from one address is held back by the
per-address request limits on /login (Flask-Limiter, stored in Redis). An unknown e-mail
costs the same time and gets the same answer as a wrong password.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.models.staff import LoginThrottle, StaffUser
from app.services.staff.passwords import verify_password

FREE_FAILURES = 5
FIRST_WAIT = timedelta(seconds=30)
MAX_WAIT = timedelta(minutes=15)
#: A success or this long without failures clears an (account, address) counter.
FORGET_AFTER = timedelta(hours=24)


@dataclass(frozen=True)
class SignInResult:
    user: StaffUser | None
    #: "ok", "code" (password right; an authenticator code is still needed), "invalid" (unknown
    #: e-mail or wrong password: shown the same way), "wait".
    outcome: str
    wait_seconds: int = 0


def find_user(session: Session, email: str) -> StaffUser | None:
    cleaned = (email or "").strip().lower()
    if not cleaned:
        return None
    return session.scalar(select(StaffUser).where(func.lower(StaffUser.email) == cleaned))


def wait_after(failures: int) -> timedelta:
    """How long an address waits after `failures` wrong passwords in a row at one account."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    return min(FIRST_WAIT * 2 ** min(failures - FREE_FAILURES, 16), MAX_WAIT)


def sign_in(session: Session, email: str, password: str, now: datetime,
            ip_address: str | None = None) -> SignInResult:
    """Check the credentials and the back-off, and count a failure; the caller commits.

    A waiting or inactive account still pays for a hash check, so timing says nothing.
    """
    key_email, key_ip = throttle_keys(email, ip_address)
    user = find_user(session, email)
    throttle = _throttle(session, key_email, key_ip)
    ok = verify_password(user.password_hash if user else None, password)
    if throttle is not None and throttle.failures >= FREE_FAILURES:
        ready_at = throttle.last_failure_at + wait_after(throttle.failures)
        if now < ready_at:
            return SignInResult(user, "wait", int((ready_at - now).total_seconds()) + 1)
    if user is None or not ok or not user.active:
        _count_failure(session, key_email, key_ip, throttle, now)
        return SignInResult(user, "invalid")
    if user.mfa_enrolled_at is not None:
        # The password alone proves nothing yet: the counter stays until a code is right too,
        # so a known password does not buy fresh guesses at the code.
        return SignInResult(user, "code")
    if throttle is not None:
        session.delete(throttle)
    complete_sign_in(user, now)
    return SignInResult(user, "ok")


def complete_sign_in(user: StaffUser, now: datetime) -> None:
    user.failed_login_count = 0
    user.locked_until = None
    user.last_login_at = now


def throttle_keys(email: str, ip_address: str | None) -> tuple[str, str]:
    """The (account, address) pair the back-off counts under, cut to the columns' sizes."""
    return (email or "").strip().lower()[:254], (ip_address or "unknown")[:64]


def seconds_to_wait(session: Session, email: str, ip_address: str | None,
                    now: datetime) -> int:
    """How long this address must still wait before its next try at this account (0: none)."""
    throttle = _throttle(session, *throttle_keys(email, ip_address))
    if throttle is None or throttle.failures < FREE_FAILURES:
        return 0
    ready_at = throttle.last_failure_at + wait_after(throttle.failures)
    return int((ready_at - now).total_seconds()) + 1 if now < ready_at else 0


def count_failure(session: Session, email: str, ip_address: str | None, now: datetime) -> None:
    """One more failure for (account, address): a wrong authenticator or recovery code too."""
    key_email, key_ip = throttle_keys(email, ip_address)
    _count_failure(session, key_email, key_ip, _throttle(session, key_email, key_ip), now)


def clear_failures(session: Session, email: str, ip_address: str | None) -> None:
    """A complete sign-in (password and, where enrolled, a code) forgets the failures."""
    throttle = _throttle(session, *throttle_keys(email, ip_address))
    if throttle is not None:
        session.delete(throttle)


def _throttle(session: Session, email: str, ip_address: str) -> LoginThrottle | None:
    return session.scalar(select(LoginThrottle).where(LoginThrottle.email == email,
                                                      LoginThrottle.ip_address == ip_address))


def _count_failure(session: Session, email: str, ip_address: str,
                   throttle: LoginThrottle | None, now: datetime) -> None:
    """Add one failure atomically (a row created once even when two requests race)."""
    if throttle is not None and now - throttle.last_failure_at > FORGET_AFTER:
        throttle.failures, throttle.last_failure_at = 1, now
        return
    if throttle is None:
        try:
            with session.begin_nested():
                session.add(LoginThrottle(email=email, ip_address=ip_address, failures=1,
                                          last_failure_at=now))
                session.flush()
            return
        except IntegrityError:
            pass  # a concurrent failure created it: count this one with an UPDATE
    session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.email == email, LoginThrottle.ip_address == ip_address)
        .values(failures=LoginThrottle.failures + 1, last_failure_at=now)
        .execution_options(synchronize_session=False))
    session.expire_all()


def end_all_sessions(user: StaffUser) -> None:
    """Bump the session version: every cookie issued before stops working (logout, disable)."""
    user.session_version = (user.session_version or 1) + 1
