"""Import Open Referral services: validate each record, upsert the good ones, report the bad.

Upsert is by HSDS id (service, organisation, location), so importing the same feed again updates
entries instead of duplicating them. Each record is stored inside its own savepoint: one record
the database refuses is reported and the rest still go in.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.domain.service_needs import NEEDS_ORDER, OTHER, ServiceText, classify_service
from app.models.directory import DirectoryLocation, DirectoryOrganisation, DirectoryService
from app.services.directory.entries import STATUSES
from app.services.directory.hsds_export import NEEDS_TAXONOMY, stable_uuid
from app.services.directory.hsds_feeds import (
    STATUTORY_TERMS,
    clean_text,
    read_feed,
    taxonomy_terms,
)

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]
PointOf = Callable[[str], tuple[float, float] | None]  # postcode -> (latitude, longitude)
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class RecordError(ValueError):
    """Why one record was not imported (one line)."""


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str | None, str]] = field(default_factory=list)  # (n, id, reason)
    ids: list[str] = field(default_factory=list)  # HSDS ids of the services stored

    @property
    def imported(self) -> int:
        return self.created + self.updated

    def summary(self) -> str:
        return (f"{self.imported} imported ({self.created} new, {self.updated} updated), "
                f"{len(self.errors)} rejected")


def _short(value: Any, limit: int) -> str | None:
    text = clean_text(value)
    return text[:limit] if text else None


def _hsds_id(obj: dict[str, Any], what: str) -> str:
    raw = obj.get("id")
    if raw is None or not str(raw).strip():
        raise RecordError(f"{what} has no id")
    value = str(raw).strip()
    if len(value) > 200:
        raise RecordError(f"{what} id is longer than 200 characters")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        # HSDS 3.0 ids are UUIDs; a council's "123" becomes the same stable UUID every import.
        return stable_uuid("hsds", what, value)


def _date(value: Any) -> date | None:
    match = re.match(r"(\d{4})-(\d{2})-(\d{2})", str(value or ""))
    if not match:
        return None
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def _coord(value: Any, limit: float) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if -limit <= number <= limit else None


def _phone(*objects: dict[str, Any]) -> str | None:
    for obj in objects:
        for phone in obj.get("phones") or []:
            if isinstance(phone, dict) and phone.get("number"):
                return str(phone["number"]).strip().strip('"').strip()[:32] or None
    return None


def _email(value: Any) -> str | None:
    text = str(value or "").strip()
    return text[:254] if EMAIL_RE.fullmatch(text) else None


def _opening_hours(service: dict[str, Any]) -> str | None:
    parts = []
    for schedule in service.get("schedules") or []:
        if not isinstance(schedule, dict):
            continue
        text = clean_text(schedule.get("description"))
        if not text and schedule.get("opens_at"):
            days = schedule.get("byday") or ""
            text = f"{days} {schedule['opens_at'][:5]}-{str(schedule.get('closes_at', ''))[:5]}"
        if text:
            parts.append(text.strip())
    return "\n".join(parts) or None


def _eligibility(service: dict[str, Any]) -> str | None:
    text = clean_text(service.get("eligibility_description"))
    listed = service.get("eligibilitys")  # ORUK v1: eligibilitys[].eligibility
    oruk = [clean_text(e.get("eligibility")) for e in listed if isinstance(e, dict)] \
        if isinstance(listed, list) else []
    text = "; ".join(x for x in [text, *oruk] if x)
    ages = [f"{label} {service[key]}" for key, label in
            (("minimum_age", "minimum age"), ("maximum_age", "maximum age")) if service.get(key)]
    return "; ".join(x for x in [text, ", ".join(ages)] if x) or None


def _locations(service: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for sal in service.get("service_at_locations") or []:
        location = sal.get("location") if isinstance(sal, dict) else None
        if not isinstance(location, dict):
            continue
        addresses = location.get("addresses") or location.get("physical_addresses") or []
        address = next((a for a in addresses if isinstance(a, dict)), {})
        found.append({
            "hsds_id": _hsds_id(location, "a location"),
            "name": _short(location.get("name"), 255),
            "address_1": _short(address.get("address_1"), 255),
            "city": _short(address.get("city"), 120),
            "postcode": _short(address.get("postal_code"), 10),
            "latitude": _coord(location.get("latitude"), 90),
            "longitude": _coord(location.get("longitude"), 180),
        })
    return found


def _own_needs(raw: dict[str, Any]) -> list[str]:
    """Needs carried as our own taxonomy (an export of ours, or of another Here2Help Line)."""
    found = []
    for attribute in raw.get("attributes") or []:
        term = attribute.get("taxonomy_term") if isinstance(attribute, dict) else None
        if isinstance(term, dict) and term.get("taxonomy") == NEEDS_TAXONOMY:
            name = str(term.get("name") or "").strip()
            if name in (*NEEDS_ORDER, OTHER) and name not in found:
                found.append(name)
    return found


def _needs(raw: dict[str, Any], text: ServiceText) -> tuple[list[str], dict[str, list[str]]]:
    own = _own_needs(raw)
    if own:
        return own, {n: [f"term: '{NEEDS_TAXONOMY}'"] for n in own if n != OTHER}
    found = classify_service(text)
    return found.needs, found.reasons


def validate_record(raw: Any) -> dict[str, Any]:
    """One HSDS service object -> the fields we store; raises RecordError with the reason.

    Real feeds have services with an empty name or no organisation: the organisation's name
    stands in for the first, and the service's for the second, so such a service still
    reaches residents; only a record with neither name is refused.
    """
    if not isinstance(raw, dict):
        raise RecordError("not a JSON object")
    service_id = _hsds_id(raw, "the service")
    org = raw.get("organization")
    org = org if isinstance(org, dict) else {}
    name = _short(raw.get("name"), 255) or _short(org.get("name"), 255)
    if not name:
        raise RecordError("the service has no name and no organization with a name")
    if not _short(org.get("name"), 255):
        org = {**org, "name": name, "id": org.get("id") or f"service:{service_id}"}
    status = str(raw.get("status") or "active").strip().lower()
    if status not in STATUSES:
        raise RecordError(f"unknown status {status[:30]!r}")
    terms = taxonomy_terms(raw)
    description = clean_text(raw.get("description"))
    eligibility = _eligibility(raw)
    needs, reasons = _needs(raw, ServiceText(
        name=name, description=description,
        organisation_description=clean_text(org.get("description")),
        eligibility=eligibility or "", terms=tuple(terms)))
    listed = raw.get("service_areas")
    areas = [clean_text(a.get("name")) for a in listed if isinstance(a, dict)
             and 0 < len(clean_text(a.get("name"))) <= 60] if isinstance(listed, list) else []
    return {
        "hsds_id": service_id,
        "name": name,
        "description": description,
        "email": _email(raw.get("email")),
        "website": _short(raw.get("url"), 2000),
        "phone": _phone(raw, org),
        "status": status,
        "needs": needs,
        "needs_reasons": reasons,
        "districts": areas,
        "opening_hours": _opening_hours(raw),
        "eligibility": eligibility,
        "is_statutory": any(t in x.casefold() and "non-statutory" not in x.casefold()
                            for x in terms for t in STATUTORY_TERMS),
        "last_reviewed_on": _date(raw.get("assured_date")) or _date(raw.get("last_modified")),
        "extra": {"taxonomy_terms": terms[:20]} if terms else {},
        "organization": {
            "hsds_id": _hsds_id(org, "the organization"),
            "name": _short(org.get("name"), 255),
            "description": clean_text(org.get("description")),
            "email": _email(org.get("email")),
            "website": _short(org.get("website") or org.get("url"), 2000),
            "phone": _phone(org),
        },
        "locations": _locations(raw),
    }


def _upsert(
    session: Session, model: type, hsds_id: str, values: dict[str, Any]
) -> tuple[Any, bool]:
    row = session.scalar(select(model).where(model.hsds_id == hsds_id))
    created = row is None
    if row is None:
        row = model(hsds_id=hsds_id)
        session.add(row)
    for key, value in values.items():
        setattr(row, key, value)
    return row, created


@dataclass(frozen=True)
class ImportSource:
    """Where records come from: the districts a feed without locations covers, and for a live
    feed its URL and the time of the sync (recorded on every entry it carries)."""

    areas: tuple[str, ...] = ()
    feed_url: str | None = None
    seen_at: datetime | None = None


def _districts(record: dict[str, Any], location_districts: list[str],
               source: ImportSource) -> list[str]:
    """Where a service is: its locations' districts, else the area the import was told it
    covers (area-wide: every district in it), else the feed's own service areas."""
    return list(dict.fromkeys(location_districts or source.areas or record["districts"]))


