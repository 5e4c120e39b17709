"""here2help create-user | create-api-token."""

from __future__ import annotations

import click

from app.cli.common import not_built_yet

ROLES = ("call_handler", "coordinator", "admin", "partner")


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
def create_user(email: str, role: str) -> None:
    """Create a staff account; the password is read from standard input."""
    not_built_yet("create-user", "issue 2")


@click.command("create-api-token")
@click.argument("email")
def create_api_token(email: str) -> None:
    """Print a new API token for the staff account EMAIL."""
    not_built_yet("create-api-token", "issue 2")


def register(cli: click.Group) -> None:
    cli.add_command(create_user)
    cli.add_command(create_api_token)
