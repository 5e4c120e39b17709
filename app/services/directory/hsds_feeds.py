"""Reading Open Referral (HSDS 3.0 / UK profile) files as councils publish them.

Every input shape is turned into one shape: a list of HSDS *service* objects with their
organisation, locations, phones, schedules and taxonomy attributes nested, as in HSDS's
`service_full.json`. The importer then validates and stores only that shape.

Accepted inputs (see the README):
- JSON: one service, a list of services, one organization (with nested `services`), a list of
  organizations, or a paginated API page `{"contents": [...]}`;
- CSV: the HSDS tabular package (a directory or a .zip holding services.csv plus any of
  organizations.csv, locations.csv, service_at_location.csv, addresses.csv, phones.csv,
  schedules.csv, attributes.csv, taxonomy_terms.csv; the UK profile's singular names such as
  address.csv work too), or a single services CSV, whose rows then need an
  `organization_name` (or `organisation_name`) column and may have a `keywords` column.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import zipfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import nh3

STATUTORY_TERMS = ("statutory",)


class FeedError(ValueError):
    """The file as a whole cannot be read (not JSON/CSV, no services table...)."""


def clean_text(value: Any) -> str:
    """Councils paste HTML into descriptions: keep the words and line breaks, drop the markup."""
    if value is None:
        return ""
    text = str(value)
    text = re.sub(r"(?i)<\s*(br|/p|/li|/h\d|/div)\s*/?>", "\n", text)
    text = re.sub(r"(?i)<\s*(script|style)[^>]*>.*?<\s*/\s*\1\s*>", "", text, flags=re.S)
    # nh3 drops every tag and returns HTML-escaped text; unescaping ONCE gives what the council
    # wrote. Twice would turn a written `&lt;img&gt;` into live markup.
    text = html.unescape(nh3.clean(text, tags=set()))
    lines = [re.sub(r"[ \t\r\f\v\xa0]+", " ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line).strip()


def taxonomy_terms(service: dict[str, Any]) -> list[str]:
    """Names, codes and terms of a service's taxonomy attributes, plus any plain keywords."""
    terms: list[str] = []
    for attribute in service.get("attributes") or []:
        if not isinstance(attribute, dict):
            continue
        term = attribute.get("taxonomy_term") or {}
        if isinstance(term, dict):
            terms += [str(term[k]) for k in ("name", "term", "code") if term.get(k)]
        if attribute.get("value") and attribute.get("value") != "value":
            terms.append(str(attribute["value"]))
    # ORUK v1 API: service_taxonomys[].taxonomy {name, vocabulary} (e.g. LGA esdServiceTypes).
    links = service.get("service_taxonomys")
    for link in links if isinstance(links, list) else []:
        taxonomy = link.get("taxonomy") if isinstance(link, dict) else None
        if isinstance(taxonomy, dict) and str(taxonomy.get("name") or "").strip():
            terms.append(str(taxonomy["name"]).strip())
    keywords = service.get("keywords") or []
    if isinstance(keywords, str):
        keywords = [k for k in re.split(r"[;,]", keywords) if k.strip()]
    terms += [str(k).strip() for k in keywords if str(k).strip()]
    return terms


def services_from_json(data: Any) -> list[Any]:
    if isinstance(data, dict):  # a paginated API page: HSDS "contents", ORUK v1 "content"
        for key in ("contents", "content"):
            if isinstance(data.get(key), list):
                data = data[key]
                break
    items = data if isinstance(data, list) else [data]
    services: list[Any] = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("services"), list) and not item.get(
            "organization"
        ):
            org = {k: v for k, v in item.items() if k != "services"}
            for svc in item["services"]:
                services.append({**svc, "organization": org} if isinstance(svc, dict) else svc)
        else:
            services.append(item)
    return services


def _read_csv(text: str) -> list[dict[str, str]]:
    rows = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    return [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in rows]


