"""The Community Services Directory: create, edit, search and review-flag services.

The directory is small (hundreds of services, not millions), so search filters needs and
districts in Python over one query: the JSON list columns would otherwise need different SQL on
SQLite and PostgreSQL for no measurable gain. Distance is the great-circle distance from the
searcher's postcode to the nearest location of the service.
"""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.models.directory import DirectoryLocation, DirectoryOrganisation, DirectoryService

EARTH_RADIUS_KM = 6371.0088
STATUSES = ("active", "inactive", "defunct", "temporarily closed")


class DirectoryError(ValueError):
    """Input the directory cannot accept; the message is one line, for a person to read."""


@dataclass(frozen=True)
class ServiceInput:
    """What a coordinator types into the service form (already stripped)."""

    organisation_name: str
    name: str
    description: str = ""
    needs: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    opening_hours: str | None = None
    eligibility: str | None = None
    is_statutory: bool = False
    status: str = "active"
    address_1: str | None = None
    city: str | None = None
    postcode: str | None = None
    district: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    last_reviewed_on: date | None = None


@dataclass
class ServiceHit:
    service: DirectoryService
    distance_km: float | None = None
    needs_review: bool = False
    districts: list[str] = field(default_factory=list)


def new_hsds_id() -> str:
    """HSDS ids are UUIDs; entries made in the console get one so export round-trips."""
    return str(uuid.uuid4())


def months_between(earlier: date, later: date) -> int:
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - 1 if later.day < earlier.day else months


def needs_review(service: DirectoryService, today: date, review_months: int) -> bool:
    """Never reviewed, or last reviewed `review_months` or more whole months ago."""
    if service.last_reviewed_on is None:
        return True
    return months_between(service.last_reviewed_on, today) >= review_months


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def service_districts(service: DirectoryService) -> list[str]:
    """The districts a service covers; empty means every district (the model's convention).

    A location's district is where the office is, not who it serves, so it is not used here.
    """
    return list(service.districts or [])


def nearest_km(service: DirectoryService, origin: tuple[float, float]) -> float | None:
    distances = [
        haversine_km(origin[0], origin[1], loc.latitude, loc.longitude)
        for loc in service.locations
        if loc.latitude is not None and loc.longitude is not None
    ]
    return min(distances) if distances else None


def list_services(session: Session, *, include_inactive: bool = True) -> list[DirectoryService]:
    stmt = (
        select(DirectoryService)
        .options(
            selectinload(DirectoryService.locations),
            selectinload(DirectoryService.organisation),
        )
        .order_by(DirectoryService.name, DirectoryService.id)
    )
    if not include_inactive:
        stmt = stmt.where(DirectoryService.status == "active")
    return list(session.scalars(stmt))


def search_services(
    session: Session,
    *,
    need: str | None = None,
    district: str | None = None,
    origin: tuple[float, float] | None = None,
    within_km: float | None = None,
    today: date,
    review_months: int = 12,
) -> list[ServiceHit]:
    """Active services matching every filter given; nearest first when an origin is given."""
    hits = []
    for service in list_services(session, include_inactive=False):
        districts = service_districts(service)
        if need and need not in (service.needs or []):
            continue
        if district and districts and district.casefold() not in {
            d.casefold() for d in districts
        }:
            continue
        distance = nearest_km(service, origin) if origin else None
        if within_km is not None and origin and (distance is None or distance > within_km):
            continue
        hits.append(ServiceHit(service, distance, needs_review(service, today, review_months),
                               districts))
    if origin:
        hits.sort(key=lambda h: (h.distance_km is None, h.distance_km or 0.0, h.service.name))
    return hits


def get_service(session: Session, service_id: int) -> DirectoryService | None:
    return session.get(DirectoryService, service_id)


def _organisation(session: Session, name: str) -> DirectoryOrganisation:
    org = session.scalar(
        select(DirectoryOrganisation).where(DirectoryOrganisation.name == name).limit(1)
    )
    if org is None:
        org = DirectoryOrganisation(hsds_id=new_hsds_id(), name=name, description="")
        session.add(org)
    return org


def _check(data: ServiceInput) -> None:
    if not data.name:
        raise DirectoryError("a service needs a name")
    if not data.organisation_name:
        raise DirectoryError("a service needs the name of the organisation that runs it")
    if data.status not in STATUSES:
        raise DirectoryError(f"status must be one of {', '.join(STATUSES)}")
    if data.email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", data.email):
        raise DirectoryError("the e-mail address does not look right")


def _apply(session: Session, service: DirectoryService, data: ServiceInput) -> None:
    service.organisation = _organisation(session, data.organisation_name)
    for attr in ("name", "description", "phone", "email", "website", "opening_hours",
                 "eligibility", "is_statutory", "status", "last_reviewed_on"):
        setattr(service, attr, getattr(data, attr))
    needs = list(dict.fromkeys(data.needs))
    if service.id is None or set(needs) != set(service.needs or []):
        # A coordinator chose these needs: they win over what the classifier read, and later
        # imports and syncs of the same service leave them alone.
        service.needs_set_by_staff = True
        service.needs_reasons = {n: ["set by staff"] for n in needs if n != "other"}
    service.needs = needs
    service.districts = list(dict.fromkeys(data.districts))
    has_place = any((data.address_1, data.postcode, data.latitude is not None))
    if has_place:
        loc = service.locations[0] if service.locations else None
        if loc is None:
            loc = DirectoryLocation(hsds_id=new_hsds_id(), organisation=service.organisation)
            service.locations.append(loc)
        loc.name, loc.address_1, loc.city = data.name, data.address_1, data.city
        loc.postcode, loc.district = data.postcode, data.district
        loc.latitude, loc.longitude = data.latitude, data.longitude


def create_service(session: Session, data: ServiceInput) -> DirectoryService:
    """Add a service (and its organisation and location when new); commits."""
    _check(data)
    service = DirectoryService(hsds_id=new_hsds_id(), locations=[], extra={})
    with session.no_autoflush:
        _apply(session, service, data)
    session.add(service)
    session.commit()
    return service


def update_service(session: Session, service_id: int, data: ServiceInput) -> DirectoryService:
    """Change a service in place, keeping its HSDS id; commits."""
    _check(data)
    service = get_service(session, service_id)
    if service is None:
        raise DirectoryError(f"no directory service {service_id}")
    with session.no_autoflush:
        _apply(session, service, data)
    session.commit()
    return service


def mark_reviewed(session: Session, service_id: int, today: date) -> None:
    service = get_service(session, service_id)
    if service is None:
        raise DirectoryError(f"no directory service {service_id}")
    service.last_reviewed_on = today
    session.commit()
