"""here2help directory import | export | pdf."""

from __future__ import annotations

import json
from pathlib import Path

import click
from sqlalchemy.exc import OperationalError, ProgrammingError

from app.cli.common import CliError, runtime_or_exit
from app.models.base import utcnow
from app.services.directory.hsds_export import export_document, validate_services
from app.services.directory.hsds_feeds import FeedError
from app.services.directory.hsds_import import import_file as run_import
from app.services.directory.pdf import build_directory_pdf
from app.services.geo.postcodes import locate


@click.group("directory")
def directory() -> None:
    """The Community Services Directory."""


def _district_of(postcode: str | None) -> str | None:
    location = locate(postcode)
    return location.district_name if location else None


def _progress(n: int, total: int) -> None:
    if n == total or n % 50 == 0:
        click.echo(f"\rchecked {n}/{total} records", err=True, nl=n == total)


@directory.command("import")
@click.argument("file", type=click.Path(path_type=Path))
def import_file(file: Path) -> None:
    """Import Open Referral (HSDS 3.0 / UK profile) JSON, or CSV (a tabular package directory
    or .zip, or a single services CSV). Re-importing updates entries by their HSDS id."""
    runtime = runtime_or_exit()
    try:
        with runtime.write_session_factory() as session:
            result = run_import(session, file, progress=_progress,
                                district_of=_district_of)
    except FeedError as exc:
        raise CliError(str(exc)) from None
    except (OperationalError, ProgrammingError):
        raise CliError("the database is not ready: run `here2help db upgrade` first") from None
    for n, record_id, reason in result.errors:
        click.echo(f"record {n} (id {record_id or 'missing'}): {reason}", err=True)
    click.echo(result.summary())
    if result.imported == 0:
        raise CliError("nothing was imported")


@directory.command("export")
@click.argument("out", type=click.Path(path_type=Path))
def export(out: Path) -> None:
    """Write the directory as Open Referral HSDS 3.0 JSON (validated against the schemas)."""
    runtime = runtime_or_exit()
    with runtime.session_factory() as session:
        document = export_document(session)
    errors = validate_services(document)
    if errors:
        raise CliError(f"the export does not validate: {errors[0]}")
    try:
        out.write_text(json.dumps(document, indent=1, ensure_ascii=False), encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot write {out}: {exc.strerror}") from None
    click.echo(f"{document['total_items']} services written to {out}")


@directory.command("pdf")
@click.argument("out", type=click.Path(path_type=Path))
def pdf(out: Path) -> None:
    """Write the whole directory as a large-type PDF grouped by need and district."""
    runtime = runtime_or_exit()
    with runtime.session_factory() as session:
        data = build_directory_pdf(session, today=utcnow().date(),
                                   review_months=runtime.settings.directory_review_months)
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise CliError(f"cannot write {out}: {exc.strerror}") from None
    click.echo(f"directory written to {out}")


def register(cli: click.Group) -> None:
    cli.add_command(directory)
