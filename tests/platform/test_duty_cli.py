"""here2help create-user --phone, duty on / off / list: one-line errors, exit codes."""

from __future__ import annotations

import pytest

from tests.api.test_staff_tokens_and_cli import PASSWORD, _cli, cli_env  # noqa: F401


def test_create_user_with_phone_then_duty_on_list_off(cli_env) -> None:  # noqa: F811
    made = _cli(cli_env, "create-user", "duty@example.org", "--role", "coordinator",
                "--name", "Dee Duty", "--phone", "07700 900123", stdin=PASSWORD + "\n")
    assert made.returncode == 0, made.stderr
    assert _cli(cli_env, "duty", "list").stdout.count("off  duty@example.org") == 1
    on = _cli(cli_env, "duty", "on", "DUTY@example.org")
    assert on.returncode == 0 and on.stdout.strip() == "duty@example.org is on duty"
    listed = _cli(cli_env, "duty", "list").stdout
    assert "ON   duty@example.org  coordinator  07700 900123  (switch)" in listed
    assert _cli(cli_env, "duty", "off", "duty@example.org").returncode == 0
    assert "off  duty@example.org" in _cli(cli_env, "duty", "list").stdout


@pytest.mark.parametrize(("args", "stdin", "code", "message"), [
    (("create-user", "p@example.org", "--role", "admin", "--phone", "hello"), PASSWORD + "\n",
     1, "not a phone number"),
    (("create-user", "p@example.org", "--role", "partner", "--phone", "07700900124"),
     PASSWORD + "\n", 1, "partner"),
    (("duty", "on", "ghost@example.org"), "", 1, "no user"),
    (("duty", "on", "not-an-email"), "", 1, "not an email"),
    (("duty", "on"), "", 2, "EMAIL"),
    (("duty", "sideways", "x@example.org"), "", 2, "No such command"),
])
def test_duty_cli_errors_are_one_line(cli_env, args, stdin, code, message) -> None:  # noqa: F811
    result = _cli(cli_env, *args, stdin=stdin)
    assert result.returncode == code, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    if code == 1:
        assert len(result.stderr.strip().splitlines()) == 1


def test_going_on_duty_without_a_phone_is_refused(cli_env) -> None:  # noqa: F811
    assert _cli(cli_env, "create-user", "nophone@example.org", "--role", "call_handler",
                stdin=PASSWORD + "\n").returncode == 0
    result = _cli(cli_env, "duty", "on", "nophone@example.org")
    assert result.returncode == 1 and "no mobile number" in result.stderr
