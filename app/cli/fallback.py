"""here2help fallback replay: load what /twilio/fallback journaled into the database, once."""

from __future__ import annotations

import click
from sqlalchemy.exc import OperationalError

from app.adapters.rq_queue import job_queue_for
from app.cli.common import CliError, runtime_or_exit
from app.models.base import utcnow
from app.services.fallback.replay import replay_journal


@click.group("fallback")
def fallback() -> None:
    """The fallback journal (requests captured while the database was down)."""


@fallback.command("replay")
def replay() -> None:
    """Load what the fallback journal captured into the database, exactly once.

    Each entry is loaded in its own transaction and then moved to `replayed/`; running it again
    loads nothing twice. Exit 1 when any entry failed (each is listed; it stays for next time).
    """
    runtime = runtime_or_exit()
    directory = runtime.settings.fallback_journal_dir
    try:
        with runtime.engine.connect():
            pass
    except OperationalError as exc:
        raise CliError(f"cannot reach the database, nothing replayed: {_first_line(exc)}") from None
    summary = replay_journal(runtime.write_session_factory, directory, settings=runtime.settings,
                             job_queue=job_queue_for(runtime), now=utcnow())
    click.echo(summary.line())
    for name, reason in summary.failed:
        click.echo(f"failed: {name}: {reason}", err=True)
    if summary.failed:
        raise click.exceptions.Exit(1)


def _first_line(exc: BaseException) -> str:
    lines = str(getattr(exc, "orig", exc) or exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def register(cli: click.Group) -> None:
    cli.add_command(fallback)
