"""here2help duty on EMAIL | duty off EMAIL | duty list.

The command line acts as an operator on the server, so it may set anyone's duty; the console
lets staff set their own and coordinators anyone's. `duty list` says who is on duty now, by the
switch or by the rota (the same rule the alerts and the voice hand-over use).
"""

from __future__ import annotations

import click

from app.cli.common import CliError, runtime_or_exit
from app.domain.phone import format_for_display
from app.models.base import utcnow
from app.services.staff import accounts as staff
from app.services.staff.duty import DutyError, roster, set_duty


@click.group("duty")
def duty_group() -> None:
    """Who is on duty: texted about safeguarding cases and rung when a caller asks for a person."""


def _switch(email: str, on: bool) -> None:
    try:
        address = staff.normalise_email(email)
    except staff.StaffError as exc:
        raise CliError(str(exc)) from None
    runtime = runtime_or_exit()
    with runtime.session_factory() as session:
        user = staff.get_user_by_email(session, address)
        if user is None:
            raise CliError(f"no user with email {address}")
        try:
            set_duty(session, None, user, on, utcnow())
        except DutyError as exc:
            raise CliError(str(exc)) from None
        session.commit()
        click.echo(f"{user.email} is {'on' if on else 'off'} duty")


@duty_group.command("on")
@click.argument("email")
def duty_on(email: str) -> None:
    """Put EMAIL on duty now (until their rota next starts or ends, if they have one)."""
    _switch(email, True)


@duty_group.command("off")
@click.argument("email")
def duty_off(email: str) -> None:
    """Take EMAIL off duty now (until their rota next starts or ends, if they have one)."""
    _switch(email, False)


@duty_group.command("list")
def duty_list() -> None:
    """Everyone who can hold duty: on or off now, how (switch or rota), and their phone."""
    runtime = runtime_or_exit()
    with runtime.session_factory() as session:
        lines = roster(session, utcnow())
        if not lines:
            click.echo("no staff accounts")
            return
        for line in lines:
            user = line.user
            state = "ON " if line.on_duty else "off"
            how = "rota" if line.by_rota else "switch"
            phone = format_for_display(user.phone) if user.phone else "no phone"
            click.echo(f"{state}  {user.email}  {user.role}  {phone}  ({how})")


def register(cli: click.Group) -> None:
    cli.add_command(duty_group)
