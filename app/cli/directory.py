"""here2help directory import | pdf."""

from __future__ import annotations

import click

from app.cli.common import not_built_yet


@click.group("directory")
def directory() -> None:
    """The Community Services Directory."""


@directory.command("import")
@click.argument("file")
def import_file(file: str) -> None:
    """Import Open Referral (HSDS / UK profile) JSON or CSV."""
    not_built_yet("directory import", "issue 6")


@directory.command("pdf")
@click.argument("out")
def pdf(out: str) -> None:
    """Write the whole directory as a PDF."""
    not_built_yet("directory pdf", "issue 6")


def register(cli: click.Group) -> None:
    cli.add_command(directory)
