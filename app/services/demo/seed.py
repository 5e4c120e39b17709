"""Demo data for trying the service out: staff accounts, volunteers and a directory.
Everything is clearly marked as demo (is_demo=True, or an e-mail address under the reserved
.invalid domain) and loading it twice changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.enums import Role
from app.models.staff import StaffUser
from app.services.directory.demo import seed_demo_directory
from app.services.staff.passwords import hash_password
from app.services.volunteers.demo import seed_demo_volunteers

log = logging.getLogger(__name__)

#: RFC 2606 reserves .invalid: these addresses can never reach a real mailbox.
DEMO_EMAIL_DOMAIN = "demo.here2help.invalid"
#: Documented in the README; demo accounts exist only where someone ran `seed-demo`.
DEMO_PASSWORD = "here2help-demo-password"  # noqa: S105 (a documented demo credential)
#: The demo coordinator's and admin's authenticator secret, published like the password: their
#: roles require MFA, so the demo shows the code step (add it to any authenticator app).
DEMO_MFA_SECRET = "HERE2HELPDEMOMFAHERE2HELPDEMOMFA"  # noqa: S105 (a documented demo credential)
DEMO_MFA_ROLES = (Role.COORDINATOR, Role.ADMIN)


@dataclass
class DemoReport:
    staff_created: list[tuple[str, str]] = field(default_factory=list)  # (email, role)
    staff_existing: int = 0
    seeded: dict[str, int] = field(default_factory=dict)  # label -> rows added


def demo_email(role: Role) -> str:
    return f"{role.value.replace('_', '-')}@{DEMO_EMAIL_DOMAIN}"


#: Staff mobiles on Ofcom's drama range (07700 900900-900999: no real phone), so the duty
#: switch, the safeguarding alerts and the voice hand-over work in the demo.
DEMO_STAFF_PHONES = {Role.CALL_HANDLER: "+447700900901", Role.COORDINATOR: "+447700900902",
                     Role.ADMIN: "+447700900903"}
#: Who starts on duty: the coordinator (safeguarding alerts) and the call handler (calls).
DEMO_ON_DUTY = (Role.CALL_HANDLER, Role.COORDINATOR)


def seed_demo_staff(session: Session, report: DemoReport, now: datetime) -> None:
    """One demo account per role, with the documented demo password (and a drama phone); the
    coordinator and admin enrolled in MFA with the documented demo secret."""
    for role in Role:
        email = demo_email(role)
        if session.scalar(select(StaffUser.id).where(StaffUser.email == email)) is not None:
            report.staff_existing += 1
            continue
        session.add(StaffUser(
            email=email, name=f"Demo {role.value.replace('_', ' ')}", role=role.value,
            password_hash=hash_password(DEMO_PASSWORD),
            organisation="Demo partner organisation" if role is Role.PARTNER else None,
            phone=DEMO_STAFF_PHONES.get(role), on_duty=role in DEMO_ON_DUTY,
            mfa_secret=DEMO_MFA_SECRET if role in DEMO_MFA_ROLES else None,
            mfa_enrolled_at=now if role in DEMO_MFA_ROLES else None,
        ))
        report.staff_created.append((email, role.value))
    session.flush()


def seed_demo(session: Session, today: date) -> DemoReport:
    """Load every kind of demo data, then commit (all or nothing).

    Dates in the demo (DBS expiries, directory reviews) count from `today`, the day it is
    loaded, so demo data loaded on any day looks current.
    """
    report = DemoReport()
    try:
        seed_demo_staff(session, report, datetime.combine(today, time(9), tzinfo=UTC))
        report.seeded["volunteers"] = seed_demo_volunteers(session, today)
        report.seeded["directory services"] = seed_demo_directory(session, today)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return report
