"""here2help reports briefing | csv: the council's figures without opening the console.

Registered by adding `reports` to the modules in app/cli/__init__.py.
"""

from __future__ import annotations

from pathlib import Path

import click

from app.cli.common import CliError, runtime_or_exit
from app.models.base import utcnow
from app.services.reports.briefing_pdf import build_briefing_pdf
from app.services.reports.catalogue import build_report, report_keys
from app.services.reports.files import table_csv
from app.services.reports.tables import Period


@click.group("reports")
def reports() -> None:
    """Reports and the members' briefing."""


def _period(first: str, last: str):
    try:
        return Period.from_months(first, last)
    except ValueError as exc:
        raise CliError(str(exc)) from None


def _write(out: Path, data: bytes) -> None:
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise CliError(f"cannot write {out}: {exc.strerror}") from None


@reports.command("briefing")
@click.option("--month", required=True, help="The month, e.g. 2026-04")
@click.argument("out", type=click.Path(path_type=Path))
def briefing(month: str, out: Path) -> None:
    """Write the one-page members' briefing for MONTH as a PDF."""
    period = _period(month, month)
    runtime = runtime_or_exit()
    with runtime.session_factory() as session:
        data = build_briefing_pdf(session, period, today=utcnow().date())
    _write(out, data)
    click.echo(f"briefing for {month} written to {out}")


@reports.command("csv")
@click.argument("key")
@click.option("--from", "first", required=True, help="First month, e.g. 2026-01")
@click.option("--to", "last", required=True, help="Last month (included), e.g. 2026-03")
@click.argument("out", type=click.Path(path_type=Path))
def csv_report(key: str, first: str, last: str, out: Path) -> None:
    """Write one report (KEY, e.g. requests-by-category) as CSV."""
    if key not in report_keys():
        raise CliError(f"unknown report {key!r}; one of: {', '.join(report_keys())}")
    period = _period(first, last)
    runtime = runtime_or_exit()
    with runtime.session_factory() as session:
        table = build_report(session, key, period, utcnow().date())
    _write(out, table_csv(table).encode("utf-8"))
    click.echo(f"{key} written to {out}")


def register(cli: click.Group) -> None:
    cli.add_command(reports)
