"""here2help volunteers import FILE.csv (columns: see app/services/volunteers/csv_import.py).

Each bad row is printed to stderr as `line N: reason` as it is found; progress every 1,000
rows on stderr; the summary on stdout. Exit 0 when any row was imported, else 1.
"""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy.exc import OperationalError, ProgrammingError

from app.cli.common import CliError, runtime_or_exit
from app.models.base import utcnow
from app.services.volunteers.csv_import import ImportRefused, import_volunteers_csv


@click.group("volunteers")
def volunteers() -> None:
    """The volunteer register."""


@volunteers.command("import")
@click.argument("file", type=click.Path(path_type=Path))
def import_csv(file: Path) -> None:
    """Import volunteers from FILE.csv; each bad row is reported with its line and reason.

    Required columns: name, phone, postcode, needs (e.g. food;prescriptions). Optional:
    max_distance_km, dbs_status, dbs_expires_on, kind, contact_name, capacity, email, active,
    availability, max_open_assignments, notes. A known phone number updates that volunteer.
    """
    if not file.is_file():
        raise CliError(f"{file}: no such file")
    runtime = runtime_or_exit()
    try:
        with file.open(newline="", encoding="utf-8-sig") as handle, \
                runtime.write_session_factory() as session:
            report = import_volunteers_csv(
                session, handle, utcnow(),
                progress=lambda n: click.echo(f"{n} rows read...", err=True),
                on_error=lambda line, reason: click.echo(f"line {line}: {reason}", err=True))
    except UnicodeDecodeError:
        raise CliError(f"{file}: not UTF-8 text (save the sheet as CSV UTF-8)") from None
    except ImportRefused as exc:
        raise CliError(f"{file}: {exc}") from None
    except (OperationalError, ProgrammingError):
        raise CliError("the database is not ready: run `here2help db upgrade` first") from None
    click.echo(report.summary())
    if report.imported == 0:
        raise CliError("no volunteers were imported")


def register(cli: click.Group) -> None:
    cli.add_command(volunteers)
