"""Staff accounts and API tokens. No Flask here: callers pass a Session.

Tokens look like `h2h_<43 url-safe characters>` (32 random bytes). The `h2h_` prefix makes a
leaked token recognisable to secret scanners and to people; only the token's SHA-256 and its
first characters (to tell tokens apart in a list) are stored, so a database dump reveals no
usable token. SHA-256 without salt is right here (unlike passwords): the token has 256 bits of
entropy, so there is nothing to brute-force, and a plain hash can be looked up by index.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from app.db import start_writing
from app.domain.enums import Role
from app.models.staff import AccessLogEntry, ApiToken, StaffUser
from app.services.staff.passwords import MIN_PASSWORD_LENGTH, hash_password

TOKEN_PREFIX = "h2h_"  # noqa: S105 (a public prefix, not a secret)
SHOWN_PREFIX_CHARS = 12  # "h2h_" + 8 characters
MAX_PASSWORD_LENGTH = 1024  # argon2 handles more, but nobody types this much: a paste error
MAX_TOKEN_LENGTH = 200
#: last_used_at is written at most this often, so busy API clients do not write on every call.
LAST_USED_RESOLUTION = timedelta(minutes=5)
log = logging.getLogger(__name__)
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


class StaffError(ValueError):
    """A user error about staff accounts; the message is one line, safe to show."""


class DuplicateEmail(StaffError):
    pass


class UnknownUser(StaffError):
    pass


class BadPassword(StaffError):
    pass


class BadEmail(StaffError):
    pass


def normalise_email(email: str) -> str:
    """Trim and lower-case; StaffError when it is not an address."""
    cleaned = (email or "").strip().lower()
    if len(cleaned) > 254 or not _EMAIL.match(cleaned):
        raise BadEmail(f"not an email address: {email!r}")
    return cleaned


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BadPassword(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise BadPassword(f"the password must have at most {MAX_PASSWORD_LENGTH} characters")


def create_user(session: Session, email: str, role: str, password: str, *,
                name: str | None = None, organisation: str | None = None,
                phone: str | None = None) -> StaffUser:
    """Create and commit a staff account (password hashed with argon2id).

    `phone` is an E.164 mobile already checked (services.staff.duty.normalise_staff_phone).
    """
    address = normalise_email(email)
    if role not in {str(r) for r in Role}:
        raise StaffError(f"unknown role {role!r}: use one of {', '.join(r.value for r in Role)}")
    check_password(password)
    if get_user_by_email(session, address) is not None:
        raise DuplicateEmail(f"a user with email {address} already exists")
    user = StaffUser(email=address, role=role, password_hash=hash_password(password), name=name,
                     organisation=organisation, phone=phone)
    session.add(user)
    try:
        session.commit()
    except IntegrityError:  # created concurrently between the check and the insert
        session.rollback()
        raise DuplicateEmail(f"a user with email {address} already exists") from None
    return user


def get_user_by_email(session: Session, email: str) -> StaffUser | None:
    return session.scalar(select(StaffUser).where(StaffUser.email == email.strip().lower()))


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


#: Scopes a token may have; each includes the ones before it (app.web.access.matrix.Scope).
TOKEN_SCOPES = ("reports", "read", "write")
DEFAULT_TOKEN_SCOPE = "write"  # noqa: S105 (a scope name, not a secret)
DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 3660


@dataclass(frozen=True)
class Authenticated:
    user: StaffUser
    token: ApiToken


def create_api_token(session: Session, email: str, name: str = "", *, now: datetime,
                     scope: str = DEFAULT_TOKEN_SCOPE,
                     expires_days: int = DEFAULT_TOKEN_DAYS) -> str:
    """Create, store (hashed) and commit a token for the user; the raw token is returned once.

    Every token expires (`expires_days`, 1 to 3660) and has a scope: "reports" (aggregate
    reports only), "read" (also personal data) or "write" (also creating and changing).
    """
    if scope not in TOKEN_SCOPES:
        raise StaffError(f"unknown scope {scope!r}: use one of {', '.join(TOKEN_SCOPES)}")
    if not 1 <= expires_days <= MAX_TOKEN_DAYS:
        raise StaffError(f"--expires-days must be between 1 and {MAX_TOKEN_DAYS}")
    user = get_user_by_email(session, normalise_email(email))
    if user is None:
        raise UnknownUser(f"no user with email {email.strip().lower()}")
    if not user.active:
        raise StaffError(f"user {user.email} is not active")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=hash_token(raw),
                         prefix=raw[:SHOWN_PREFIX_CHARS], name=name[:120], scope=scope,
                         created_at=now, expires_at=now + timedelta(days=expires_days)))
    session.commit()
    return raw


def authenticate(session: Session, raw: str | None, now: datetime) -> Authenticated | None:
    """The active user and their live token (unrevoked, unexpired), or None.

    Commits last_used_at (throttled)."""
    if not raw or len(raw) > MAX_TOKEN_LENGTH or not raw.startswith(TOKEN_PREFIX):
        return None
    digest = hash_token(raw)
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    # The lookup is by a hash of a 256-bit secret, so its timing reveals nothing useful; the
    # explicit constant-time comparison guards against a collation or index surprise.
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        return None
    if token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    user = session.get(StaffUser, token.user_id)
    if user is None or not user.active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        _note_token_use(session, token.id, now)
    return Authenticated(user, token)


def _note_token_use(session: Session, token_id: int, now: datetime) -> None:
    """Stamp `last_used_at`, at most once per LAST_USED_RESOLUTION, never failing the caller.

    The stamp is bookkeeping: a GET must not fail because the write lock was busy, so the write
    runs in its own short writer transaction (app.db.start_writing) and is skipped with a log
    line if it cannot be had in time; a later request records the use. The compare-and-set
    keeps concurrent first uses from writing the same stamp twice.
    """
    try:
        start_writing(session)
        session.execute(update(ApiToken).where(
            ApiToken.id == token_id,
            or_(ApiToken.last_used_at.is_(None),
                ApiToken.last_used_at <= now - LAST_USED_RESOLUTION),
        ).values(last_used_at=now).execution_options(synchronize_session=False))
        session.commit()
    except OperationalError as exc:
        session.rollback()
        log.warning("token %d: last use not recorded (%s)", token_id, type(exc).__name__)


def authenticate_token(session: Session, raw: str | None, now: datetime) -> StaffUser | None:
    """The active user owning this live token, or None (see `authenticate`)."""
    found = authenticate(session, raw, now)
    return found.user if found else None


def list_api_tokens(session: Session) -> list[tuple[ApiToken, StaffUser]]:
    """Every token with its owner, newest first (hashes only: nothing here can be used)."""
    rows = session.execute(select(ApiToken, StaffUser).join(StaffUser,
                                                            StaffUser.id == ApiToken.user_id)
                           .order_by(ApiToken.id.desc()))
    return [(token, user) for token, user in rows]


def find_token(session: Session, token_or_id: str) -> ApiToken | None:
    """A token by its id (as listed) or by the raw token itself."""
    value = (token_or_id or "").strip()
    if value.isdigit() and len(value) < 10:
        return session.get(ApiToken, int(value))
    if value.startswith(TOKEN_PREFIX) and len(value) <= MAX_TOKEN_LENGTH:
        return session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(value)))
    return None


def revoke_token(session: Session, token_id: int, now: datetime) -> bool:
    """Revoke and commit; False when there is no such token. Revoking twice is harmless."""
    token = session.get(ApiToken, token_id)
    if token is None:
        return False
    if token.revoked_at is None:
        token.revoked_at = now
        session.commit()
    return True


def token_state(token: ApiToken, now: datetime) -> str:
    """"active", "revoked" or "expired", as the console and the CLI show it."""
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "expired"
    return "active"


def record_access(session: Session, *, user_id: int | None, action: str,
                  case_id: int | None = None, target: str | None = None,
                  ip_address: str | None = None, detail: dict[str, Any] | None = None,
                  commit: bool = True) -> None:
    """Append to the access log who read or changed personal data (UK GDPR Art 5(2), 32)."""
    # A read request writes its audit row in a writer transaction (SQLite: BEGIN IMMEDIATE):
    # upgrading the read transaction instead fails at once when another writer went first.
    start_writing(session)
    session.add(AccessLogEntry(user_id=user_id, action=action[:40], case_id=case_id,
                               target=target[:120] if target else None,
                               ip_address=ip_address[:64] if ip_address else None,
                               detail=detail or {}))
    if commit:
        session.commit()
