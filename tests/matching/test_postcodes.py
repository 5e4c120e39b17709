"""Postcode lookups against the real ONSPD package, checked with independent fixtures."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from app.domain.geo import distance_km, osgb36_to_wgs84
from app.services.geo.postcodes import PostcodeDirectory, locate

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "postcodes"


def _rows(name: str) -> list[dict[str, str]]:
    with (FIXTURES / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_osgb36_to_wgs84_matches_proj_for_sw1a_1aa() -> None:
    lat, lon = osgb36_to_wgs84(529090, 179645)
    assert distance_km(lat, lon, 51.501009, -0.141588) * 1000 < 5


def test_every_sample_postcode_has_the_fixture_district_and_location() -> None:
    rows = _rows("worcestershire_sample.csv")
    assert len(rows) == 300
    for row in rows:
        info = locate(row["postcode"].lower().replace(" ", ""))
        assert info is not None, row["postcode"]
        assert info.precision == "postcode"
        assert (info.district_code, info.district_name) == (row["lad_code"], row["lad_name"])
        assert info.latitude is not None and info.longitude is not None
        metres = distance_km(info.latitude, info.longitude, float(row["lat"]), float(row["lon"]))
        assert metres * 1000 < 1, row["postcode"]


@pytest.mark.parametrize("row", _rows("worcestershire_outcodes.csv"), ids=lambda r: r["outcode"])
def test_outcode_falls_back_to_the_outcode_centroid(row: dict[str, str]) -> None:
    info = locate(row["outcode"])
    assert info is not None
    assert info.precision == "outcode"
    assert info.district_code == row["main_lad_code"]
    assert info.latitude is not None and info.longitude is not None
    assert distance_km(info.latitude, info.longitude, float(row["lat"]), float(row["lon"])) < 0.05


def test_unknown_inward_code_falls_back_to_the_outcode() -> None:
    info = locate("WR1 9ZZ")
    assert info is not None
    assert (info.postcode, info.precision) == ("WR1 9ZZ", "outcode")
    assert info.district_name == "Worcester"


@pytest.mark.parametrize("text", [None, "", "   ", "hello", "ZZ9 9ZZ", "QQ1", "WR", "12345",
                                  "WR1 2NN" * 20, "\u0000", "💥"])
def test_no_postcode_gives_none_and_never_raises(text: str | None) -> None:
    assert locate(text) is None


def test_northern_ireland_has_a_district_but_no_coordinates() -> None:
    info = locate("BT1 1AA")
    assert info is not None
    assert info.district_name == "Belfast"
    assert info.latitude is None and info.longitude is None


def test_missing_data_answers_none(tmp_path: Path) -> None:
    empty = PostcodeDirectory(data_dir=tmp_path, lad_names_csv=tmp_path / "none.csv")
    assert empty.find("WR1 2NN") is None
    assert empty.outcode_centroid("WR1") is None
    assert empty.district_name("E07000237") is None


def test_corrupt_letter_file_is_logged_not_raised(tmp_path: Path) -> None:
    (tmp_path / "postcodes_W.msgpack.br").write_bytes(b"not brotli")
    broken = PostcodeDirectory(data_dir=tmp_path)
    assert broken.find("WR1 2NN") is None