def _tables_from_path(path: Path) -> dict[str, list[dict[str, str]]]:
    def name(p: str) -> str:
        return Path(p).name.lower().removesuffix(".csv")

    if path.is_dir():
        return {name(p.name): _read_csv(p.read_text(encoding="utf-8-sig"))
                for p in path.glob("*.csv")}
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            return {name(n): _read_csv(zf.read(n).decode("utf-8-sig"))
                    for n in zf.namelist() if n.lower().endswith(".csv")}
    return {"services": _read_csv(path.read_text(encoding="utf-8-sig"))}


#: The UK profile's packages name some tables in the singular (address.csv, schedule.csv...).
TABLE_ALIASES = {"service": "services", "organization": "organizations",
                 "location": "locations", "address": "addresses", "phone": "phones",
                 "schedule": "schedules", "attribute": "attributes",
                 "taxonomy_term": "taxonomy_terms", "services_at_location": "service_at_location"}


def _canonical(tables: dict[str, list[dict[str, str]]]) -> dict[str, list[dict[str, str]]]:
    out = {name: rows for name, rows in tables.items() if rows or name not in TABLE_ALIASES}
    for alias, name in TABLE_ALIASES.items():
        if not out.get(name) and tables.get(alias):
            out[name] = tables[alias]
    return out


def _by(rows: list[dict[str, str]], key: str) -> dict[str, list[dict[str, str]]]:
    index: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        if row.get(key):
            index[row[key]].append(row)
    return index


def _organisation_column(row: dict[str, str]) -> str | None:
    for key in ("organization_name", "organisation_name", "organisation", "organization"):
        if row.get(key):
            return row[key]
    return None


def _nest_tables(t: dict[str, list[dict[str, str]]]) -> list[dict[str, Any]]:
    """Join the tabular package back into nested service objects (HSDS's own relations)."""
    if "services" not in t:
        raise FeedError("the CSV package has no services.csv")
    orgs = {r["id"]: r for r in t.get("organizations", []) if r.get("id")}
    terms = {r["id"]: r for r in t.get("taxonomy_terms", []) if r.get("id")}
    addresses = _by(t.get("addresses", []), "location_id")
    locations = {r["id"]: {**r, "addresses": addresses.get(r["id"], [])}
                 for r in t.get("locations", []) if r.get("id")}
    sal = _by(t.get("service_at_location", []), "service_id")
    phones = _by(t.get("phones", []), "service_id")
    schedules = _by(t.get("schedules", []), "service_id")
    attributes = _by(t.get("attributes", []), "link_id")
    services = []
    for row in t["services"]:
        svc: dict[str, Any] = dict(row)
        if row.get("organization_id") in orgs:
            svc["organization"] = orgs[row["organization_id"]]
        elif org_name := _organisation_column(row):
            # A single spreadsheet of services (not HSDS, but what councils often publish).
            svc["organization"] = {"id": row.get("organization_id") or f"name:{org_name}",
                                   "name": org_name}
        svc["phones"] = phones.get(row.get("id", ""), [])
        svc["schedules"] = schedules.get(row.get("id", ""), [])
        svc["service_at_locations"] = [
            {"id": s.get("id"), "location": locations[s["location_id"]]}
            for s in sal.get(row.get("id", ""), []) if s.get("location_id") in locations
        ]
        svc["attributes"] = [
            {**a, "taxonomy_term": terms.get(a.get("taxonomy_term_id", ""), {})}
            for a in attributes.get(row.get("id", ""), [])
        ]
        services.append(svc)
    return services


def read_feed(path: Path) -> list[Any]:
    """Every service record in the file, nested; raises FeedError for an unreadable file."""
    if not path.exists():
        raise FeedError(f"{path} does not exist")
    if path.is_dir() or path.suffix.lower() in {".csv", ".zip"}:
        try:
            return _nest_tables(_canonical(_tables_from_path(path)))
        except (UnicodeDecodeError, csv.Error, zipfile.BadZipFile) as exc:
            raise FeedError(f"{path.name} is not a readable CSV file: {exc}") from None
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FeedError(f"{path.name} is not JSON: {exc}") from None
    return services_from_json(data)
