"""Several workers running the aftercare job at once, on committed data with real separate
sessions (SQLite or PostgreSQL): one follow-up SMS per case, one repeat per schedule date."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.db import begin_write
from app.models.case import Case
from app.models.message import Message
from app.models.repeat import RepeatSchedule
from app.services.aftercare import follow_up, repeats
from app.services.conversations.state import flow_in
from tests import factories
from tests.aftercare.conftest import volunteer

pytestmark = [pytest.mark.slow, pytest.mark.fault]
THREADS = 6
NOW = datetime(2026, 6, 5, 9, 30, tzinfo=UTC)  # a Friday


def _seed(runtime) -> int:
    with runtime.write_session_factory() as session:
        helper = volunteer(session, "Ann Helper", "+447700900671", "WR2 4AA", NOW)
        case_ids = []
        for n in range(5):
            case = factories.make_case(
                session, phone=f"+4477009002{70 + n}", status="completed", outcome="matched",
                assigned_volunteer_id=helper.id, assigned_at=NOW - timedelta(hours=3),
                completed_at=NOW - timedelta(minutes=10), name="Mary Jones",
                address="1 High Street", created_at=NOW - timedelta(hours=4))
            case_ids.append(case.id)
        session.add(RepeatSchedule(case_id=case_ids[0], interval_days=7,
                                   next_due_on=date(2026, 6, 5), active=True,
                                   created_at=NOW - timedelta(days=3)))
        session.commit()
        return case_ids[0]


def test_twin_runs_send_each_follow_up_once_and_make_each_repeat_once(committed_runtime):
    first = _seed(committed_runtime)
    phrases = flow_in(committed_runtime.settings.flows_dir).phrases
    barrier = threading.Barrier(THREADS)

    def run(_n: int) -> tuple[int, int]:
        barrier.wait()
        with committed_runtime.write_session_factory() as session:
            begin_write(session)
            asked = follow_up.send_due_follow_ups(session, NOW, after_hours=72, phrases=phrases)
            made = repeats.make_due_repeats(session, NOW)
            session.commit()
            return asked.sent, len(made.cases)

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(run, range(THREADS)))
    assert sum(sent for sent, _ in results) == 5
    assert sum(made for _, made in results) == 1
    with committed_runtime.session_factory() as session:
        sms = session.scalar(select(func.count()).select_from(Message).where(
            Message.purpose == "follow_up"))
        assert sms == 5
        repeats_made = session.scalars(select(Case).where(Case.repeat_of_case_id == first)).all()
        assert [c.repeat_due_on for c in repeats_made] == [date(2026, 6, 5)]
        assert session.scalar(select(RepeatSchedule.next_due_on)) == date(2026, 6, 12)
