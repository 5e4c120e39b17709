"""`here2help sar` and `here2help erase` on a committed database, the journal and Redis."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from sqlalchemy import select

from app.models.staff import AccessLogEntry
from app.services.privacy.coverage import COVERAGE
from tests.privacy.planting import MESSAGE_SID, PHONE, journal_mentioning, plant
from tests.privacy.test_subject_access import _holding
from tests.simulate.helpers import invoke


def _journal(env: dict[str, str]) -> Path:
    return Path(env["HERE2HELP_INSTANCE"]) / "fallback-journal"


def _redis_mentions(redis, phone: str) -> list[bytes]:
    found = []
    for key in redis.scan_iter(count=1000):
        value = redis.dump(key) or b""
        if phone.encode() in key or phone.encode() in value:
            found.append(key)
    return found


def test_sar_then_erase_from_the_command_line(committed_env, committed_runtime, redis_conn,
                                              tmp_path):
    with committed_runtime.session_factory() as session:
        plant(session, [entry.table for entry in COVERAGE])
        session.commit()
    journal_mentioning(_journal(committed_env), PHONE, MESSAGE_SID)
    redis_conn.set(f"h2h:test:last-caller:{PHONE}", "1")

    out = tmp_path / "sar.zip"
    code, stdout, err = invoke(["sar", "--phone", "07700 900123", str(out)], committed_env)
    assert (code, err) == (0, "") and f"about {PHONE} written to {out}" in stdout
    data = json.loads(zipfile.ZipFile(io.BytesIO(out.read_bytes())).read("subject-access.json"))
    assert data["tables"]["residents"][0]["phone"] == PHONE

    code, stdout, err = invoke(["erase", "--phone", PHONE], committed_env)
    assert (code, err) == (0, "")
    assert stdout.startswith("erased: ") and "redis keys 1" in stdout
    with committed_runtime.session_factory() as session:
        assert _holding(session, PHONE) == []
        actions = session.scalars(select(AccessLogEntry.action).where(
            AccessLogEntry.action.in_(["subject_access", "erasure"]))).all()
        assert sorted(actions) == ["erasure", "subject_access"]
    assert not any(PHONE in p.read_text() for p in _journal(committed_env).rglob("*.json"))
    assert _redis_mentions(redis_conn, PHONE) == []


def test_bad_input_is_one_line(committed_env, tmp_path):
    code, out, err = invoke(["erase", "--phone", "not a number"], committed_env)
    assert code == 1 and out == "" and len(err.splitlines()) == 1 and "not a phone" in err
    code, out, err = invoke(["sar", "--phone", PHONE, str(tmp_path / "no" / "x.zip")],
                            committed_env)
    assert code == 1 and err.startswith("error: cannot write") and len(err.splitlines()) == 1
    code, _out, err = invoke(["erase"], committed_env)
    assert code == 2 and "--phone" in err


def test_erase_refused_for_an_open_safeguarding_case_is_one_line(committed_env,
                                                                  committed_runtime):
    from tests.factories import make_case

    with committed_runtime.session_factory() as session:
        case = make_case(session, phone=PHONE, urgency="safeguarding", status="needs_staff")
        session.commit()
    code, out, err = invoke(["erase", "--phone", PHONE], committed_env)
    assert code == 1 and out == "" and len(err.splitlines()) == 1
    assert err.startswith(f"error: not erased: case {case.reference} is an open safeguarding")
