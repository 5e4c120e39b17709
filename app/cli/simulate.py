"""here2help simulate sms | call: talk to a running service as Twilio would.

The service must be running (`here2help serve`); this is a client, not part of the server. See
app/simulator/session.py for how a call's TwiML is followed.
"""

from __future__ import annotations

import sys

import click

from app.cli.common import CliError, settings_or_exit
from app.domain.phone import PhoneKind, parse_phone
from app.settings import Settings
from app.simulator.session import Call, send_sms, sms_params
from app.simulator.transport import DEFAULT_URL, SimulatorError, Transport

#: The help-line number when TWILIO_PHONE_NUMBER is unset: an Ofcom drama number.
DRAMA_HELPLINE = "+441632960000"

url_option = click.option(
    "--url", default=None, metavar="URL",
    help=f"the running service (default PUBLIC_BASE_URL, else {DEFAULT_URL})",
)
from_option = click.option(
    "--from", "from_", required=True, metavar="NUMBER",
    help="the resident's number, e.g. 07700 900123 (or 'anonymous' for a withheld number)",
)


def _caller(raw: str, settings: Settings) -> str:
    parsed = parse_phone(raw, settings.default_region)
    if parsed.kind is PhoneKind.WITHHELD:
        return "anonymous"
    if not parsed.is_number or parsed.e164 is None:
        raise CliError(f"--from {raw!r} is not a phone number ({parsed.reason})")
    return parsed.e164


def _transport(settings: Settings, url: str | None) -> Transport:
    base = (url or settings.public_base_url or DEFAULT_URL).rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise CliError(f"--url must start with http:// or https://, not {base!r}")
    return Transport(base_url=base, token=settings.twilio_auth_token,
                     public_base_url=settings.public_base_url)


@click.group("simulate")
def simulate() -> None:
    """Drive a running service with signed webhooks, printing what the resident sees or hears."""


@simulate.command("sms")
@from_option
@url_option
@click.argument("text", nargs=-1, required=True)
def sms(from_: str, url: str | None, text: tuple[str, ...]) -> None:
    """Send one SMS TEXT from NUMBER and print the reply the resident would read."""
    settings = settings_or_exit()
    transport = _transport(settings, url)
    params = sms_params(settings.twilio_account_sid, _caller(from_, settings),
                        settings.twilio_phone_number or DRAMA_HELPLINE, " ".join(text))
    try:
        bodies = send_sms(transport, params)
    except SimulatorError as exc:
        raise CliError(str(exc)) from None
    if not bodies:
        click.echo("(no reply)")
    click.echo("\n---\n".join(bodies))


@simulate.command("call")
@from_option
@url_option
@click.option("--plain", is_flag=True, help="print 'SAYS:' instead of the 🔊 symbol")
def call(from_: str, url: str | None, plain: bool) -> None:
    """Place a call; type key presses or words at each prompt (empty line = silence)."""
    settings = settings_or_exit()
    interactive = sys.stdin.isatty()

    def read_line(prompt: str) -> str | None:
        line = sys.stdin.readline() if not interactive else _ask(prompt)
        if line is None or (not interactive and line == ""):
            return None
        line = line.rstrip("\n")
        if not interactive:
            click.echo(f"{prompt}{line}")
        return line

    session = Call(
        transport=_transport(settings, url), account_sid=settings.twilio_account_sid,
        from_=_caller(from_, settings), to=settings.twilio_phone_number or DRAMA_HELPLINE,
        read_line=read_line, show=click.echo, say_prefix="SAYS: " if plain else "🔊 ",
    )
    try:
        session.run()
    except SimulatorError as exc:
        raise CliError(str(exc)) from None


def _ask(prompt: str) -> str | None:
    try:
        return input(prompt)
    except EOFError:
        return None


def register(cli: click.Group) -> None:
    cli.add_command(simulate)
