"""Staff multi-factor sign-in: TOTP (an authenticator app) and single-use recovery codes.

Why: the console shows special-category data about vulnerable residents, and a password alone
is one phishing e-mail away from all of it. The TOTP maths (RFC 6238: 30-second steps, six
digits, SHA-1, as every authenticator app expects) is pyotp's; the rules around it are here:

- enrolment is two steps: a new secret is stored unconfirmed, and only a right code from the
  app confirms it (so nobody is locked out by a mistyped secret);
- a code is accepted for the step before and after the current one (clock drift) but never for
  a step at or before the last one accepted, so a code seen over a shoulder cannot be replayed;
- ten recovery codes are shown once at enrolment and stored as SHA-256 digests; each works
  once. They are random 50-bit strings, so a fast hash is enough (a slow one guards guessable
  passwords, which these are not), and wrong guesses pay the sign-in back-off like passwords;
- a reset (an admin's, for a lost phone) removes the factor and ends every session.

No Flask here: the views and the CLI call these with the time as an input.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

import pyotp

from app.models.staff import StaffUser
from app.services.staff.signin import end_all_sessions

DEFAULT_REQUIRED_ROLES = ("coordinator", "admin")
RECOVERY_CODE_COUNT = 10
#: Steps either side of now that still count (an authenticator's clock may be a little off).
DRIFT_STEPS = 1
ISSUER = "Here2Help Line"
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud safely
#: Longer input is not a code: cut before any work is done on it.
MAX_CODE_INPUT = 64


class MfaError(Exception):
    """A request the MFA rules refuse; the message is for the person."""


@dataclass(frozen=True)
class CodeCheck:
    #: "totp", "recovery" or None (wrong, reused or not enrolled).
    accepted_as: str | None
    recovery_codes_left: int = 0


def is_enrolled(user: StaffUser) -> bool:
    return user.mfa_enrolled_at is not None and bool(user.mfa_secret)


def must_enrol(user_role: str, enrolled: bool, required_roles: tuple[str, ...]) -> bool:
    """True while an account whose role requires MFA has not enrolled yet."""
    return not enrolled and user_role in required_roles


def start_enrolment(user: StaffUser) -> str:
    """A fresh secret for the authenticator app, stored unconfirmed; returns it."""
    if is_enrolled(user):
        raise MfaError("This account already has an authenticator app. Ask an admin to reset "
                       "it if the phone was lost.")
    user.mfa_secret = pyotp.random_base32()
    user.mfa_last_step = None
    return user.mfa_secret


def provisioning_uri(user: StaffUser, issuer: str = ISSUER) -> str:
    """The otpauth:// address the QR code carries (what an authenticator app scans)."""
    if not user.mfa_secret:
        raise MfaError("No enrolment has been started.")
    return pyotp.TOTP(user.mfa_secret).provisioning_uri(name=user.email, issuer_name=issuer)


def confirm_enrolment(user: StaffUser, code: str, now: datetime) -> list[str]:
    """Check the first code from the app; on success enrol and return new recovery codes.

    The codes are returned once, in clear, for the person to keep; only digests are stored.
    """
    if is_enrolled(user) or not user.mfa_secret:
        raise MfaError("Start the enrolment again: this page has expired.")
    if _totp_step(user, code, now) is None:
        raise MfaError("That code is not right. Check the time on your phone and enter the "
                       "code the app shows now.")
    user.mfa_enrolled_at = now
    return new_recovery_codes(user)


def new_recovery_codes(user: StaffUser) -> list[str]:
    """Replace every recovery code with ten new ones (shown once; stored hashed)."""
    codes = [_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    user.mfa_recovery_hashes = [_digest(code) for code in codes]
    return codes


def check_code(user: StaffUser, code: str, now: datetime) -> CodeCheck:
    """Accept a current authenticator code (once) or an unused recovery code (then spent).

    The caller holds the account row for update, so two requests cannot both spend one code.
    """
    if not is_enrolled(user):
        return CodeCheck(None)
    if _totp_step(user, code, now) is not None:
        return CodeCheck("totp", len(user.mfa_recovery_hashes or []))
    cleaned = normalise_recovery_code(code)
    hashes = list(user.mfa_recovery_hashes or [])
    if cleaned:
        digest = _digest(cleaned)
        for stored in hashes:
            if hmac.compare_digest(stored, digest):
                hashes.remove(stored)
                user.mfa_recovery_hashes = hashes  # a new list: JSON columns see reassignment
                return CodeCheck("recovery", len(hashes))
    return CodeCheck(None)


def reset(user: StaffUser) -> None:
    """Remove the factor (a lost phone) and end every session; the next sign-in enrols again."""
    user.mfa_secret = None
    user.mfa_enrolled_at = None
    user.mfa_last_step = None
    user.mfa_recovery_hashes = None
    end_all_sessions(user)


def normalise_totp(code: str) -> str | None:
    """Six digits, allowing the spaces and hyphens apps show between groups."""
    cleaned = "".join(ch for ch in (code or "")[:MAX_CODE_INPUT] if ch not in " -\t")
    return cleaned if len(cleaned) == 6 and cleaned.isascii() and cleaned.isdigit() else None


def normalise_recovery_code(code: str) -> str | None:
    cleaned = "".join(ch for ch in (code or "")[:MAX_CODE_INPUT].lower() if ch not in " -\t")
    if len(cleaned) != 10 or any(ch not in _RECOVERY_ALPHABET for ch in cleaned):
        return None
    return cleaned


def _totp_step(user: StaffUser, code: str, now: datetime) -> int | None:
    """The step `code` belongs to if it is right and newer than the last one used; records it."""
    cleaned = normalise_totp(code)
    if cleaned is None or not user.mfa_secret:
        return None
    totp = pyotp.TOTP(user.mfa_secret)
    current = totp.timecode(now)
    last = user.mfa_last_step if user.mfa_last_step is not None else -1
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if step > last and hmac.compare_digest(totp.generate_otp(step), cleaned):
            user.mfa_last_step = step
            return step
    return None


def _recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def _digest(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").encode("ascii")).hexdigest()
