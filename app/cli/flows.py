"""here2help flows check | graph."""

from __future__ import annotations

import click

from app.cli.common import not_built_yet


@click.group("flows")
def flows() -> None:
    """Conversation flows (flows/*.yaml)."""


@flows.command("check")
@click.argument("file", required=False)
def check(file: str | None) -> None:
    """Validate a flow file (default: every flow in flows/)."""
    not_built_yet("flows check", "issue 3")


@flows.command("graph")
@click.argument("file")
def graph(file: str) -> None:
    """Draw a flow as a Mermaid diagram."""
    not_built_yet("flows graph", "issue 3")


def register(cli: click.Group) -> None:
    cli.add_command(flows)
