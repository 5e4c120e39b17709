"""Password hashing with argon2id (argon2-cffi's defaults follow RFC 9106's recommendations)."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 12


@cache
def _dummy_hash() -> str:
    """Verified against when the account does not exist, so both paths cost the same time.

    Made when the web app starts (`warm_up`), not at import: hashing is slow on purpose, and
    every CLI command and worker imports this module without signing anybody in.
    """
    return _hasher.hash("not-a-real-password")


def warm_up() -> None:
    """Make the dummy hash now, so the first unknown account costs what every later one does."""
    _dummy_hash()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; spends the same time when there is no account at all."""
    try:
        matches = _hasher.verify(password_hash or _dummy_hash(), password)
        return matches and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
