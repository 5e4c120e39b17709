"""Staff accounts and API tokens (service), and the create-user / create-api-token commands."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from argon2 import profiles

from app.models.staff import ApiToken, StaffUser
from app.services.staff import accounts as staff
from app.services.staff.passwords import verify_password

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)

PASSWORD = "correct horse battery staple"


def test_create_user_normalises_email_and_hashes_password(db_session):
    user = staff.create_user(db_session, "  Edna.Smith@Example.ORG ", "coordinator", PASSWORD)
    assert user.email == "edna.smith@example.org"
    assert user.password_hash.startswith("$argon2id$")
    assert verify_password(user.password_hash, PASSWORD)


def test_the_service_hashes_with_rfc_9106s_low_memory_profile():
    """The suite hashes cheaply (tests/plugins/fast_passwords.py); the service must not."""
    from tests.plugins import fast_passwords

    assert fast_passwords.PRODUCTION_PARAMETERS == profiles.RFC_9106_LOW_MEMORY
    assert profiles.RFC_9106_LOW_MEMORY.memory_cost >= 64 * 1024


@pytest.mark.parametrize(("email", "role", "password", "error"), [
    ("not-an-email", "admin", PASSWORD, staff.BadEmail),
    ("a@example.org", "boss", PASSWORD, staff.StaffError),
    ("a@example.org", "admin", "short", staff.BadPassword),
])
def test_create_user_refuses_bad_input(db_session, email, role, password, error):
    with pytest.raises(error):
        staff.create_user(db_session, email, role, password)


def test_duplicate_email_is_a_domain_error(db_session):
    staff.create_user(db_session, "dup@example.org", "admin", PASSWORD)
    with pytest.raises(staff.DuplicateEmail):
        staff.create_user(db_session, "DUP@example.org", "partner", PASSWORD)


def test_token_round_trip(db_session):
    db_session.add(StaffUser(email="t@example.org", role="partner", password_hash="x"))
    db_session.commit()
    raw = staff.create_api_token(db_session, "T@example.org", name="referrals", now=NOW)
    assert raw.startswith("h2h_") and len(raw) >= 40
    stored = db_session.query(ApiToken).one()
    assert stored.token_hash == staff.hash_token(raw) and stored.prefix == raw[:12]
    assert staff.authenticate_token(db_session, raw, NOW).email == "t@example.org"
    assert staff.authenticate_token(db_session, raw + "x", NOW) is None
    assert staff.authenticate_token(db_session, raw[:-1], NOW) is None
    assert staff.authenticate_token(db_session, None, NOW) is None
    with pytest.raises(staff.UnknownUser):
        staff.create_api_token(db_session, "nobody@example.org", now=NOW)


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory):
    """An instance/ with a migrated SQLite database, shared by this module's CLI tests."""
    from app import migrate

    path = tmp_path_factory.mktemp("cli")
    url = f"sqlite:///{path / 'cli.sqlite3'}"
    migrate.upgrade(url)
    return {"HERE2HELP_INSTANCE": str(path), "DATABASE_URL": url, "REDIS_URL": ""}


def _cli(env, *args, stdin=""):
    """In-process through the same guard as the installed `here2help` (exit codes, one line)."""
    from click.testing import CliRunner

    from app.cli import _register, cli
    from app.cli.common import run_guarded

    _register()
    runner = CliRunner()
    with runner.isolation(input=stdin, env=env) as streams:
        out, err = streams[0], streams[1]
        code = run_guarded(cli, list(args))
        return subprocess.CompletedProcess(args, code, out.getvalue().decode(),
                                           err.getvalue().decode())


def test_cli_create_user_and_token(cli_env):
    made = _cli(cli_env, "create-user", "Sam@Example.org", "--role", "partner",
                stdin=PASSWORD + "\nignored second line\n")
    assert made.returncode == 0, made.stderr
    assert "sam@example.org" in made.stdout
    token = _cli(cli_env, "create-api-token", "sam@example.org")
    assert token.returncode == 0
    assert token.stdout.strip().splitlines()[-1].startswith("h2h_")


