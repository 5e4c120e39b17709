"""here2help retention | sar | erase: the data-protection duties, from the command line.

Registered by adding `privacy` to the modules in app/cli/__init__.py.
"""

from __future__ import annotations

import logging
from pathlib import Path

import click

from app.adapters.twilio.recordings import recording_deleter
from app.cli.common import CliError, check_redis, runtime_or_exit
from app.db import begin_write
from app.models.base import utcnow
from app.redis_conn import forget_phone
from app.runtime import Runtime
from app.services.privacy.erasure import ErasureRefused, erase_subject
from app.services.privacy.retention import run_retention
from app.services.privacy.subject_access import (
    SubjectError,
    build_zip,
    collect,
    e164_or_error,
    record_export,
)

log = logging.getLogger(__name__)


@click.command("retention")
@click.option("--dry-run", is_flag=True, help="Only say what would go; change nothing.")
def retention(dry_run: bool) -> None:
    """Anonymise or delete what the retention policy says has been kept long enough.

    The worker runs this daily; the periods are the RETENTION_<KIND>_DAYS settings.
    """
    runtime = runtime_or_exit()
    settings = runtime.settings
    result = run_retention(runtime.session_factory, settings.retention, utcnow(),
                           journal_dir=settings.fallback_journal_dir,
                           delete_recording=recording_deleter(settings), dry_run=dry_run)
    for kind, count in result.counts.items():
        click.echo(f"{kind}: {count}")
    click.echo("dry run: nothing changed" if dry_run else "retention applied")


def _phone(raw: str, runtime: Runtime) -> str:
    try:
        return e164_or_error(raw, runtime.settings.default_region)
    except SubjectError as exc:
        raise CliError(str(exc)) from None


@click.command("sar")
@click.option("--phone", required=True, help="The phone number the request is about.")
@click.argument("out", type=click.Path(path_type=Path, dir_okay=False))
def sar(phone: str, out: Path) -> None:
    """Write everything held about a phone number to OUT (a zip of JSON and a PDF).

    The export is recorded in the access log.
    """
    runtime = runtime_or_exit()
    number = _phone(phone, runtime)
    with runtime.session_factory() as session:
        begin_write(session)
        access = collect(session, number, utcnow(), runtime.settings.fallback_journal_dir)
        data = build_zip(access)
        try:
            out.write_bytes(data)
        except OSError as exc:
            raise CliError(f"cannot write {out}: {exc.strerror}") from None
        record_export(session, access, user_id=None)
        session.commit()
    counts = access.counts()
    click.echo(f"{sum(counts.values())} records about {number} written to {out}"
               if counts else f"nothing held about {number}; {out} says so")


@click.command("erase")
@click.option("--phone", required=True, help="The phone number of the person to erase.")
def erase(phone: str) -> None:
    """Erase a person (resident or volunteer) everywhere: tables, fallback journal and Redis.

    Statistics stay, anonymous; an audit row records the erasure. Refused while a
    safeguarding case about them is open.
    """
    runtime = runtime_or_exit()
    number = _phone(phone, runtime)
    settings = runtime.settings
    check_redis(settings, runtime.redis)  # before the database: erase both or neither
    with runtime.session_factory() as session:
        begin_write(session)
        try:
            result = erase_subject(
                session, number, utcnow(), journal_dir=settings.fallback_journal_dir,
                delete_recording=recording_deleter(settings))
        except ErasureRefused as exc:
            raise CliError(f"not erased: {exc}") from None
        session.commit()
    forgotten = forget_phone(runtime.redis, number)
    click.echo(result.line() + (f", redis keys {forgotten}" if forgotten else ""))


def register(cli: click.Group) -> None:
    for command in (retention, sar, erase):
        cli.add_command(command)