def _store(session: Session, record: dict[str, Any], district_of: Callable[[str], str | None],
           source: ImportSource, point_of: PointOf) -> bool:
    org_values = dict(record["organization"])
    org, _ = _upsert(session, DirectoryOrganisation, org_values.pop("hsds_id"), org_values)
    locations = []
    for loc in record["locations"]:
        loc = dict(loc)
        loc["district"] = district_of(loc["postcode"]) if loc["postcode"] else None
        if loc["latitude"] is None and loc["postcode"]:
            # Feeds often give a postcode and no coordinates; distances need the point.
            point = point_of(loc["postcode"])
            loc["latitude"], loc["longitude"] = point if point else (None, None)
        row, _ = _upsert(session, DirectoryLocation, loc.pop("hsds_id"), loc)
        row.organisation = org
        locations.append(row)
    values = {k: v for k, v in record.items() if k not in {"hsds_id", "organization", "locations"}}
    values["districts"] = _districts(record, [r.district for r in locations if r.district],
                                     source)
    existing = session.scalar(select(DirectoryService).where(
        DirectoryService.hsds_id == record["hsds_id"]))
    if existing is not None and existing.needs_set_by_staff:
        # A coordinator's correction wins over the classifier, import after import.
        values.pop("needs")
        values.pop("needs_reasons")
    if source.feed_url:
        values["feed_url"], values["last_seen_at"] = source.feed_url, source.seen_at
    service, created = _upsert(session, DirectoryService, record["hsds_id"], values)
    service.organisation = org
    service.locations = locations
    session.flush()
    return created


