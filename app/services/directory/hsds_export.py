"""Export the directory as Open Referral HSDS 3.0 JSON, and validate it against the schemas.

The document is an HSDS API page (`{"total_items": ..., "contents": [service, ...]}`) whose
services nest their organisation, locations, phones, schedules and taxonomy attributes as in
HSDS's `service_full.json`. Our needs and the statutory flag travel as taxonomy terms of a
"here2help" taxonomy, so an export imported elsewhere keeps them.

The schemas (HSDS 3.0, CC BY-SA 4.0, see app/data/hsds/SOURCE.md) are checked with `jsonschema`
(draft 2020-12) and a `referencing` registry over the per-object files, including formats that
jsonschema can check without extra packages (uuid, email).
"""

from __future__ import annotations

import json
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy.orm import Session

from app.models.directory import DirectoryLocation, DirectoryService
from app.services.directory.entries import list_services

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "data" / "hsds" / "schema"
NEEDS_TAXONOMY = "here2help-needs"
STATUTORY_TERM = "statutory"


def stable_uuid(*parts: str) -> str:
    """A UUID derived from our own ids, so exporting twice gives the same document."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "here2help:" + ":".join(parts)))


def _term(name: str, description: str) -> dict[str, Any]:
    return {
        "id": stable_uuid("attribute", name),
        "taxonomy_term": {
            "id": stable_uuid("taxonomy_term", name),
            "name": name,
            "description": description,
            "taxonomy": NEEDS_TAXONOMY,
        },
    }


def _location(loc: DirectoryLocation) -> dict[str, Any]:
    out: dict[str, Any] = {"id": loc.hsds_id, "location_type": "physical"}
    if loc.name:
        out["name"] = loc.name
    if loc.latitude is not None and loc.longitude is not None:
        out["latitude"], out["longitude"] = loc.latitude, loc.longitude
    if loc.address_1 and loc.postcode:
        out["addresses"] = [{
            "id": stable_uuid("address", loc.hsds_id),
            "address_1": loc.address_1,
            "city": loc.city or loc.district or "",
            "state_province": loc.district or loc.city or "",
            "postal_code": loc.postcode,
            "country": "GB",
            "address_type": "physical",
        }]
    return out


def _uri(value: str | None) -> str | None:
    """HSDS wants a URI; councils type "www.example.org"."""
    if not value:
        return None
    return value if "://" in value else f"https://{value.lstrip('/')}"


def service_to_hsds(service: DirectoryService) -> dict[str, Any]:
    org = service.organisation
    out: dict[str, Any] = {
        "id": service.hsds_id,
        "name": service.name,
        "description": service.description or "",
        "status": service.status,
        "organization": {"id": org.hsds_id, "name": org.name,
                         "description": org.description or org.name},
        "attributes": [_term(n, f"Here2Help need: {n}") for n in service.needs or []],
        "service_at_locations": [
            {"id": stable_uuid("service_at_location", service.hsds_id, loc.hsds_id),
             "location": _location(loc)}
            for loc in service.locations
        ],
    }
    if service.is_statutory:
        out["attributes"].append(_term(STATUTORY_TERM, "A statutory (public body) service"))
    for key, value in (("url", _uri(service.website)), ("email", service.email),
                       ("eligibility_description", service.eligibility)):
        if value:
            out[key] = value
    for key, value in (("website", _uri(org.website)), ("email", org.email)):
        if value:
            out["organization"][key] = value
    if service.phone:
        out["phones"] = [{"id": stable_uuid("phone", service.hsds_id), "number": service.phone}]
    if service.opening_hours:
        out["schedules"] = [{"id": stable_uuid("schedule", service.hsds_id),
                             "description": service.opening_hours}]
    if service.districts:
        out["service_areas"] = [{"id": stable_uuid("service_area", service.hsds_id, d), "name": d}
                                for d in service.districts]
    if service.last_reviewed_on:
        out["assured_date"] = service.last_reviewed_on.isoformat()
    return out


def export_document(session: Session) -> dict[str, Any]:
    services = [service_to_hsds(s) for s in list_services(session)]
    return {
        "total_items": len(services),
        "total_pages": 1,
        "page_number": 1,
        "size": len(services),
        "first_page": True,
        "last_page": True,
        "empty": not services,
        "contents": services,
    }


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    resources = []
    for path in SCHEMA_DIR.glob("*.json"):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((path.name, Resource.from_contents(contents, DRAFT202012)))
    registry = Registry().with_resources(resources)
    schema = {"$ref": "service.json"}
    return Draft202012Validator(schema, registry=registry, format_checker=FormatChecker())


def validate_services(document: dict[str, Any]) -> list[str]:
    """Schema errors of each service in an export page ("service N: path: message")."""
    errors = []
    for n, service in enumerate(document.get("contents", []), start=1):
        for error in _validator().iter_errors(service):
            where = "/".join(str(p) for p in error.absolute_path) or "(root)"
            errors.append(f"service {n}: {where}: {error.message}")
    return errors
