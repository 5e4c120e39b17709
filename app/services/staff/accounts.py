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
from datetime import datetime, timedelta

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
                name: str | None = None, organisation: str | None = None) -> StaffUser:
    """Create and commit a staff account (password hashed with argon2id)."""
    address = normalise_email(email)
    if role not in {str(r) for r in Role}:
        raise StaffError(f"unknown role {role!r}: use one of {', '.join(r.value for r in Role)}")
    check_password(password)
    if get_user_by_email(session, address) is not None:
        raise DuplicateEmail(f"a user with email {address} already exists")
    user = StaffUser(email=address, role=role, password_hash=hash_password(password), name=name,
                     organisation=organisation)
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


def create_api_token(session: Session, email: str, name: str = "") -> str:
    """Create, store (hashed) and commit a token for the user; the raw token is returned once."""
    user = get_user_by_email(session, normalise_email(email))
    if user is None:
        raise UnknownUser(f"no user with email {email.strip().lower()}")
    if not user.active:
        raise StaffError(f"user {user.email} is not active")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=hash_token(raw),
                         prefix=raw[:SHOWN_PREFIX_CHARS], name=name[:120]))
    session.commit()
    return raw


def authenticate_token(session: Session, raw: str | None, now: datetime) -> StaffUser | None:
    """The active user owning this unrevoked token, or None. Commits last_used_at (throttled)."""
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
    user = session.get(StaffUser, token.user_id)
    if user is None or not user.active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        _note_token_use(session, token.id, now)
    return user


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


def revoke_token(session: Session, token_id: int, now: datetime) -> None:
    token = session.get(ApiToken, token_id)
    if token is not None and token.revoked_at is None:
        token.revoked_at = now
        session.commit()


def record_access(session: Session, *, user_id: int | None, action: str,
                  case_id: int | None = None, target: str | None = None,
                  ip_address: str | None = None, commit: bool = True) -> None:
    """Append to the access log who read or changed personal data (UK GDPR Art 5(2), 32)."""
    if commit:  # a read request writes its audit row in a writer transaction of its own
        start_writing(session)
    session.add(AccessLogEntry(user_id=user_id, action=action[:40], case_id=case_id,
                               target=target[:120] if target else None,
                               ip_address=ip_address[:64] if ip_address else None))
    if commit:
        session.commit()
