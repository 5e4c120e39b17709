"""here2help neighbourhoods import LOOKUP.csv POPULATION.csv / here2help neighbourhoods backfill.

The import streams both ONS files (progress every 100,000 rows on stderr), reports each bad row
as `lookup line N: reason` / `population line N: reason` on stderr (the first 200 of each
file, then a count), replaces the lookup and neighbourhoods in one transaction and prints the
summary on stdout. Then `backfill` re-places every case and volunteer.
"""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy.exc import OperationalError, ProgrammingError

from app.cli.common import CliError, runtime_or_exit
from app.db import begin_write
from app.services.geo.neighbourhoods import (
    ImportRefused,
    backfill_neighbourhoods,
    import_neighbourhoods,
)

#: Bad rows printed per file; the rest are counted in the summary.
MAX_REPORTED = 200


@click.group("neighbourhoods")
def neighbourhoods() -> None:
    """Neighbourhoods (ONS LSOAs, or postcode sectors until a lookup is loaded)."""


@neighbourhoods.command("import")
@click.argument("lookup", type=click.Path(path_type=Path))
@click.argument("population", type=click.Path(path_type=Path))
def import_files(lookup: Path, population: Path) -> None:
    """Load the ONS postcode-to-LSOA LOOKUP.csv and the LSOA mid-year POPULATION.csv.

    LOOKUP needs pcds (or pcd7/pcd8) and lsoa21cd (or lsoa11cd); lsoa21nm, ladcd and ladnm are
    used when present. POPULATION needs "LSOA 2021 Code" and "Total" (or the 2011-based "LSOA
    Code" and "All Ages"); title lines above the header are skipped.
    """
    for file in (lookup, population):
        if not file.is_file():
            raise CliError(f"{file}: no such file")
    runtime = runtime_or_exit()
    reported = {"lookup": 0, "population": 0}

    def on_error(file: str, line: int, reason: str) -> None:
        reported[file] += 1
        if reported[file] <= MAX_REPORTED:
            click.echo(f"{file} line {line}: {reason}", err=True)

    def progress(file: str, rows: int) -> None:
        click.echo(f"{file}: {rows:,} rows read...", err=True)

    try:
        with lookup.open(newline="", encoding="utf-8-sig", errors="replace") as lookup_file, \
                population.open(newline="", encoding="utf-8-sig",
                                errors="replace") as population_file, \
                runtime.session_factory() as session:
            begin_write(session)
            report = import_neighbourhoods(session, lookup_file, population_file,
                                           progress=progress, on_error=on_error)
            session.commit()
    except ImportRefused as exc:
        raise CliError(str(exc)) from None
    except (OperationalError, ProgrammingError):
        raise CliError("the database is not ready: run `here2help db upgrade` first") from None
    click.echo(report.summary())
    click.echo("run `here2help neighbourhoods backfill` to place existing cases and volunteers")


@neighbourhoods.command("backfill")
def backfill() -> None:
    """Give every case and volunteer the neighbourhood of its postcode (after an import)."""
    runtime = runtime_or_exit()
    try:
        with runtime.session_factory() as session:
            begin_write(session)
            report = backfill_neighbourhoods(session)
            session.commit()
    except (OperationalError, ProgrammingError):
        raise CliError("the database is not ready: run `here2help db upgrade` first") from None
    click.echo(report.summary())


def register(cli: click.Group) -> None:
    cli.add_command(neighbourhoods)
