"""Demo data for trying the service out: staff accounts plus, from their own modules,
volunteers and a directory. Everything is clearly marked as demo (is_demo=True, or an e-mail
address under the reserved .invalid domain) and loading it twice changes nothing.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.enums import Role
from app.models.staff import StaffUser
from app.services.staff.passwords import hash_password

log = logging.getLogger(__name__)

#: RFC 2606 reserves .invalid: these addresses can never reach a real mailbox.
DEMO_EMAIL_DOMAIN = "demo.here2help.invalid"
#: Documented in the README; demo accounts exist only where someone ran `seed-demo`.
DEMO_PASSWORD = "here2help-demo-password"  # noqa: S105 (a documented demo credential)

#: The other demo seeders: (label, module, function). Each takes a Session and returns a count.
AREA_SEEDERS: tuple[tuple[str, str, str], ...] = (
    ("volunteers", "app.services.volunteers.demo", "seed_demo_volunteers"),
    ("directory services", "app.services.directory.demo", "seed_demo_directory"),
)


@dataclass
class DemoReport:
    staff_created: list[tuple[str, str]] = field(default_factory=list)  # (email, role)
    staff_existing: int = 0
    seeded: dict[str, int] = field(default_factory=dict)  # label -> rows added
    not_available: list[str] = field(default_factory=list)  # labels whose seeder is missing


def demo_email(role: Role) -> str:
    return f"{role.value.replace('_', '-')}@{DEMO_EMAIL_DOMAIN}"


def seed_demo_staff(session: Session, report: DemoReport) -> None:
    """One demo account per role, with the documented demo password."""
    for role in Role:
        email = demo_email(role)
        if session.scalar(select(StaffUser.id).where(StaffUser.email == email)) is not None:
            report.staff_existing += 1
            continue
        session.add(StaffUser(
            email=email, name=f"Demo {role.value.replace('_', ' ')}", role=role.value,
            password_hash=hash_password(DEMO_PASSWORD),
            organisation="Demo partner organisation" if role is Role.PARTNER else None,
        ))
        report.staff_created.append((email, role.value))
    session.flush()


def _seeder(module: str, func: str):
    """The seeder function, or None if its module is not installed (reported, not an error)."""
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise  # the module exists but is broken: say so, do not hide it
        return None
    return getattr(mod, func, None)


def seed_demo(session: Session) -> DemoReport:
    """Load every kind of demo data, then commit (all or nothing)."""
    report = DemoReport()
    try:
        seed_demo_staff(session, report)
        for label, module, func in AREA_SEEDERS:
            seeder = _seeder(module, func)
            if seeder is None:
                report.not_available.append(label)
                continue
            report.seeded[label] = int(seeder(session))
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return report
