"""here2help mfa reset EMAIL: the same reset as the admin console, from the command line."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import make_engine
from app.models.staff import AccessLogEntry, StaffUser
from tests.api.test_staff_tokens_and_cli import _cli, cli_env  # noqa: F401 (a fixture)
from tests.factories import ENROLLED_AT, PASSWORD, TEST_MFA_SECRET


def test_mfa_reset_removes_the_factor_and_ends_sessions(cli_env):  # noqa: F811
    made = _cli(cli_env, "create-user", "lead@example.org", "--role", "coordinator",
                stdin=PASSWORD + "\n")
    assert made.returncode == 0, made.stderr
    engine = make_engine(cli_env["DATABASE_URL"])
    try:
        with Session(engine) as session:
            user = session.scalar(select(StaffUser).where(StaffUser.email == "lead@example.org"))
            user.mfa_secret, user.mfa_enrolled_at = TEST_MFA_SECRET, ENROLLED_AT
            user.mfa_recovery_hashes = ["0" * 64]
            version = user.session_version
            session.commit()
        result = _cli(cli_env, "mfa", "reset", "LEAD@example.org")
        assert result.returncode == 0, result.stderr
        assert "authenticator app removed" in result.stdout
        with Session(engine) as session:
            user = session.scalar(select(StaffUser).where(StaffUser.email == "lead@example.org"))
            assert (user.mfa_secret, user.mfa_enrolled_at, user.mfa_recovery_hashes) == (
                None, None, None)
            assert user.session_version == version + 1
            assert session.scalar(select(AccessLogEntry).where(
                AccessLogEntry.action == "mfa_reset")) is not None
    finally:
        engine.dispose()


def test_mfa_reset_errors_are_one_line(cli_env):  # noqa: F811
    unknown = _cli(cli_env, "mfa", "reset", "ghost@example.org")
    assert unknown.returncode == 1 and "no staff account" in unknown.stderr
    assert len(unknown.stderr.strip().splitlines()) == 1
    assert _cli(cli_env, "mfa", "reset").returncode == 2
