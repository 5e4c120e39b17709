"""Run `here2help ...` in-process exactly as the console script does (one-line errors, codes)."""

from __future__ import annotations

from click.testing import CliRunner

from app.cli import _register, cli
from app.cli.common import run_guarded

_register()


def invoke(args: list[str], env: dict[str, str], stdin: str | None = None):
    """(exit code, stdout, stderr) of `here2help ARGS` with `env` as the whole environment."""
    runner = CliRunner()
    with runner.isolation(input=stdin, env=env) as streams:
        code = run_guarded(cli, args)
        return code, streams[0].getvalue().decode(), streams[1].getvalue().decode()
