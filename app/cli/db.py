"""here2help db upgrade | downgrade | current."""

from __future__ import annotations

import click

from app import migrate
from app.cli.common import CliError, settings_or_exit


@click.group("db")
def db_group() -> None:
    """Database schema migrations (Alembic)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    settings = settings_or_exit()
    try:
        migrate.upgrade(settings.database_url, revision)
    except Exception as exc:
        raise CliError(f"could not upgrade the database: {_first_line(exc)}") from None
    heads = ", ".join(sorted(migrate.current_heads(settings.database_url))) or "none"
    click.echo(f"database at revision {heads}")


@db_group.command("downgrade")
@click.argument("revision")
def downgrade(revision: str) -> None:
    """Revert migrations down to REVISION ("base" removes every table)."""
    settings = settings_or_exit()
    try:
        migrate.downgrade(settings.database_url, revision)
    except Exception as exc:
        raise CliError(f"could not downgrade the database: {_first_line(exc)}") from None
    heads = ", ".join(sorted(migrate.current_heads(settings.database_url))) or "base"
    click.echo(f"database at revision {heads}")


@db_group.command("current")
def current() -> None:
    """Print the revision the database is at."""
    settings = settings_or_exit()
    heads = ", ".join(sorted(migrate.current_heads(settings.database_url))) or "base"
    click.echo(heads)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def register(cli: click.Group) -> None:
    cli.add_command(db_group)
