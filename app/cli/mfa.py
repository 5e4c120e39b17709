"""here2help mfa reset EMAIL: remove a staff member's authenticator app (a lost phone).

The same rule as the admin console's reset: the factor and its recovery codes go, every session
of the account ends, and the next sign-in asks to enrol again where the role requires it.
"""

from __future__ import annotations

import click

from app.cli.common import CliError, runtime_or_exit
from app.services.staff import accounts as staff
from app.services.staff import mfa as mfa_rules


@click.group("mfa")
def mfa() -> None:
    """Staff multi-factor sign-in (authenticator apps)."""


@mfa.command("reset")
@click.argument("email")
def reset(email: str) -> None:
    """Remove EMAIL's authenticator app and recovery codes, and end its sessions."""
    runtime = runtime_or_exit()
    with runtime.write_session_factory() as session:
        user = staff.get_user_by_email(session, email)
        if user is None:
            raise CliError(f"no staff account with email {email.strip()[:254]!r}")
        had_factor = mfa_rules.is_enrolled(user) or bool(user.mfa_secret)
        mfa_rules.reset(user)
        staff.record_access(session, user_id=None, action="mfa_reset",
                            target=f"staff_user:{user.id}", detail={"by": "cli"})
        click.echo(f"reset {user.email}: "
                   + ("authenticator app removed; " if had_factor else "no authenticator app; ")
                   + "signed out everywhere")


def register(cli: click.Group) -> None:
    cli.add_command(mfa)
