"""The retention policy: what goes when each period is over, what stays, and the reports' figures.

The clock is moved (time-machine) past each period in turn; the council's reports for the seeded
months must read the same after every step, while the personal data is gone.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import func, select

from app.domain.retention import RULES, RetentionKind, RetentionPolicy
from app.models.base import utcnow
from app.models.case import Case, CaseEvent
from app.models.conversation import Conversation, ProcessedWebhook
from app.models.message import Call, Message
from app.models.resident import Resident
from app.models.staff import AccessLogEntry
from app.services.fallback.journal import REPLAYED_DIR
from app.services.privacy.retention import apply_retention
from app.services.reports.catalogue import build_all
from app.services.reports.tables import Period
from app.settings import ConfigError, load_settings
from tests.factories import drama_mobile, make_case

pytestmark = pytest.mark.clock
POLICY = RetentionPolicy.defaults()
TODAY = date(2026, 3, 10)  # the reports' "today" stays fixed; only the retention clock moves


def _personalise(session) -> None:
    """Give every seeded case a resident, contact details, a story and messages, then close it."""
    repeat = Resident(phone=drama_mobile(301), name="Ada Example", address="1 High St")
    session.add(repeat)
    session.flush()
    for n, case in enumerate(session.scalars(select(Case).order_by(Case.id))):
        case.name, case.phone = f"Resident {n}", drama_mobile(300 + n)
        case.address, case.postcode = f"{n} Example Road", "WR1 3AA"
        case.resident_id = repeat.id if n < 3 else None
        case.status, case.closed_at = "closed", case.created_at + timedelta(days=3)
        case.outcome_reason = "Neighbour helped"
        session.add(CaseEvent(case_id=case.id, kind="note", summary="Spoke to Ada",
                              data={"phone": case.phone}, created_at=case.created_at))
        session.add(Message(direction="inbound", case_id=case.id, body="I need food, Ada",
                            from_phone=case.phone, created_at=case.created_at))
    session.commit()


def _figures(session) -> list:
    return build_all(session, Period(date(2025, 12, 1), date(2026, 3, 31)), TODAY)


def test_reports_unchanged_as_the_clock_passes_each_period(seeded, tmp_path):
    session = seeded
    _personalise(session)
    before = _figures(session)
    start = datetime(2026, 3, 5, 12, tzinfo=UTC)  # every seeded case closed by now
    for rule in sorted(RULES, key=lambda r: r.default_days):
        with time_machine.travel(start + POLICY.period(rule.kind) + timedelta(days=1), tick=False):
            apply_retention(session, POLICY, utcnow(), journal_dir=tmp_path)
            session.commit()
        assert _figures(session) == before, f"figures changed once {rule.kind} was applied"

    cases = session.scalars(select(Case)).all()
    assert all(c.anonymised_at is not None for c in cases)
    assert not [c for c in cases if c.name or c.phone or c.address or c.postcode
                or c.outcome_reason or c.latitude]
    assert not session.scalars(select(Message.body).where(Message.body != "")).all()
    assert not session.scalars(select(CaseEvent).where(CaseEvent.summary != "")).all()
    resident = session.scalars(select(Resident)).one()
    assert (resident.phone, resident.name, resident.address) == (None, None, None)
    # The "other" report keeps a description's words, never its sentences.
    other = session.scalars(select(Case.details).where(Case.reference == "H2H-0003")).one()
    assert other == "feel lonely phone someone talk"


def test_each_rule_at_its_boundary(db_session, tmp_path):
    now = datetime(2028, 6, 1, 12, tzinfo=UTC)
    s = db_session
    day = timedelta(days=1)

    def closed_case(age_days: int) -> Case:
        return make_case(s, status="closed", closed_at=now - age_days * day, name="Bea")

    kept_case, old_case = closed_case(729), closed_case(731)
    # A volunteer's "done" sets only completed_at; a resident's CANCEL only changes the case.
    completed = make_case(s, status="completed", completed_at=now - 731 * day, name="Cy")
    cancelled = make_case(s, status="cancelled", updated_at=now - 731 * day, name="Di")
    recent_cancel = make_case(s, status="cancelled", updated_at=now - 20 * day, name="Ed")
    recent_msg = Message(direction="outbound", case_id=closed_case(300).id, body="on my way")
    old_msg = Message(direction="outbound", case_id=kept_case.id, body="see you soon")
    open_case = make_case(s, status="assigned", closed_at=None, created_at=now - 900 * day)
    open_msg = Message(direction="inbound", case_id=open_case.id, body="still need help")
    s.add_all([recent_msg, old_msg, open_msg])
    s.add_all([
        Call(call_sid="CA" + "1" * 32, recording_url="https://api.twilio.com/R/RE1",
             recording_sid="RE1", created_at=now - 91 * day),
        Call(call_sid="CA" + "2" * 32, recording_url="https://api.twilio.com/R/RE2",
             recording_sid="RE2", created_at=now - 89 * day),
        ProcessedWebhook(kind="voice", key="CAx:s:my address is", created_at=now - 8 * day),
        ProcessedWebhook(kind="voice", key="CAy:d:1", created_at=now - 6 * day),
        AccessLogEntry(action="view_case", created_at=now - 731 * day),
        AccessLogEntry(action="view_case", created_at=now - 729 * day),
        Conversation(channel="sms", phone=drama_mobile(7), flow_id="f", node="n",
                     last_activity_at=now - 31 * day),
        Conversation(channel="sms", phone=drama_mobile(8), flow_id="f", node="n",
                     last_activity_at=now - 29 * day),
    ])
    s.commit()
    replayed = tmp_path / REPLAYED_DIR
    replayed.mkdir()
    for name, age in (("sms-old.json", 31), ("sms-new.json", 29)):
        (replayed / name).write_text("{}")
        stamp = (now - age * day).timestamp()
        os.utime(replayed / name, (stamp, stamp))

    deleted: list[str] = []
    dry = apply_retention(s, POLICY, now, journal_dir=tmp_path, dry_run=True)
    assert dry.counts == {"closed_case_messages": 1, "closed_cases": 3, "recordings": 1,
                          "processed_webhooks": 1, "fallback_replayed": 1, "access_log": 1,
                          "abandoned_conversations": 1}
    assert s.scalar(select(func.count()).select_from(ProcessedWebhook)) == 2  # nothing changed

    result = apply_retention(s, POLICY, now, journal_dir=tmp_path,
                             delete_recording=lambda call: deleted.append(call.recording_sid)
                             or True)
    s.commit()
    assert result.counts == dry.counts
    assert deleted == ["RE1"]
    assert (old_case.name, old_case.anonymised_at) == (None, now)
    assert (kept_case.name, kept_case.anonymised_at) == ("Bea", None)
    assert (completed.name, cancelled.name, recent_cancel.name) == (None, None, "Ed")
    assert (old_msg.body, recent_msg.body, open_msg.body) == ("", "on my way", "still need help")
    assert s.scalars(select(Call.recording_sid).order_by(Call.call_sid)).all() == [None, "RE2"]
    assert s.scalars(select(ProcessedWebhook.key)).all() == ["CAy:d:1"]
    assert [p.name for p in replayed.iterdir()] == ["sms-new.json"]
    assert s.scalars(select(Conversation.phone)).all() == [drama_mobile(8)]
    runs = s.scalars(select(AccessLogEntry).where(AccessLogEntry.action == "retention_run")).all()
    assert [r.detail for r in runs] == [result.counts]
    assert s.scalar(select(func.count()).select_from(AccessLogEntry)) == 2  # 729-day row + run

    again = apply_retention(s, POLICY, now, journal_dir=tmp_path, dry_run=True)
    assert set(again.counts.values()) == {0}


def test_a_recording_twilio_would_not_delete_is_kept_for_the_next_run(db_session, tmp_path):
    now = datetime(2028, 6, 1, tzinfo=UTC)
    call = Call(call_sid="CA" + "3" * 32, recording_url="https://api.twilio.com/R/RE3",
                recording_sid="RE3", created_at=now - timedelta(days=100))
    db_session.add(call)
    result = apply_retention(db_session, POLICY, now, journal_dir=tmp_path,
                             delete_recording=lambda call: False)
    assert result.counts["recordings"] == 0 and call.recording_sid == "RE3"


def test_periods_come_from_configuration(test_env):
    settings = load_settings({**test_env, "RETENTION_RECORDINGS_DAYS": "30"})
    assert settings.retention.period(RetentionKind.RECORDINGS) == timedelta(days=30)
    assert settings.retention.period(RetentionKind.CLOSED_CASES) == timedelta(days=730)
    for bad in ("0", "ninety", "-5"):
        with pytest.raises(ConfigError, match="RETENTION_ACCESS_LOG_DAYS"):
            load_settings({**test_env, "RETENTION_ACCESS_LOG_DAYS": bad})


def test_retention_command_dry_run_and_run(committed_env, committed_runtime, tmp_path: Path):
    from tests.simulate.helpers import invoke

    with committed_runtime.session_factory() as session:
        session.add(ProcessedWebhook(kind="sms", key="SMold", created_at=utcnow()))
        session.commit()
    later = utcnow() + timedelta(days=8)
    with time_machine.travel(later, tick=False):
        code, out, err = invoke(["retention", "--dry-run"], committed_env)
        assert (code, err) == (0, "")
        assert "processed_webhooks: 1\n" in out and out.endswith("dry run: nothing changed\n")
        code, out, err = invoke(["retention"], committed_env)
        assert (code, err) == (0, "") and "processed_webhooks: 1\n" in out
        code, out, _ = invoke(["retention", "--dry-run"], committed_env)
        assert "processed_webhooks: 0\n" in out
    code, _out, err = invoke(["retention", "--bogus"], committed_env)
    assert code == 2 and "No such option" in err


def test_record_of_processing_is_generated_from_the_rules(project_root):
    from app.domain.retention import render_record

    written = (project_root / "docs" / "record-of-processing.md").read_text()
    assert written == render_record(RetentionPolicy.defaults())
    for rule in RULES:
        assert rule.kind.env_var in written
    assert "| 24 months |" in written and "| 7 days |" in written


def test_the_daily_retention_job_applies_the_policy(committed_runtime):
    from workers import bootstrap, maintenance

    with committed_runtime.session_factory() as session:
        session.add(ProcessedWebhook(kind="sms", key="SMjob", created_at=utcnow()))
        session.commit()
    bootstrap.use_runtime(committed_runtime)
    try:
        with time_machine.travel(utcnow() + timedelta(days=8), tick=False):
            assert maintenance.retention()["processed_webhooks"] == 1
            assert maintenance.retention()["processed_webhooks"] == 0
    finally:
        bootstrap.use_runtime(None)
