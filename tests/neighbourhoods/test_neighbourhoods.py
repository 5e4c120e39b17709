"""Neighbourhoods: the ONS import (good and bad rows), the postcode-sector fallback, placing new
cases and volunteers, and the backfill, through the service and the `here2help` command."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.cli import main
from app.models import Neighbourhood, NeighbourhoodPostcode
from app.services.cases.intake import CaseDraft, create_case
from app.services.geo.neighbourhoods import (
    ImportRefused,
    backfill_neighbourhoods,
    import_neighbourhoods,
    neighbourhood_code_for,
)
from app.services.volunteers.register import create_volunteer, update_volunteer
from tests.factories import make_case, make_volunteer
from tests.neighbourhoods.ons_files import LOOKUP_LINES, POPULATION_LINES, text

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _import(session, lookup: list[str] = LOOKUP_LINES, population: list[str] = POPULATION_LINES):
    errors: list[tuple[str, int, str]] = []
    report = import_neighbourhoods(session, io.StringIO(text(lookup)),
                                   io.StringIO(text(population)),
                                   on_error=lambda f, n, r: errors.append((f, n, r)))
    return report, errors


def test_import_loads_good_rows_and_reports_bad_ones_by_line(db_session) -> None:
    report, errors = _import(db_session)
    assert report.postcodes == 4
    assert report.neighbourhoods == 3 and report.with_population == 3
    assert report.population_elsewhere == 1
    assert [(f, n) for f, n, _ in errors] == [("lookup", 4), ("lookup", 6), ("lookup", 8),
                                              ("population", 7)]
    assert "is not a postcode" in errors[0][2] and "LSOA code" in errors[1][2]
    assert "repeated" in errors[2][2] and "not a whole number" in errors[3][2]
    areas = {n.code: n for n in db_session.scalars(select(Neighbourhood))}
    assert areas["E01032144"].population == 1734
    assert areas["E01032144"].name == "Worcester 010A"
    assert areas["E01032300"].district_name == "Wyre Forest"
    assert areas["E01032300"].district_code == "E07000239"
    # The first row for a postcode wins; the repeat is reported, not applied.
    assert db_session.get(NeighbourhoodPostcode, "WR1 2NN").neighbourhood_code == "E01032144"


def test_import_accepts_2011_column_names_and_replaces_the_previous_lookup(db_session) -> None:
    _import(db_session)
    lookup = ["PCDS,LSOA11CD,LSOA11NM,LADCD,LADNM",
              "WR1 2NN,E01032999,Worcester 099Z,E07000237,Worcester"]
    population = ["LSOA Code,LSOA Name,All Ages", "E01032999,Worcester 099Z,1999"]
    report, errors = _import(db_session, lookup, population)
    assert errors == [] and report.postcodes == 1 and report.with_population == 1
    assert db_session.scalars(select(Neighbourhood.code)).all() == ["E01032999"]
    assert neighbourhood_code_for(db_session, "wr12nn") == "E01032999"
    assert neighbourhood_code_for(db_session, "WR1 3AA") is None  # gone with the old lookup


@pytest.mark.parametrize(("lookup", "population", "message"), [
    (["postcode_sector,lsoa"], POPULATION_LINES, "no postcode column"),
    (LOOKUP_LINES, ["LSOA 2021 Code,Females"], "no total column"),
    ([], POPULATION_LINES, "the lookup is empty"),
    (LOOKUP_LINES[:1] + LOOKUP_LINES[3:4], POPULATION_LINES, "no usable rows"),
])
def test_import_refuses_files_it_cannot_use(db_session, lookup, population, message) -> None:
    with pytest.raises(ImportRefused, match=message):
        _import(db_session, lookup, population)


def test_without_a_lookup_a_postcode_falls_back_to_its_sector(db_session) -> None:
    assert neighbourhood_code_for(db_session, "wr12nn") == "WR1 2"
    assert neighbourhood_code_for(db_session, "DY10 1AA") == "DY10 1"
    assert neighbourhood_code_for(db_session, "WR1") is None  # an outcode has no sector
    assert neighbourhood_code_for(db_session, "not a postcode\0") is None
    _import(db_session)
    assert neighbourhood_code_for(db_session, "WR1 2NP") == "E01032144"
    # With a lookup loaded, a postcode it lacks has no neighbourhood (no mixed geographies).
    assert neighbourhood_code_for(db_session, "WR5 1AA") is None


def test_new_cases_and_volunteers_are_placed_from_their_postcode(db_session, settings) -> None:
    draft = CaseDraft(channel="sms", need="food", phone="07700 900321", postcode="wr1 2nn")
    assert create_case(db_session, draft, settings=settings, now=NOW).case.neighbourhood_code \
        == "WR1 2"
    _import(db_session)
    draft = CaseDraft(channel="sms", need="food", phone="07700 900322", postcode="WR1 3AA")
    assert create_case(db_session, draft, settings=settings, now=NOW).case.neighbourhood_code \
        == "E01032150"
    volunteer = create_volunteer(db_session, {"name": "Sam", "phone": "07700 900877",
                                              "postcode": "WR1 2NN", "needs": "food"}, NOW)
    assert volunteer.neighbourhood_code == "E01032144"
    update_volunteer(db_session, volunteer, {"postcode": "WR1 3AA"}, NOW)
    assert volunteer.neighbourhood_code == "E01032150"


def test_backfill_places_existing_rows_and_keeps_their_update_time(db_session) -> None:
    placed = make_case(db_session, postcode="WR1 2NN")
    nowhere = make_case(db_session, postcode=None, phone="+447700900010")
    helper = make_volunteer(db_session, postcode="DY10 1AA")
    before = placed.updated_at
    report = backfill_neighbourhoods(db_session)
    assert (report.cases, report.volunteers) >= (2, 1)
    db_session.expire_all()
    assert (placed.neighbourhood_code, nowhere.neighbourhood_code) == ("WR1 2", None)
    assert helper.neighbourhood_code == "DY10 1"
    assert placed.updated_at == before
    _import(db_session)
    backfill_neighbourhoods(db_session)
    db_session.expire_all()
    assert placed.neighbourhood_code == "E01032144" and helper.neighbourhood_code == "E01032300"
    again = backfill_neighbourhoods(db_session)
    assert again.changed == 0


def _run(argv: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def test_the_import_and_backfill_commands(committed_env, monkeypatch, capsys, tmp_path) -> None:
    for name, value in committed_env.items():
        monkeypatch.setenv(name, value)
    lookup, population = tmp_path / "lookup.csv", tmp_path / "population.csv"
    lookup.write_text(text(LOOKUP_LINES), encoding="utf-8-sig")
    population.write_text(text(POPULATION_LINES), encoding="utf-8")
    code, out, err = _run(["neighbourhoods", "import", str(lookup), str(population)], capsys)
    assert code == 0, err
    assert "imported 4 postcodes in 3 neighbourhoods (3 with a population)" in out
    assert "lookup line 4: 'NOT A POSTCODE' is not a postcode" in err
    assert "population line 7: total 'not known' is not a whole number" in err
    code, out, err = _run(["neighbourhoods", "backfill"], capsys)
    assert code == 0 and out.startswith("placed "), err

    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    code, out, err = _run(["neighbourhoods", "import", str(bad), str(population)], capsys)
    assert code == 1 and err.count("\n") == 1 and "no postcode column" in err
    code, _, err = _run(["neighbourhoods", "import", str(tmp_path / "nope.csv"),
                         str(population)], capsys)
    assert code == 1 and "no such file" in err
    code, _, _ = _run(["neighbourhoods", "import", str(lookup)], capsys)
    assert code == 2
