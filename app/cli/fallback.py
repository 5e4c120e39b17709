"""here2help fallback replay."""

from __future__ import annotations

import click

from app.cli.common import not_built_yet


@click.group("fallback")
def fallback() -> None:
    """The fallback journal (requests captured while the database was down)."""


@fallback.command("replay")
def replay() -> None:
    """Load what the fallback journal captured into the database, exactly once."""
    not_built_yet("fallback replay", "issue 3")


def register(cli: click.Group) -> None:
    cli.add_command(fallback)
