"""Every command: `--help` works; a bad configuration is one line on stderr and exit 1."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest

from app.cli import _register, cli, main
from app.models.base import utcnow
from app.services.demo.seed import DEMO_EMAIL_DOMAIN, DemoReport, seed_demo
from app.settings import PROJECT_ROOT

_register()


def _all_commands(group: click.Group = cli, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in sorted(group.commands.items()):
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found += _all_commands(command, (*prefix, name))
    return found


def _run(argv: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


@pytest.mark.parametrize("command", _all_commands(), ids=" ".join)
def test_every_command_has_help(command, capsys) -> None:
    code, out, err = _run([*command, "--help"], capsys)
    assert code == 0, err
    assert out.startswith("Usage: here2help " + " ".join(command))


MY_COMMANDS = [["serve"], ["web"], ["worker"], ["seed-demo"], ["serve", "--port", "5999"]]
BAD_CONFIG = [
    {"DATABASE_URL": "nonsense"},
    {"OFFER_TIMEOUT_SECONDS": "abc"},
    {"REDIS_URL": "http://not-redis"},
]


@pytest.mark.parametrize("command", MY_COMMANDS, ids=" ".join)
@pytest.mark.parametrize("bad", BAD_CONFIG, ids=lambda d: next(iter(d)))
def test_bad_configuration_is_one_line_and_exit_1(command, bad, monkeypatch, tmp_path,
                                                   capsys) -> None:
    monkeypatch.setenv("HERE2HELP_INSTANCE", str(tmp_path))
    for name, value in bad.items():
        monkeypatch.setenv(name, value)
    code, out, err = _run(command, capsys)
    assert code == 1
    assert err.count("\n") == 1 and err.startswith("error: ") and next(iter(bad)) in err
    assert "Traceback" not in out + err


def test_bad_configuration_from_a_real_process(tmp_path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HERE2HELP_INSTANCE": str(tmp_path),
           "DATABASE_URL": "nonsense"}
    done = subprocess.run([sys.executable, "-c", "from app.cli import main; main()", "worker"],
                          env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "error: DATABASE_URL is not a database URL: 'nonsense'"]


def test_worker_says_so_when_redis_is_unreachable(monkeypatch, tmp_path, capsys) -> None:
    monkeypatch.setenv("HERE2HELP_INSTANCE", str(tmp_path))
    monkeypatch.setenv("REDIS_URL", "redis://:secret@127.0.0.1:9/0")
    code, _out, err = _run(["worker"], capsys)
    assert code == 1
    assert err.startswith("error: cannot reach Redis at redis://:***@127.0.0.1:9/0")
    assert err.count("\n") == 1 and "secret" not in err


@pytest.mark.clock
def test_seed_demo_is_idempotent_and_marked(db_session) -> None:
    first = seed_demo(db_session, utcnow().date())
    assert isinstance(first, DemoReport)
    assert {role for _email, role in first.staff_created} == {
        "call_handler", "coordinator", "admin", "partner"}
    assert all(email.endswith("@" + DEMO_EMAIL_DOMAIN) for email, _ in first.staff_created)
    second = seed_demo(db_session, utcnow().date())
    assert second.staff_created == [] and second.staff_existing == 4
    assert all(count == 0 for count in second.seeded.values())


@pytest.mark.clock
def test_seed_demo_command_prints_what_it_loaded(committed_env, monkeypatch, capsys) -> None:
    for name, value in committed_env.items():
        monkeypatch.setenv(name, value)
    # A PostgreSQL test database is a deliberate demo server here: say so with --force.
    seed = ["seed-demo"] if committed_env["DATABASE_URL"].startswith("sqlite") else \
        ["seed-demo", "--force"]
    code, out, err = _run(seed, capsys)
    assert code == 0, err
    assert "admin@demo.here2help.invalid (admin)" in out
    assert "demo staff password" in out
    code, out, _ = _run(seed, capsys)
    assert code == 0 and "already present: 4" in out and "password" not in out


@pytest.mark.parametrize(("env", "word"), [
    ({"DATABASE_URL": "postgresql://h2h@127.0.0.1:9/prod", "SECRET_KEY": "k"}, "PostgreSQL"),
    ({"SMS_BACKEND": "twilio", "TWILIO_ACCOUNT_SID": "AC" + "2" * 32,
      "TWILIO_AUTH_TOKEN": "a-real-looking-token"}, "Twilio"),
])
def test_seed_demo_refuses_a_production_set_up(env, word, monkeypatch, tmp_path,
                                               capsys) -> None:
    monkeypatch.setenv("HERE2HELP_INSTANCE", str(tmp_path))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code, _out, err = _run(["seed-demo"], capsys)
    assert code == 1 and err.count("\n") == 1 and word in err and "--force" in err


def test_secret_key_is_required_with_postgresql(monkeypatch, tmp_path, capsys) -> None:
    monkeypatch.setenv("HERE2HELP_INSTANCE", str(tmp_path))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://h2h@127.0.0.1:9/prod")
    code, _out, err = _run(["web"], capsys)
    assert code == 1 and err.count("\n") == 1 and "SECRET_KEY must be set" in err


def test_instance_files_are_private_and_the_key_is_kept(tmp_path) -> None:
    import stat

    from app.db import make_engine
    from app.settings import load_settings

    instance = tmp_path / "instance"
    first = load_settings({"HERE2HELP_INSTANCE": str(instance)})
    second = load_settings({"HERE2HELP_INSTANCE": str(instance)})
    assert first.secret_key == second.secret_key and first.secret_key_is_generated
    make_engine(first.database_url).dispose()
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700
    for path in instance.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
