"""The `here2help` command. Each group of commands lives in its own module below.

Exit codes (scripts rely on them): 0 success, 1 a user error with a one-line message, 2 bad usage.
"""

from __future__ import annotations

import sys

import click

from app.cli import (
    db,
    directory,
    duty,
    fallback,
    flows,
    mfa,
    neighbourhoods,
    privacy,
    reports,
    serve,
    simulate,
    users,
    volunteers,
)
from app.cli.common import CliError, run_guarded


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="here2help-line", prog_name="here2help")
def cli() -> None:
    """Here2Help Line: telephone and SMS help-line triage.

    With no configuration it runs on SQLite and an embedded Redis under instance/, and records
    outbound SMS instead of sending them. See the README for the environment variables.
    """


def _register() -> None:
    for module in (serve, db, users, duty, simulate, flows, volunteers, directory, fallback,
                   reports, neighbourhoods, privacy, mfa):
        module.register(cli)


def main(argv: list[str] | None = None) -> None:
    _register()
    sys.exit(run_guarded(cli, argv))


__all__ = ["CliError", "cli", "main"]
