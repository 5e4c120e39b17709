"""here2help create-user | create-api-token | revoke-api-token | api-tokens list.

The password is read from standard input so it never appears in the shell history or in `ps`:
piped (`printf '%s\\n' "$PW" | here2help create-user ...`), only the first line is used; at a
terminal it is asked for twice with hidden input.
"""

from __future__ import annotations

import sys
from datetime import timedelta

import click

from app.cli.common import CliError, runtime_or_exit
from app.domain.enums import Role
from app.models.base import utcnow
from app.services.staff import accounts as staff
from app.services.staff.duty import DutyError, normalise_staff_phone

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
@click.option("--phone", default=None,
              help="A mobile for duty alerts and the voice hand-over (staff roles).")
def create_user(email: str, role: str, name: str | None, organisation: str | None,
                phone: str | None) -> None:
    """Create a staff account; the password is read from standard input.

    Roles: call_handler and coordinator work cases, admin also manages users, partner may only
    refer cases (and read the cases it referred) through the API.
    """
    try:
        staff.normalise_email(email)
        if phone is not None and role == Role.PARTNER:
            raise staff.StaffError("a partner account has no duty phone")
        phone = normalise_staff_phone(phone) if phone is not None else None
    except (staff.StaffError, DutyError) as exc:
        raise CliError(str(exc)) from None
    password = _read_password()
    runtime = runtime_or_exit()
    with runtime.write_session_factory() as session:
        try:
            user = staff.create_user(session, email, role, password, name=name,
                                     organisation=organisation, phone=phone)
        except staff.StaffError as exc:
            raise CliError(str(exc)) from None
        click.echo(f"created {user.role} {user.email}")


@click.command("create-api-token")
@click.argument("email")
@click.option("--name", default="", help="A label for the token (e.g. the partner system).")
@click.option("--scope", type=click.Choice(staff.TOKEN_SCOPES), default=staff.DEFAULT_TOKEN_SCOPE,
              show_default=True,
              help="reports: aggregate reports only; read: also personal data; write: also "
                   "creating and changing records.")
@click.option("--expires-days", type=click.IntRange(1, staff.MAX_TOKEN_DAYS),
              default=staff.DEFAULT_TOKEN_DAYS, show_default=True,
              help="Days until the token stops working.")
def create_api_token(email: str, name: str, scope: str, expires_days: int) -> None:
    """Print a new API token for the staff account EMAIL on the last line (shown once)."""
    runtime = runtime_or_exit()
    now = utcnow()
    with runtime.write_session_factory() as session:
        try:
            token = staff.create_api_token(session, email, name=name, scope=scope,
                                           expires_days=expires_days, now=now)
        except staff.StaffError as exc:
            raise CliError(str(exc)) from None
    expires = (now + timedelta(days=expires_days)).strftime("%Y-%m-%d")
    click.echo(f"token for {email.strip().lower()}, scope {scope}, expires {expires} "
               "(store it now: it cannot be shown again)")
    click.echo(token)


@click.command("revoke-api-token")
@click.argument("token")
def revoke_api_token(token: str) -> None:
    """Revoke TOKEN (the token itself, or its id from `here2help api-tokens list`) at once."""
    runtime = runtime_or_exit()
    with runtime.session_factory() as session:
        found = staff.find_token(session, token)
        if found is None:
            raise CliError("no such API token (give the token or its id from "
                           "'here2help api-tokens list')")
        staff.revoke_token(session, found.id, utcnow())
        click.echo(f"revoked token {found.id} ({found.prefix}...)")


@click.group("api-tokens")
def api_tokens() -> None:
    """List the API tokens (revoke one with `here2help revoke-api-token`)."""


@api_tokens.command("list")
def list_tokens() -> None:
    """Every token: id, owner, name, scope, state, expiry and when it was last used."""
    runtime = runtime_or_exit()
    now = utcnow()
    with runtime.session_factory() as session:
        rows = staff.list_api_tokens(session)
        click.echo("id\tprefix\temail\trole\tname\tscope\tstate\texpires\tlast_used")
        for token, user in rows:
            click.echo("\t".join((
                str(token.id), token.prefix, user.email, user.role, token.name or "-",
                token.scope, staff.token_state(token, now),
                token.expires_at.strftime("%Y-%m-%d") if token.expires_at else "never",
                token.last_used_at.strftime("%Y-%m-%d %H:%M") if token.last_used_at else "never",
            )))


def register(cli: click.Group) -> None:
    cli.add_command(create_user)
    cli.add_command(create_api_token)
    cli.add_command(revoke_api_token)
    cli.add_command(api_tokens)
