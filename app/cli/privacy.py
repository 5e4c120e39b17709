"""here2help retention | sar | erase: the data-protection duties, from the command line.

Registered by adding `privacy` to the modules in app/cli/__init__.py.
"""

from __future__ import annotations

import logging

import click

from app.adapters.twilio.recordings import delete_recording
from app.cli.common import runtime_or_exit
from app.db import begin_write
from app.models.base import utcnow
from app.runtime import Runtime
from app.services.privacy.retention import RetentionResult, apply_retention

log = logging.getLogger(__name__)


def run_retention(runtime: Runtime, *, dry_run: bool = False) -> RetentionResult:
    """Apply the configured policy now, deleting recordings at Twilio (the CLI and the job)."""
    settings = runtime.settings
    with runtime.session_factory() as session:
        begin_write(session)
        result = apply_retention(
            session, settings.retention, utcnow(), journal_dir=settings.fallback_journal_dir,
            dry_run=dry_run,
            delete_recording=lambda call: delete_recording(settings, call.recording_url))
        session.commit()
    log.info("%s", result.line())
    return result


@click.command("retention")
@click.option("--dry-run", is_flag=True, help="Only say what would go; change nothing.")
def retention(dry_run: bool) -> None:
    """Anonymise or delete what the retention policy says has been kept long enough.

    The worker runs this daily; the periods are the RETENTION_<KIND>_DAYS settings.
    """
    result = run_retention(runtime_or_exit(), dry_run=dry_run)
    for kind, count in result.counts.items():
        click.echo(f"{kind}: {count}")
    click.echo("dry run: nothing changed" if dry_run else "retention applied")


def register(cli: click.Group) -> None:
    cli.add_command(retention)
