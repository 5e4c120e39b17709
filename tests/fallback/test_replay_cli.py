"""`here2help fallback replay` as a command, on a committed database (exit codes, summary)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from app.models.base import utcnow
from app.models.message import Message
from app.services.fallback.journal import make_entry, write_entry
from tests.fallback.conftest import closed_port
from tests.fallback.payloads import call_params, sms_params
from tests.simulate.helpers import invoke


def journal_dir(env: dict[str, str]) -> Path:
    return Path(env["HERE2HELP_INSTANCE"]) / "fallback-journal"


def journal(env: dict[str, str], params: dict[str, str]) -> None:
    entry = make_entry(url="https://h2h.example/twilio/fallback", form=params.items(),
                       headers={"X-Twilio-Signature": "sig"}, received_at=utcnow())
    write_entry(journal_dir(env), entry)


def test_replay_command_summary_rerun_and_failures(committed_env, committed_runtime):
    for n in range(3):
        journal(committed_env, sms_params(n))
    journal(committed_env, call_params(1))
    code, out, err = invoke(["fallback", "replay"], committed_env)
    assert (code, out, err) == (0, "replayed 4 entries: 3 SMS, 1 call; 0 failed\n", "")
    with committed_runtime.session_factory() as session:
        inbound = session.scalar(select(func.count()).select_from(Message).where(
            Message.direction == "inbound"))
        assert inbound == 3

    code, out, _err = invoke(["fallback", "replay"], committed_env)
    assert (code, out) == (0, "replayed 0 entries: 0 SMS, 0 calls; 0 failed\n")

    (journal_dir(committed_env) / "sms-SMbad.json").write_text("{")
    code, out, err = invoke(["fallback", "replay"], committed_env)
    assert code == 1
    assert out == "replayed 0 entries: 0 SMS, 0 calls; 1 failed\n"
    assert err.startswith("failed: sms-SMbad.json: unreadable") and len(err.splitlines()) == 1


def test_replay_with_the_database_down_is_one_line_and_keeps_the_journal(committed_env):
    journal(committed_env, sms_params(1))
    env = {**committed_env, "DATABASE_URL":
           f"postgresql://postgres@127.0.0.1:{closed_port()}/x?connect_timeout=1"}
    code, out, err = invoke(["fallback", "replay"], env)
    assert code == 1 and out == ""
    assert err.startswith("error: cannot reach the database, nothing replayed")
    assert len(err.splitlines()) == 1
    assert len(list(journal_dir(committed_env).glob("*.json"))) == 1