@pytest.mark.parametrize(("args", "stdin", "code", "message"), [
    (("create-user", "bad-email", "--role", "admin"), PASSWORD + "\n", 1, "not an email"),
    (("create-user", "x@example.org", "--role", "admin"), "short\n", 1, "at least 12"),
    (("create-user", "x@example.org", "--role", "admin"), "", 1, "no password"),
    (("create-user", "x@example.org", "--role", "king"), PASSWORD + "\n", 2, "--role"),
    (("create-user", "x@example.org"), PASSWORD + "\n", 2, "--role"),
    (("create-api-token", "ghost@example.org"), "", 1, "no user"),
    (("create-api-token",), "", 2, "EMAIL"),
])
def test_cli_errors_are_one_line(cli_env, args, stdin, code, message):
    result = _cli(cli_env, *args, stdin=stdin)
    assert result.returncode == code, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    if code == 1:
        assert len(result.stderr.strip().splitlines()) == 1


def test_cli_duplicate_user(cli_env):
    assert _cli(cli_env, "create-user", "d@example.org", "--role", "admin",
                stdin=PASSWORD + "\n").returncode == 0
    again = _cli(cli_env, "create-user", "D@example.org", "--role", "admin",
                 stdin=PASSWORD + "\n")
    assert again.returncode == 1 and "already exists" in again.stderr


@pytest.mark.slow
def test_installed_command_reads_a_piped_password(cli_env):
    """The real `here2help` process: password piped on stdin, token printed alone."""
    env = {**os.environ, **cli_env}
    here2help = [sys.executable, "-c", "from app.cli import main; main()"]
    made = subprocess.run([*here2help, "create-user", "pipe@example.org", "--role", "admin"],
                          input=PASSWORD + "\n", text=True, capture_output=True, env=env,
                          timeout=120)
    assert made.returncode == 0, made.stderr
    token = subprocess.run([*here2help, "create-api-token", "pipe@example.org"], text=True,
                           capture_output=True, env=env, timeout=120)
    assert token.returncode == 0 and token.stdout.strip().splitlines()[-1].startswith("h2h_")


def _live(cli_env, raw: str) -> bool:
    """Whether the token would be accepted now (the API's own check, on the CLI's database)."""
    from sqlalchemy.orm import Session

    from app.db import make_engine
    from app.models.base import utcnow

    engine = make_engine(cli_env["DATABASE_URL"])
    try:
        with Session(engine) as session:
            return staff.authenticate(session, raw, utcnow()) is not None
    finally:
        engine.dispose()


def test_cli_token_scope_expiry_list_and_revoke(cli_env):
    assert _cli(cli_env, "create-user", "scoped@example.org", "--role", "coordinator",
                stdin=PASSWORD + "\n").returncode == 0
    made = _cli(cli_env, "create-api-token", "scoped@example.org", "--name", "council BI",
                "--scope", "reports", "--expires-days", "7")
    assert made.returncode == 0, made.stderr
    raw = made.stdout.strip().splitlines()[-1]
    assert raw.startswith("h2h_") and "scope reports" in made.stdout
    assert _live(cli_env, raw)
    listed = _cli(cli_env, "api-tokens", "list")
    [row] = [line.split("\t") for line in listed.stdout.splitlines()
             if "scoped@example.org" in line and "council BI" in line]
    token_id, prefix, scope, state = row[0], row[1], row[5], row[6]
    assert raw.startswith(prefix) and scope == "reports" and state == "active"
    assert _cli(cli_env, "revoke-api-token", token_id).returncode == 0
    assert not _live(cli_env, raw)
    listed = _cli(cli_env, "api-tokens", "list").stdout
    assert f"{token_id}\t{prefix}" in listed and "\trevoked\t" in listed
    # By the token itself, too.
    other = _cli(cli_env, "create-api-token", "scoped@example.org").stdout.splitlines()[-1]
    assert _cli(cli_env, "revoke-api-token", other).returncode == 0
    assert not _live(cli_env, other)


@pytest.mark.parametrize(("args", "code", "message"), [
    (("create-api-token", "x@example.org", "--scope", "admin"), 2, "--scope"),
    (("create-api-token", "x@example.org", "--expires-days", "0"), 2, "--expires-days"),
    (("revoke-api-token", "h2h_not-a-token"), 1, "no such API token"),
    (("revoke-api-token", "999999"), 1, "no such API token"),
])
def test_cli_token_errors(cli_env, args, code, message):
    result = _cli(cli_env, *args)
    assert result.returncode == code and message in result.stderr
    assert "Traceback" not in result.stderr
