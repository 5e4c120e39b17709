"""here2help volunteers import."""

from __future__ import annotations

import click

from app.cli.common import not_built_yet


@click.group("volunteers")
def volunteers() -> None:
    """The volunteer register."""


@volunteers.command("import")
@click.argument("file")
def import_csv(file: str) -> None:
    """Import volunteers from FILE.csv; each bad row is reported with its line and reason."""
    not_built_yet("volunteers import", "issue 4")


def register(cli: click.Group) -> None:
    cli.add_command(volunteers)
