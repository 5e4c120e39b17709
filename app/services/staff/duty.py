"""Duty: who is on duty now, and the ways staff change it (switch, phone, rota).

Everyone who texts or rings staff (safeguarding alerts, the voice hand-over, DBS reminders)
asks `on_duty_staff` rather than reading `StaffUser.on_duty`, so the rota and the hand-set
switch count the same everywhere (the rule is app.domain.duty.on_duty).

Who may change what: every member of staff may switch their own duty (when they have a phone,
since duty means being texted and rung) and edit their own rota; coordinators and admins may do
both for anyone and set anyone's phone. Partners are never on duty. The CLI acts as an admin.
Each function flushes; the caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.domain.duty import RotaError, RotaSlot, check_slot, last_boundary, on_duty
from app.domain.enums import Role
from app.domain.phone import parse_phone
from app.models.staff import DutyWindow, StaffUser

__all__ = ["DutyError", "RosterLine", "add_rota_slot", "can_manage", "is_on_duty",
           "normalise_staff_phone", "on_duty_staff", "remove_rota_slot", "roster", "set_duty",
           "set_phone"]

#: Roles that can hold duty (partners refer cases; they are never rung or texted as staff).
DUTY_ROLES = (Role.CALL_HANDLER, Role.COORDINATOR, Role.ADMIN)
MANAGER_ROLES = (Role.COORDINATOR, Role.ADMIN)


class DutyError(ValueError):
    """A duty change that cannot be made; the message is one line, for the person."""


@dataclass(frozen=True)
class RosterLine:
    user: StaffUser
    on_duty: bool
    by_rota: bool  # the rota decides now (no hand-set switch since its last boundary)


def slots_of(user: StaffUser) -> list[RotaSlot]:
    return [RotaSlot(w.weekday, w.starts, w.ends) for w in user.duty_windows]


def is_on_duty(user: StaffUser, now: datetime) -> bool:
    """On duty now: active, able to hold duty, with a phone, and switch or rota says so."""
    if not user.active or user.role not in DUTY_ROLES or not user.phone:
        return False
    return on_duty(user.on_duty, user.duty_set_at, slots_of(user), now)


def _staff(session: Session, roles: Iterable[str] = DUTY_ROLES) -> list[StaffUser]:
    return list(session.scalars(
        select(StaffUser).options(selectinload(StaffUser.duty_windows))
        .where(StaffUser.role.in_(list(roles)), StaffUser.active.is_(True))
        .order_by(StaffUser.id)))


def on_duty_staff(session: Session, now: datetime,
                  roles: Iterable[str] = DUTY_ROLES) -> list[StaffUser]:
    """Active staff of these roles on duty at `now` (each has a phone), in id order."""
    return [user for user in _staff(session, roles) if is_on_duty(user, now)]


def roster(session: Session, now: datetime) -> list[RosterLine]:
    """Every member of staff who can hold duty, with their duty now (for the console)."""
    lines = []
    for user in _staff(session):
        slots = slots_of(user)
        duty = is_on_duty(user, now)
        boundary = last_boundary(slots, now) if slots else None
        by_rota = bool(slots) and (user.duty_set_at is None or
                                   (boundary is not None and user.duty_set_at < boundary))
        lines.append(RosterLine(user, duty, by_rota))
    return lines


def can_manage(actor: StaffUser | None, target: StaffUser) -> bool:
    """None is the command line (an operator on the server)."""
    return actor is None or actor.id == target.id or actor.role in MANAGER_ROLES


def normalise_staff_phone(raw: str | None, region: str = "GB") -> str | None:
    """E.164 for a staff mobile, None for blank; DutyError for anything else."""
    if raw is None or not raw.strip():
        return None
    parsed = parse_phone(raw.strip()[:40], region)
    if not parsed.is_number:
        raise DutyError(f"not a phone number we can text: {raw.strip()[:40]!r}")
    return parsed.e164


def set_phone(session: Session, actor: StaffUser | None, target: StaffUser, raw: str | None,
              *, region: str, now: datetime) -> str | None:
    """Set (or clear) a member of staff's mobile; only a manager or the CLI may do it.

    Clearing the phone also switches duty off: nobody could be reached.
    """
    if actor is not None and actor.role not in MANAGER_ROLES:
        raise DutyError("only a coordinator or an admin can change a phone number")
    phone = normalise_staff_phone(raw, region)
    target.phone = phone
    if phone is None and target.on_duty:
        target.on_duty, target.duty_set_at = False, now
    target.updated_at = now
    session.flush()
    return phone


def set_duty(session: Session, actor: StaffUser | None, target: StaffUser, on: bool,
             now: datetime) -> None:
    """The duty switch, set by hand: it holds until the target's next rota boundary."""
    if not can_manage(actor, target):
        raise DutyError("only a coordinator or an admin can change someone else's duty")
    if target.role not in DUTY_ROLES or not target.active:
        raise DutyError(f"{target.email} cannot be on duty (inactive or a partner account)")
    if on and not target.phone:
        raise DutyError(f"{target.email} has no mobile number: add one before going on duty")
    target.on_duty, target.duty_set_at, target.updated_at = on, now, now
    session.flush()


def add_rota_slot(session: Session, actor: StaffUser | None, target: StaffUser,
                  weekday: int | str, starts: str, ends: str) -> DutyWindow:
    if not can_manage(actor, target):
        raise DutyError("only a coordinator or an admin can change someone else's rota")
    if target.role not in DUTY_ROLES:
        raise DutyError("a partner account has no rota")
    try:
        slot = check_slot(weekday, starts, ends)
    except RotaError as exc:
        raise DutyError(str(exc)) from None
    for existing in target.duty_windows:
        if existing.weekday == slot.weekday and existing.starts < slot.ends \
                and slot.starts < existing.ends:
            raise DutyError("that slot overlaps one already on the rota")
    window = DutyWindow(staff_user_id=target.id, weekday=slot.weekday, starts=slot.starts,
                        ends=slot.ends)
    target.duty_windows.append(window)
    session.flush()
    return window


def remove_rota_slot(session: Session, actor: StaffUser | None, window_id: int) -> None:
    window = session.get(DutyWindow, window_id)
    if window is None:
        raise DutyError("that rota slot does not exist")
    target = session.get(StaffUser, window.staff_user_id)
    if target is None or not can_manage(actor, target):
        raise DutyError("only a coordinator or an admin can change someone else's rota")
    target.duty_windows.remove(window)
    session.delete(window)
    session.flush()
