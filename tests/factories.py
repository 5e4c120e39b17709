"""Test data: the one way tests make cases, volunteers and staff accounts.

Plain functions taking a session and keyword overrides (any column of the model). Phone
numbers are Ofcom's drama numbers (mobiles 07700 900000-900999, landlines 01632
960000-960999), so no test can ever text or ring a real person: cases default to the lower
half of the mobile range and volunteers to the upper half, so a case never shares a volunteer's
number by accident. A postcode is placed the way the service places it (`locate`), so a case
or volunteer has the district and coordinates its postcode really has unless a test says
otherwise. Each builder flushes (ids are set) and leaves committing to the caller.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from app.domain.enums import CaseStatus
from app.models.case import Case
from app.models.staff import StaffUser
from app.models.volunteer import Volunteer
from app.services.geo.postcodes import locate
from app.services.staff.passwords import hash_password

#: The password of every staff account made here (tests/signin.py signs in with it).
PASSWORD = "correct horse battery staple"
#: The authenticator secret of every account the factories enrol (tests/signin.py codes it).
TEST_MFA_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
#: Roles the app requires MFA for by default: their accounts are made enrolled, as in life.
MFA_ROLES = ("coordinator", "admin")
ENROLLED_AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
REF_ALPHABET = "34679ACDEFGHJKMNPQRTVWXY"
_serial = itertools.count(1)


def drama_mobile(n: int) -> str:
    """An Ofcom drama mobile number, +447700900000-999, in E.164."""
    return f"+447700900{n % 1000:03d}"


def drama_landline(n: int) -> str:
    """An Ofcom drama landline number, +441632960000-999, in E.164."""
    return f"+441632960{n % 1000:03d}"


def new_reference() -> str:
    """A case reference no other case in this test run has (H2H- and four characters)."""
    n, chars = next(_serial) + 7000, []
    for _ in range(4):
        n, r = divmod(n, len(REF_ALPHABET))
        chars.append(REF_ALPHABET[r])
    return "H2H-" + "".join(chars)


@lru_cache(maxsize=1)
def password_hash() -> str:
    """Hashed once per process: argon2 is slow on purpose."""
    return hash_password(PASSWORD)


def placed(postcode: str | None) -> dict[str, Any]:
    """The district and coordinates the service would give this postcode (none if unknown)."""
    location = locate(postcode)
    return location.columns() if location is not None else {}


def make_case(session: Session, **overrides: Any) -> Case:
    """A new food request at a Worcester postcode, ready for matching (consent given)."""
    postcode = overrides.get("postcode", "WR1 3AA")
    values: dict[str, Any] = {
        "reference": new_reference(), "status": CaseStatus.NEW, "channel": "sms",
        "category": "other", "need": "food", "urgency": "routine",
        "phone": drama_mobile(1), "postcode": postcode, **placed(postcode),
        "consent_to_share": True,  # the resident agreed: only then may a volunteer be asked
    }
    values.update(overrides)
    case = Case(**values)
    session.add(case)
    session.flush()
    return case


def make_volunteer(session: Session, **overrides: Any) -> Volunteer:
    """An approved, active volunteer who does food runs near a Worcester postcode."""
    n = next(_serial)
    postcode = overrides.get("postcode", "WR1 2NN")
    values: dict[str, Any] = {
        "name": f"Volunteer {n}", "phone": drama_mobile(500 + n % 500), "postcode": postcode,
        **placed(postcode), "needs": ["food"], "approval_status": "approved", "active": True,
    }
    values.update(overrides)
    volunteer = Volunteer(**values)
    session.add(volunteer)
    session.flush()
    return volunteer


def make_staff_user(session: Session, role: str = "call_handler",
                    **overrides: Any) -> StaffUser:
    """A staff account with `PASSWORD`, and an address no other account in the run has.

    Coordinators and admins come enrolled in MFA with `TEST_MFA_SECRET` (their role requires
    it); `tests.signin.login` answers the code step with a real TOTP code.
    """
    n = next(_serial)
    values: dict[str, Any] = {
        "email": f"{role}{n}@example.org", "role": role, "password_hash": password_hash(),
        "name": f"{role.replace('_', ' ').title()} {n}",
    }
    if role in MFA_ROLES:
        # Pass mfa_enrolled_at=None for an account that has not set up its app yet.
        values.update(mfa_secret=TEST_MFA_SECRET, mfa_enrolled_at=ENROLLED_AT)
    values.update(overrides)
    if values.get("mfa_enrolled_at") is None and "mfa_secret" not in overrides:
        values.pop("mfa_secret", None)
    user = StaffUser(**values)
    session.add(user)
    session.flush()
    return user
