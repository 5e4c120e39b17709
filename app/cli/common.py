"""What every command shares: settings and runtime from the environment, one-line errors."""

from __future__ import annotations

import logging
import os
import sys

import click
from redis import Redis
from redis.exceptions import RedisError

from app.redis_conn import safe_url
from app.runtime import Runtime
from app.settings import ConfigError, Settings, load_settings


class CliError(click.ClickException):
    """A user error: printed as one line, exit status 1."""

    exit_code = 1

    def show(self, file=None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


def settings_or_exit() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        raise CliError(str(exc)) from None


def runtime_or_exit() -> Runtime:
    return Runtime.build(settings_or_exit())


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (or its type): CLI errors are one line."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def check_redis(settings: Settings, redis: Redis) -> None:
    """Fail in one line when Redis is unreachable (its config is checked by the worker)."""
    try:
        redis.ping()
    except RedisError as exc:
        where = safe_url(settings.redis_url) if settings.redis_url else "embedded Redis"
        raise CliError(f"cannot reach Redis at {where}: {first_line(exc)}") from None


def run_guarded(command: click.Command, argv: list[str] | None) -> int:
    """Run click in standalone=False mode so no exception escapes as a traceback."""
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "WARNING").upper())
    try:
        result = command.main(args=argv, prog_name="here2help", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 1
    except click.UsageError as exc:
        exc.show()
        return 2
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except ConfigError as exc:
        click.echo(f"error: {exc}", err=True)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if os.environ.get("HERE2HELP_DEBUG"):
            raise
        detail = str(exc).splitlines()[0] if str(exc) else ""
        click.echo(f"error: {type(exc).__name__}: {detail} (HERE2HELP_DEBUG=1 shows more)",
                   err=True)
        return 1
    if isinstance(result, int):
        return result
    return 0


def echo_err(message: str) -> None:
    click.echo(message, err=True, file=sys.stderr)
