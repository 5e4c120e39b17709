"""Postcode -> neighbourhood, the ONS files that define neighbourhoods, and re-placing everyone.

Interface:

    neighbourhood_code_for(session, postcode) -> str | None   # LSOA code, sector, or None
    import_neighbourhoods(session, lookup, population, progress=, on_error=) -> ImportReport
    backfill_neighbourhoods(session) -> BackfillReport
    neighbourhood_labels(session, codes) -> dict[code, (name, district)]

With a lookup loaded, a postcode that is not in it has no neighbourhood (rather than a sector,
which would mix two geographies in one ranking); with none loaded every full postcode has its
sector. An outward code alone ("WR1") is never a neighbourhood: it covers tens of thousands.

The import streams both files (the national lookup has 2.7 million rows) and inserts in
batches; it replaces the previous lookup and neighbourhoods in the caller's one transaction, so
a failed import leaves the old ones in place. It does not touch cases or volunteers:
`backfill_neighbourhoods` re-places them afterwards (the CLI says so).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

from sqlalchemy import delete, exists, insert, select, update
from sqlalchemy.orm import Session

from app.domain.neighbourhoods import (
    LOOKUP_COLUMNS,
    POPULATION_COLUMNS,
    REQUIRED_LOOKUP,
    REQUIRED_POPULATION,
    is_area_code,
    parse_population,
    resolve_columns,
    sector_of,
)
from app.domain.postcode import normalise_postcode
from app.models.case import Case
from app.models.neighbourhood import Neighbourhood, NeighbourhoodPostcode
from app.models.volunteer import Volunteer

BATCH = 5_000
PROGRESS_EVERY = 100_000
#: Lines before the header that a population file may carry (titles, notes, blank lines).
MAX_PREAMBLE_LINES = 30

ProgressFn = Callable[[str, int], None]
ErrorFn = Callable[[str, int, str], None]


class ImportRefused(ValueError):
    """A file that cannot be imported at all (wrong columns, nothing usable)."""


@dataclass
class ImportReport:
    postcodes: int = 0
    neighbourhoods: int = 0
    with_population: int = 0
    bad_rows: dict[str, int] = field(default_factory=lambda: {"lookup": 0, "population": 0})
    population_elsewhere: int = 0  # population rows for LSOAs the lookup does not use

    def summary(self) -> str:
        return (f"imported {self.postcodes} postcodes in {self.neighbourhoods} neighbourhoods "
                f"({self.with_population} with a population); bad rows: "
                f"{self.bad_rows['lookup']} in the lookup, {self.bad_rows['population']} in the "
                f"population file; {self.population_elsewhere} population rows for LSOAs outside "
                f"the lookup")


@dataclass
class BackfillReport:
    cases: int = 0
    volunteers: int = 0
    changed: int = 0

    def summary(self) -> str:
        return (f"placed {self.cases} cases and {self.volunteers} volunteers; "
                f"{self.changed} changed neighbourhood")


def lookup_loaded(session: Session) -> bool:
    return session.scalar(select(NeighbourhoodPostcode.postcode).limit(1)) is not None


def neighbourhood_code_for(session: Session, postcode: str | None) -> str | None:
    """The neighbourhood of a postcode: its LSOA, its sector when no lookup is loaded, or None."""
    full = normalise_postcode(postcode)
    if full is None:
        return None
    # One statement (every new case asks this): the postcode's code, and whether any lookup
    # is loaded at all (else the sector stands in).
    code, loaded = session.execute(select(
        select(NeighbourhoodPostcode.neighbourhood_code)
        .where(NeighbourhoodPostcode.postcode == full).scalar_subquery(),
        exists().where(NeighbourhoodPostcode.postcode.is_not(None)),
    )).one()
    return code if loaded else sector_of(full)


def _codes_for(session: Session, postcodes: list[str]) -> dict[str, str | None]:
    """Full, normalised postcodes -> neighbourhood codes, in one query."""
    rows = session.execute(
        select(NeighbourhoodPostcode.postcode, NeighbourhoodPostcode.neighbourhood_code)
        .where(NeighbourhoodPostcode.postcode.in_(sorted(set(postcodes))))).all()
    found = dict(rows)
    if found or lookup_loaded(session):
        return {p: found.get(p) for p in postcodes}
    return {p: sector_of(p) for p in postcodes}


def neighbourhood_labels(session: Session, codes: Collection[str]
                         ) -> dict[str, tuple[str, str | None]]:
    """Loaded neighbourhoods among `codes`: code -> (name, district name)."""
    rows = session.execute(select(Neighbourhood.code, Neighbourhood.name,
                                  Neighbourhood.district_name)
                           .where(Neighbourhood.code.in_(sorted(set(codes)))))
    return {code: (name, district) for code, name, district in rows}


def import_neighbourhoods(session: Session, lookup: TextIO, population: TextIO, *,
                          progress: ProgressFn | None = None,
                          on_error: ErrorFn | None = None) -> ImportReport:
    """Replace the postcode lookup and the neighbourhoods from the two ONS files. Flushes only.

    Bad rows are reported through `on_error(file, line, reason)` and left out; a file whose
    header lacks the columns needed is refused as a whole (ImportRefused).
    """
    report = ImportReport()
    note = on_error or (lambda _file, _line, _reason: None)
    tick = progress or (lambda _file, _n: None)

    def bad(file: str, line: int, reason: str) -> None:
        report.bad_rows[file] += 1
        note(file, line, reason)

    session.execute(delete(NeighbourhoodPostcode))
    session.execute(delete(Neighbourhood))
    areas: dict[str, dict[str, str | int | None]] = {}
    batch: list[dict[str, str]] = []
    seen: set[str] = set()
    for line, cells in _lookup_rows(lookup, bad, tick):
        postcode, code = cells["postcode"], cells["code"]
        if postcode in seen:
            bad("lookup", line, f"postcode {postcode} repeated")
            continue
        seen.add(postcode)
        batch.append({"postcode": postcode, "neighbourhood_code": code})
        area = areas.setdefault(code, {"code": code, "name": None, "district_code": None,
                                       "district_name": None, "population": None})
        for key in ("name", "district_code", "district_name"):
            area[key] = area[key] or cells.get(key) or None
        if len(batch) >= BATCH:
            report.postcodes += _insert_postcodes(session, batch)
    report.postcodes += _insert_postcodes(session, batch)
    if not areas:
        raise ImportRefused("the lookup has no usable rows")

    for line, code, name, total in _population_rows(population, bad, tick):
        area = areas.get(code)
        if area is None:
            report.population_elsewhere += 1
            continue
        if area["population"] is not None:
            bad("population", line, f"{code} repeated")
            continue
        area["population"] = total
        area["name"] = area["name"] or name or None
    for area in areas.values():
        area["name"] = area["name"] or area["code"]
    rows = list(areas.values())
    for start in range(0, len(rows), BATCH):
        session.execute(insert(Neighbourhood), rows[start:start + BATCH])
    report.neighbourhoods = len(rows)
    report.with_population = sum(1 for a in rows if a["population"] is not None)
    session.flush()
    return report


def _insert_postcodes(session: Session, batch: list[dict[str, str]]) -> int:
    if batch:
        session.execute(insert(NeighbourhoodPostcode), batch)
    count = len(batch)
    batch.clear()
    return count


def _lookup_rows(handle: TextIO, bad: ErrorFn,
                 tick: Callable[[str, int], None]) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.reader(_without_nul(handle))
    header = next(reader, None)
    if not header or not any(cell.strip() for cell in header):
        raise ImportRefused("the lookup is empty")
    try:
        columns = resolve_columns(header, LOOKUP_COLUMNS, REQUIRED_LOOKUP)
    except ValueError as exc:
        raise ImportRefused(f"the lookup: {exc}") from None
    for cells in _data_rows(reader, columns, "lookup", tick):
        postcode = normalise_postcode(cells["postcode"])
        code = cells["code"].upper()
        if postcode is None:
            bad("lookup", reader.line_num, f"{_shown(cells['postcode'])} is not a postcode")
        elif not is_area_code(code):
            bad("lookup", reader.line_num, f"{_shown(cells['code'])} is not an LSOA code")
        else:
            cells["name"] = cells.get("name", "")[:120]
            cells["district_name"] = cells.get("district_name", "")[:80]
            cells["district_code"] = cells.get("district_code", "")[:12]
            yield reader.line_num, {**cells, "postcode": postcode, "code": code}


def _population_rows(handle: TextIO, bad: ErrorFn, tick: Callable[[str, int], None]
                     ) -> Iterator[tuple[int, str, str, int]]:
    reader = csv.reader(_without_nul(handle))
    columns: dict[str, int] | None = None
    first_error = "the population file is empty"
    for row in reader:
        try:
            columns = resolve_columns(row, POPULATION_COLUMNS, REQUIRED_POPULATION)
            break
        except ValueError as exc:
            if reader.line_num == 1:
                first_error = str(exc)
            if reader.line_num >= MAX_PREAMBLE_LINES:
                break
    if columns is None:
        raise ImportRefused(f"the population file: {first_error}")
    for cells in _data_rows(reader, columns, "population", tick):
        code = cells["code"].upper()
        if not is_area_code(code):
            bad("population", reader.line_num, f"{_shown(cells['code'])} is not an LSOA code")
            continue
        try:
            total = parse_population(cells["total"])
        except ValueError as exc:
            bad("population", reader.line_num, str(exc))
            continue
        yield reader.line_num, code, cells.get("name", "")[:120], total


def _data_rows(reader: Any, columns: dict[str, int], file: str,
               tick: Callable[[str, int], None]) -> Iterator[dict[str, str]]:
    """The wanted cells of each non-blank row, by name; progress every PROGRESS_EVERY rows."""
    for count, row in enumerate(reader, start=1):
        if count % PROGRESS_EVERY == 0:
            tick(file, count)
        if any(cell.strip() for cell in row):
            yield {key: row[i].strip() if i < len(row) else "" for key, i in columns.items()}


def _without_nul(lines: Iterable[str]) -> Iterator[str]:
    """The csv module refuses NUL bytes; a damaged line then fails on its own cells instead."""
    for text in lines:
        yield text.replace("\0", "")


def _shown(text: str) -> str:
    return repr(text[:20]) if text else "an empty cell"


def backfill_neighbourhoods(session: Session, batch: int = 1_000) -> BackfillReport:
    """Re-place every case and volunteer from its postcode (after an import, or the first time).

    Works in batches of ids and flushes each; the caller commits once at the end.
    """
    report = BackfillReport()
    for model in (Case, Volunteer):
        last_id = 0
        while True:
            rows = session.execute(
                select(model.id, model.postcode, model.neighbourhood_code)
                .where(model.id > last_id).order_by(model.id).limit(batch)).all()
            if not rows:
                break
            last_id = rows[-1][0]
            full = {row[0]: normalise_postcode(row[1]) for row in rows}
            codes = _codes_for(session, [p for p in full.values() if p])
            for row_id, _postcode, current in rows:
                postcode = full[row_id]
                code = codes.get(postcode) if postcode else None
                if code != current:
                    session.execute(update(model).where(model.id == row_id)
                                    .values(neighbourhood_code=code,
                                            updated_at=model.updated_at))
                    report.changed += 1
            if model is Case:
                report.cases += len(rows)
            else:
                report.volunteers += len(rows)
        session.flush()
    return report
