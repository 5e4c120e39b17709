"""Neighbourhoods as pure rules: postcode sectors, the ONS file layouts, small-number suppression
and the relative demand score.

A neighbourhood is a Lower-layer Super Output Area (LSOA, about 1,500-3,000 residents) when the
operator has loaded the ONS postcode-to-LSOA lookup, else the postcode sector ("WR1 2": the
outward code and the first digit of the inward code, a few thousand addresses). Sectors need no
data at all, so the demand view works on the first day; LSOAs carry population estimates, so
rates per 1,000 residents need them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from app.domain.postcode import normalise_postcode

#: Kinds of neighbourhood code.
LSOA = "lsoa"
SECTOR = "sector"

#: England, Wales (LSOAs), Scotland (data zones) and Northern Ireland (super data zones) codes.
_AREA_CODE = re.compile(r"^[EWSN]\d{8}$")

#: Column names the ONS postcode lookups use, newest first (the ONS changes the year suffix and
#: the capitalisation between releases). Each tuple: accepted spellings, compared case-blind.
LOOKUP_COLUMNS: dict[str, tuple[str, ...]] = {
    "postcode": ("pcds", "pcd7", "pcd8", "pcd", "postcode"),
    "code": ("lsoa21cd", "lsoa11cd", "lsoa_code", "lsoa code"),
    "name": ("lsoa21nm", "lsoa11nm", "lsoa_name", "lsoa name"),
    "district_code": ("ladcd", "lad22cd", "lad23cd", "lad21cd", "lad25cd", "lad24cd", "oslaua"),
    "district_name": ("ladnm", "lad22nm", "lad23nm", "lad21nm", "lad25nm", "lad24nm"),
}
#: Column names of the ONS mid-year population estimates for LSOAs (the 2021-based series
#: "LSOA 2021 Code / LSOA 2021 Name / Total"; the 2011-based "LSOA Code / LSOA Name / All Ages").
POPULATION_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("lsoa 2021 code", "lsoa21cd", "lsoa 2011 code", "lsoa11cd", "lsoa code"),
    "name": ("lsoa 2021 name", "lsoa21nm", "lsoa 2011 name", "lsoa11nm", "lsoa name"),
    "total": ("total", "all ages", "all_ages", "population", "total population"),
}
REQUIRED_LOOKUP = ("postcode", "code")
REQUIRED_POPULATION = ("code", "total")

#: Counts from 1 up to below this are shown as "<5", so no resident can be picked out of figures.
SUPPRESS_BELOW = 5
SUPPRESSED = "<5"


def sector_of(postcode: str | None) -> str | None:
    """`wr12nn` -> `WR1 2`; None unless it is a full postcode (an outcode has no sector)."""
    full = normalise_postcode(postcode)
    return full[:-2] if full else None


def is_area_code(text: str) -> bool:
    return bool(_AREA_CODE.match(text))


def resolve_columns(header: Sequence[str], wanted: dict[str, tuple[str, ...]],
                    required: Sequence[str]) -> dict[str, int]:
    """Where each wanted column is in `header` (first accepted spelling wins).

    Raises ValueError naming the missing columns and the spellings accepted for them.
    """
    positions = {name.strip().lstrip("\ufeff").lower(): i for i, name in enumerate(header)}
    found: dict[str, int] = {}
    for key, spellings in wanted.items():
        for spelling in spellings:
            if spelling in positions:
                found[key] = positions[spelling]
                break
    missing = [key for key in required if key not in found]
    if missing:
        raise ValueError("; ".join(
            f"no {key} column (one of {', '.join(wanted[key])})" for key in missing))
    return found


def parse_population(text: str) -> int:
    """ONS totals, with or without thousands separators: '1,734' -> 1734."""
    cleaned = text.strip().replace(",", "").replace(" ", "")
    if not cleaned.isdigit():
        raise ValueError(f"total {text.strip()[:20]!r} is not a whole number")
    value = int(cleaned)
    if value > 1_000_000:
        raise ValueError(f"total {value} is too large for one neighbourhood")
    return value


def shown_count(count: int) -> int | str:
    """A count as published: 1 to 4 becomes "<5" (a zero identifies nobody)."""
    return SUPPRESSED if 0 < count < SUPPRESS_BELOW else count


def shown_rate(count: int, value: float | None, digits: int = 1) -> float | str | None:
    """A rate or share worked out from `count`: suppressed with it, so it cannot be undone."""
    if value is None:
        return None
    return SUPPRESSED if 0 < count < SUPPRESS_BELOW else round(value, digits)


@dataclass(frozen=True)
class Measure:
    """One column of the demand score: its values per neighbourhood (None: not known) and
    whether a high value means more pressure (+1) or less (-1)."""

    name: str
    values: Sequence[float | None]
    direction: int = 1


def standardise(values: Sequence[float | None]) -> list[float | None]:
    """z-scores across the neighbourhoods that have a value; all 0 when they do not vary."""
    known = [v for v in values if v is not None]
    if not known:
        return [None for _ in values]
    mean = sum(known) / len(known)
    spread = math.sqrt(sum((v - mean) ** 2 for v in known) / len(known))
    return [None if v is None else ((v - mean) / spread if spread else 0.0) for v in values]


def relative_scores(measures: Sequence[Measure], count: int) -> list[float | None]:
    """The mean of each neighbourhood's standardised measures (signed so high = more pressure).

    A measure a neighbourhood has no value for (no population loaded) is left out of its mean
    rather than counted as average.
    """
    columns = [[None if z is None else z * m.direction for z in standardise(m.values)]
               for m in measures]
    scores: list[float | None] = []
    for i in range(count):
        parts = [column[i] for column in columns if column[i] is not None]
        scores.append(round(sum(parts) / len(parts), 2) if parts else None)
    return scores
