"""here2help directory import | export | pdf."""

from __future__ import annotations

import json
from pathlib import Path

import click
from sqlalchemy.exc import OperationalError, ProgrammingError

from app.cli.common import CliError, runtime_or_exit
from app.models.base import utcnow
from app.services.directory.feeds import (
    district_of_postcode,
    http_get_json,
    point_of_postcode,
    sync_feeds,
)
from app.services.directory.hsds_export import export_document, validate_services
from app.services.directory.hsds_feeds import FeedError
from app.services.directory.hsds_import import ImportSource
from app.services.directory.hsds_import import import_file as run_import
from app.services.directory.pdf import build_directory_pdf


@click.group("directory")
def directory() -> None:
    """The Community Services Directory."""


def _progress(n: int, total: int) -> None:
    if n == total or n % 50 == 0:
        click.echo(f"\rchecked {n}/{total} records", err=True, nl=n == total)


@directory.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--area", "areas", multiple=True, metavar="DISTRICT",
              help="A district the file's services cover when they have no location "
                   "(repeat for several); they then match every district given.")
def import_file(file: Path, areas: tuple[str, ...]) -> None:
    """Import Open Referral (HSDS 3.0 / UK profile) JSON, or CSV (a tabular package directory
    or .zip, or a single services CSV). Re-importing updates entries by their HSDS id."""
    areas = tuple(dict.fromkeys(a.strip() for a in areas if a.strip()))
    if any(len(a) > 80 or "\x00" in a for a in areas):
        raise click.UsageError("--area takes a district name (up to 80 characters)")
    runtime = runtime_or_exit()
    try:
        with runtime.write_session_factory() as session:
            result = run_import(session, file, progress=_progress,
                                district_of=district_of_postcode, point_of=point_of_postcode,
                                source=ImportSource(areas))
    except FeedError as exc:
        raise CliError(str(exc)) from None
    except (OperationalError, ProgrammingError):
        raise CliError("the database is not ready: run `here2help db upgrade` first") from None
    for n, record_id, reason in result.errors:
        click.echo(f"record {n} (id {record_id or 'missing'}): {reason}", err=True)
    click.echo(result.summary())
    if result.imported == 0:
        raise CliError("nothing was imported")


@directory.command("sync")
def sync() -> None:
    """Sync the directory from every live feed in DIRECTORY_FEEDS now (the worker also does
    this daily). A failing feed keeps its entries; exit 1 if any feed failed."""
    runtime = runtime_or_exit()
    specs = runtime.settings.directory_feeds
    if not specs:
        raise CliError("DIRECTORY_FEEDS is not set: nothing to sync")
    try:
        with runtime.session_factory() as session:
            outcomes = sync_feeds(session, specs, get=http_get_json(), now=utcnow(),
                                  district_of=district_of_postcode)
    except (OperationalError, ProgrammingError):
        raise CliError("the database is not ready: run `here2help db upgrade` first") from None
    for outcome in outcomes:
        click.echo(outcome.summary())
    failed = [o for o in outcomes if o.error]
    if failed:
        raise CliError(f"{len(failed)} of {len(outcomes)} feeds failed; their entries are kept")


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
