"""here2help create-user | create-api-token.

The password is read from standard input so it never appears in the shell history or in `ps`:
piped (`printf '%s\\n' "$PW" | here2help create-user ...`), only the first line is used; at a
terminal it is asked for twice with hidden input.
"""

from __future__ import annotations

import sys

import click

from app.cli.common import CliError, runtime_or_exit
from app.domain.enums import Role
from app.services.staff import accounts as staff

ROLES = tuple(r.value for r in Role)


def _read_password() -> str:
    if sys.stdin is not None and sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    line = sys.stdin.readline() if sys.stdin is not None else ""
    if not line:
        raise CliError("no password given on standard input")
    return line.rstrip("\r\n")


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True, help="What the user may do.")
@click.option("--name", default=None, help="The person's name, shown in the console.")
@click.option("--organisation", default=None, help="A partner's organisation.")
def create_user(email: str, role: str, name: str | None, organisation: str | None) -> None:
    """Create a staff account; the password is read from standard input.

    Roles: call_handler and coordinator work cases, admin also manages users, partner may only
    refer cases (and read the cases it referred) through the API.
    """
    try:
        staff.normalise_email(email)
    except staff.StaffError as exc:
        raise CliError(str(exc)) from None
    password = _read_password()
    runtime = runtime_or_exit()
    with runtime.write_session_factory() as session:
        try:
            user = staff.create_user(session, email, role, password, name=name,
                                     organisation=organisation)
        except staff.StaffError as exc:
            raise CliError(str(exc)) from None
        click.echo(f"created {user.role} {user.email}")


@click.command("create-api-token")
@click.argument("email")
@click.option("--name", default="", help="A label for the token (e.g. the partner system).")
def create_api_token(email: str, name: str) -> None:
    """Print a new API token for the staff account EMAIL (shown once; store it safely)."""
    runtime = runtime_or_exit()
    with runtime.write_session_factory() as session:
        try:
            token = staff.create_api_token(session, email, name=name)
        except staff.StaffError as exc:
            raise CliError(str(exc)) from None
    click.echo(token)


def register(cli: click.Group) -> None:
    cli.add_command(create_user)
    cli.add_command(create_api_token)
