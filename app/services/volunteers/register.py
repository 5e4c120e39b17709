"""The volunteer register: validate, create and update volunteers (people and organisations).

One set of rules for every way in (the JSON API, the CSV import, staff tools), so a volunteer
who can be matched always has: an E.164 mobile phone and a real postcode (for distance), both
checked by app.services.fields.rules as the sign-up form checks them, needs from the known list,
a DBS status from the DbsStatus enum, a travel distance between 0 and MAX_DISTANCE_KM km, and,
for an organisation, a contact person and a capacity. Errors are collected per field (all of
them at once, so a person fixes a form or a CSV row in one go) and raised as VolunteerInvalid.

Transactions: create/update flush only; the caller commits.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.domain.enums import ApprovalStatus, DbsStatus, Need, VolunteerKind
from app.domain.matching import DAYS
from app.models.volunteer import Volunteer
from app.services.fields.rules import FieldInvalid, check_phone, check_postcode
from app.services.geo.neighbourhoods import neighbourhood_code_for
from app.services.matching.matcher import MAX_DISTANCE_KM

KNOWN_NEEDS = tuple(n.value for n in Need if n is not Need.FUNDING)  # grants answer funding
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_TEXT_LIMITS = {"name": 200, "contact_name": 200, "email": 254, "notes": 2000}
#: Fields a caller may set; everything else (location, district, timestamps) is derived.
FIELDS = ("name", "phone", "email", "postcode", "needs", "max_distance_km", "dbs_status",
          "dbs_expires_on", "dbs_checked_on", "kind", "contact_name", "capacity", "active",
          "approval_status", "availability", "max_open_assignments", "notes")


class VolunteerInvalid(ValueError):
    """Field -> list of messages, like the API's 422 body."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def validate(data: Mapping[str, Any], *, partial: bool = False,
             current: Volunteer | None = None) -> dict[str, Any]:
    """Clean values for the fields given (all required ones unless `partial`), or raise."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    unknown = set(data) - set(FIELDS)
    for name in sorted(unknown):
        errors[name] = ["Unknown field."]
    for name in ("name", "phone", "postcode", "needs"):
        if not partial and _blank(data.get(name)):
            errors.setdefault(name, []).append("Required.")
    for name in FIELDS:
        if name in data and name not in errors and not _blank(data[name]):
            try:
                clean.update(_CLEANERS[name](data[name]))
            except ValueError as exc:
                errors[name] = [str(exc)]
        elif name in data and name in ("email", "contact_name", "notes", "dbs_expires_on",
                                       "dbs_checked_on", "capacity"):
            clean[name] = None
        elif name == "availability" and name in data:
            clean[name] = {}  # no hours given: any time
    _check_organisation(clean, current, errors)
    if errors:
        raise VolunteerInvalid(errors)
    return clean


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _check_organisation(clean: dict[str, Any], current: Volunteer | None,
                        errors: dict[str, list[str]]) -> None:
    kind = clean.get("kind", current.kind if current else VolunteerKind.PERSON)
    if kind != VolunteerKind.ORGANISATION:
        return
    contact = clean.get("contact_name", current.contact_name if current else None)
    capacity = clean.get("capacity", current.capacity if current else None)
    if not contact:
        errors.setdefault("contact_name", []).append("An organisation needs a contact person.")
    if not capacity:
        errors.setdefault("capacity", []).append(
            "An organisation needs a capacity (how many people it can help at once).")


def _text(name: str):
    def clean(value: Any) -> dict[str, Any]:
        if not isinstance(value, str):
            raise ValueError("Must be text.")
        text = value.strip()
        if len(text) > _TEXT_LIMITS[name] or any(ord(c) < 32 and c not in "\n\t" for c in text):
            raise ValueError(f"Must be plain text of at most {_TEXT_LIMITS[name]} characters.")
        return {name: text}
    return clean


def _phone(value: Any) -> dict[str, Any]:
    parsed = check_phone(str(value), mobile=True)  # FieldInvalid is a ValueError
    return {"phone": parsed.e164, "phone_valid": parsed.valid}


def _postcode(value: Any) -> dict[str, Any]:
    location = check_postcode(value if isinstance(value, str) else "")
    if location.point is None:  # distances need coordinates (Northern Ireland has none here)
        raise FieldInvalid("Enter a postcode in Great Britain: distances cannot be worked out "
                           "for this one")
    return {"postcode": location.postcode, **location.columns()}


def _needs(value: Any) -> dict[str, Any]:
    items = re.split(r"[;,|]", value) if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise ValueError("Must be a list of needs.")
    needs = [str(n).strip().lower() for n in items if str(n).strip()]
    bad = [n for n in needs if n not in KNOWN_NEEDS]
    if bad or not needs:
        raise ValueError(f"Needs must be some of: {', '.join(KNOWN_NEEDS)}"
                         + (f" (not {', '.join(bad[:3])[:60]})." if bad else "."))
    return {"needs": list(dict.fromkeys(needs))}


def _distance(value: Any) -> dict[str, Any]:
    try:
        km = float(value)
    except (TypeError, ValueError):
        raise ValueError("Must be a number of kilometres.") from None
    if not 0 < km <= MAX_DISTANCE_KM:
        raise ValueError(f"Must be more than 0 and at most {MAX_DISTANCE_KM:g} km.")
    return {"max_distance_km": km}


def _enum(name: str, enum: Any):
    def clean(value: Any) -> dict[str, Any]:
        text = str(value).strip().lower()
        if text not in {e.value for e in enum}:
            raise ValueError(f"Must be one of: {', '.join(e.value for e in enum)}.")
        return {name: text}
    return clean


def _date(name: str):
    def clean(value: Any) -> dict[str, Any]:
        if isinstance(value, date):
            return {name: value}
        text = str(value).strip()
        match = re.match(r"^(\d{1,2})/(\d{1,2})/(\d{4})$", text)
        try:
            if match:
                return {name: date(int(match[3]), int(match[2]), int(match[1]))}
            return {name: date.fromisoformat(text)}
        except ValueError:
            raise ValueError("Must be a date, YYYY-MM-DD (or DD/MM/YYYY).") from None
    return clean


def _count(name: str):
    def clean(value: Any) -> dict[str, Any]:
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ValueError("Must be a whole number.") from None
        if not 1 <= number <= 1000:
            raise ValueError("Must be between 1 and 1000.")
        return {name: number}
    return clean


def _bool(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"active": value}
    text = str(value).strip().lower()
    if text in {"yes", "y", "true", "1", "active"}:
        return {"active": True}
    if text in {"no", "n", "false", "0", "paused"}:
        return {"active": False}
    raise ValueError("Must be yes or no.")


#: Weekly hours: at most this many windows a day, and this much text.
MAX_WINDOWS_PER_DAY = 6
MAX_AVAILABILITY_TEXT = 500
_HOURS_PART = re.compile(r"^([A-Za-z]{3})[A-Za-z]*(?:\s*-\s*([A-Za-z]{3})[A-Za-z]*)?\s+"
                         r"(\d{1,2}[:.]\d\d)\s*-\s*(\d{1,2}[:.]\d\d)$")
_HOURS_HINT = ("Write hours like 'mon-fri 09:00-17:00; sat 10:00-16:00' (UK time; an end "
               "before the start runs past midnight), or leave empty for any time.")


def _availability(value: Any) -> dict[str, Any]:
    """Weekly hours, UK local time: a dict {"mon": [["09:00","12:00"]]} or text like
    "mon-fri 09:00-17:00; sat 10:00-16:00". An empty value means any time."""
    if isinstance(value, str):
        value = _hours_from_text(value)
    if not isinstance(value, dict):
        raise ValueError("Must map days (mon..sun) to lists of [start, end] times.")
    for day, windows in value.items():
        ok = day in DAYS and isinstance(windows, list) \
            and len(windows) <= MAX_WINDOWS_PER_DAY and all(
                isinstance(w, list | tuple) and len(w) == 2 and all(
                    isinstance(t, str) and _TIME.match(t) for t in w) and w[0] != w[1]
                for w in windows)
        if not ok:
            raise ValueError("Days are mon..sun; times are [\"HH:MM\", \"HH:MM\"] pairs, "
                             f"different, at most {MAX_WINDOWS_PER_DAY} a day.")
    return {"availability": {d: [list(w) for w in value[d]] for d in DAYS
                             if d in value and value[d]}}


def _hours_from_text(text: str) -> dict[str, list[list[str]]]:
    if len(text) > MAX_AVAILABILITY_TEXT:
        raise ValueError(f"At most {MAX_AVAILABILITY_TEXT} characters of hours.")
    parsed: dict[str, list[list[str]]] = {}
    for part in filter(None, (p.strip() for p in re.split(r"[;,\n]", text))):
        match = _HOURS_PART.match(part)
        first = match[1].lower() if match else ""
        last = (match[2] or match[1]).lower() if match else ""
        if not match or first not in DAYS or last not in DAYS \
                or DAYS.index(last) < DAYS.index(first):
            raise ValueError(_HOURS_HINT)
        window = [_hhmm(match[3]), _hhmm(match[4])]
        if not all(_TIME.match(t) for t in window) or window[0] == window[1]:
            raise ValueError(_HOURS_HINT)
        for day in DAYS[DAYS.index(first):DAYS.index(last) + 1]:
            parsed.setdefault(day, []).append(window)
    return parsed


def _hhmm(text: str) -> str:
    hours, minutes = re.split(r"[:.]", text)
    return f"{int(hours):02d}:{minutes}"


_CLEANERS = {
    "name": _text("name"), "contact_name": _text("contact_name"), "email": _text("email"),
    "notes": _text("notes"), "phone": _phone, "postcode": _postcode, "needs": _needs,
    "max_distance_km": _distance, "dbs_status": _enum("dbs_status", DbsStatus),
    "approval_status": _enum("approval_status", ApprovalStatus),
    "kind": _enum("kind", VolunteerKind), "dbs_expires_on": _date("dbs_expires_on"),
    "dbs_checked_on": _date("dbs_checked_on"), "capacity": _count("capacity"),
    "max_open_assignments": _count("max_open_assignments"), "active": _bool,
    "availability": _availability,
}


def find_by_phone(session: Session, e164: str) -> Volunteer | None:
    return session.scalar(select(Volunteer).where(Volunteer.phone == e164))


def create_volunteer(session: Session, data: Mapping[str, Any], now: datetime, *,
                     source: str = "staff") -> Volunteer:
    clean = validate(data)
    if find_by_phone(session, clean["phone"]) is not None:
        raise VolunteerInvalid({"phone": ["A volunteer with this number is already registered."]})
    volunteer = Volunteer(source=source, created_at=now, updated_at=now, **clean)
    volunteer.neighbourhood_code = neighbourhood_code_for(session, volunteer.postcode)
    try:
        with session.begin_nested():
            session.add(volunteer)
            session.flush()
    except IntegrityError:
        raise VolunteerInvalid({"phone": ["A volunteer with this number is already registered."]}
                               ) from None
    return volunteer


def update_volunteer(session: Session, volunteer: Volunteer, data: Mapping[str, Any],
                     now: datetime) -> Volunteer:
    clean = validate(data, partial=True, current=volunteer)
    other = find_by_phone(session, clean["phone"]) if "phone" in clean else None
    if other is not None and other.id != volunteer.id:
        raise VolunteerInvalid({"phone": ["Another volunteer has this number."]})
    for key, value in clean.items():
        setattr(volunteer, key, value)
    if "postcode" in clean:
        volunteer.neighbourhood_code = neighbourhood_code_for(session, volunteer.postcode)
    volunteer.updated_at = now
    session.flush()
    return volunteer
