"""The best directory services for a resident's need where they live, with the reasons.

Order: services with a location, nearest first (someone can walk in); then services that name
the resident's district (including area-wide ones imported with `--area`); then services that
cover every district. Only active services listing the need are considered. The reasons are
for staff on the case page, so they say what matched, not how it was scored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from app.services.directory.entries import ServiceHit, search_services


@dataclass(frozen=True)
class RankedService:
    hit: ServiceHit
    reasons: tuple[str, ...]

    @property
    def service_id(self) -> int:
        return self.hit.service.id


def _key(hit: ServiceHit) -> tuple[int, float, str]:
    if hit.distance_km is not None:
        return (0, hit.distance_km, hit.service.name)
    return (1 if hit.districts else 2, 0.0, hit.service.name)


def _reasons(hit: ServiceHit, need: str, district: str | None) -> tuple[str, ...]:
    service = hit.service
    why = (service.needs_reasons or {}).get(need) or []
    reasons = [f"helps with {need}" + (f" ({why[0]})" if why else "")]
    if hit.distance_km is not None:
        reasons.append(f"{hit.distance_km:.1f} km away")
    if hit.districts and district:
        reasons.append(f"covers {district}")
    elif not hit.districts:
        reasons.append("covers every district")
    if hit.needs_review:
        reasons.append("entry needs review")
    return tuple(reasons)


def best_services(
    session: Session,
    *,
    need: str | None,
    district: str | None,
    origin: tuple[float, float] | None,
    today: date,
    limit: int = 3,
) -> list[RankedService]:
    if not need:
        return []
    hits = search_services(session, need=need, district=district, origin=origin, today=today)
    hits.sort(key=_key)
    return [RankedService(h, _reasons(h, need, district)) for h in hits[:limit]]
