"""Run `here2help` in-process and capture what it prints."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.cli import _register, cli
from app.cli.common import run_guarded


@pytest.fixture
def here2help(capsys, monkeypatch, tmp_path) -> Callable[..., tuple[int, str, str]]:
    monkeypatch.setenv("HERE2HELP_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "test-token")
    _register()

    def run(*argv: str) -> tuple[int, str, str]:
        code = run_guarded(cli, list(argv))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run
