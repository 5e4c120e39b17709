"""here2help simulate sms | call: talk to a running service as Twilio would."""

from __future__ import annotations

import click

from app.cli.common import not_built_yet


@click.group("simulate")
def simulate() -> None:
    """Drive a running service with signed webhooks, printing what the resident sees or hears."""


@simulate.command("sms")
@click.option("--from", "from_", required=True, help="the resident's number")
@click.argument("text", nargs=-1, required=True)
def sms(from_: str, text: tuple[str, ...]) -> None:
    """Send one SMS TEXT from NUMBER and print the reply."""
    not_built_yet("simulate sms", "issue 3")


@simulate.command("call")
@click.option("--from", "from_", required=True, help="the caller's number")
def call(from_: str) -> None:
    """Place a call; type key presses or words at each prompt."""
    not_built_yet("simulate call", "issue 3")


def register(cli: click.Group) -> None:
    cli.add_command(simulate)