def import_records(
    session: Session,
    records: list[Any],
    *,
    district_of: Callable[[str], str | None] = lambda _postcode: None,
    progress: Progress | None = None,
    source: ImportSource = ImportSource(),
    point_of: PointOf = lambda _postcode: None,
) -> ImportResult:
    """Validate and store each record; commits the good ones. Records are numbered from 1."""
    result = ImportResult()
    for n, raw in enumerate(records, start=1):
        raw_id = str(raw.get("id"))[:64] if isinstance(raw, dict) and raw.get("id") else None
        try:
            record = validate_record(raw)
            with session.begin_nested():
                created = _store(session, record, district_of, source, point_of)
        except RecordError as exc:
            result.errors.append((n, raw_id, str(exc)))
        except SQLAlchemyError as exc:
            log.warning("directory record %d refused by the database: %s", n, type(exc).__name__)
            result.errors.append((n, raw_id, "the database refused it (a value is too long?)"))
        else:
            result.created += created
            result.updated += not created
            result.ids.append(record["hsds_id"])
        if progress:
            progress(n, len(records))
    session.commit()
    return result


def import_file(session: Session, path: Path, **kwargs: Any) -> ImportResult:
    """Read an Open Referral file (see directory_hsds) and import it; FeedError if unreadable."""
    return import_records(session, read_feed(path), **kwargs)
