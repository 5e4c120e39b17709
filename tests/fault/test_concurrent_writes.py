"""SQLite (the embedded default) and PostgreSQL under concurrent API and webhook writes.

A real `here2help web` (gunicorn, 2 processes x 8 threads) and a real worker: 20 volunteer
POSTs and 10 API reads through the API while 10 residents walk the SMS flow with real Twilio
signatures. No request may answer 500, every resident ends with a case, and every matching job
succeeds the first time it runs (none failed, none left for the sweeper).
"""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from rq.registry import FailedJobRegistry
from rq.serializers import JSONSerializer
from sqlalchemy import func, select

from app.models.base import utcnow
from app.models.case import Case
from app.models.staff import StaffUser
from app.models.volunteer import Volunteer
from app.services.staff import accounts as staff
from tests.fault.conftest import WALK, report

pytestmark = [pytest.mark.slow, pytest.mark.fault]
#: (API writes, API reads, residents): the issue's figures in CI, five times that in a soak.
SCALES = [pytest.param((20, 10, 10), id="20-writes-10-residents"),
          pytest.param((100, 50, 50), id="100-writes-50-residents", marks=pytest.mark.soak)]


def _coordinator_token(runtime) -> str:
    with runtime.write_session_factory() as session:
        session.add(StaffUser(email="fault-coordinator@example.org", role="coordinator",
                              password_hash="unused"))
        session.commit()
        return staff.create_api_token(session, "fault-coordinator@example.org", name="fault",
                                       now=utcnow())


def _volunteer(i: int) -> dict[str, object]:
    expires = (utcnow() + timedelta(days=365)).date().isoformat()
    return {"name": f"Volunteer {i}", "phone": f"07700 900{100 + i:03d}", "postcode": "WR1 2NN",
            "needs": ["food"], "max_distance_km": 5, "dbs_status": "clear",
            "dbs_expires_on": expires}


@pytest.mark.parametrize("scale", SCALES)
def test_api_writes_while_residents_text_never_500_and_match_first_time(
        committed_runtime, committed_env, start_web, spawn_worker, redis_conn, scale) -> None:
    api_writes, api_reads, residents = scale
    token = _coordinator_token(committed_runtime)
    worker = spawn_worker()
    web = start_web()
    statuses: Counter[str] = Counter()
    failures: list[str] = []

    def api_write(i: int) -> None:
        status, body = web.post_json("/api/v1/volunteers", _volunteer(i), token)
        statuses[f"api {status}"] += 1
        if status != 201:
            failures.append(f"POST volunteer {i}: {status} {body[:200]}")

    def api_read(_: int) -> None:
        status, body = web.request("GET", "/api/v1/volunteers",
                                   headers={"Authorization": f"Bearer {token}"})
        statuses[f"read {status}"] += 1
        if status != 200:
            failures.append(f"GET volunteers: {status} {body[:200]}")

    def resident(i: int) -> None:
        for step, text in enumerate(WALK):
            status, body = web.post_sms(f"+447700900{200 + i:03d}", text,
                                        f"SM{i:016x}{step:016x}")
            statuses[f"sms {status}"] += 1
            if status != 200:
                failures.append(f"resident {i} step {step}: {status} {body[:200]}")

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=api_writes + api_reads + residents) as pool:
        jobs = [pool.submit(api_write, i) for i in range(api_writes)]
        jobs += [pool.submit(api_read, i) for i in range(api_reads)]
        jobs += [pool.submit(resident, i) for i in range(residents)]
        for job in jobs:
            job.result()
    answered = time.monotonic() - started

    def unmatched() -> tuple[int, int]:
        with committed_runtime.session_factory() as session:
            cases = session.scalar(select(func.count()).select_from(Case))
            waiting = session.scalar(select(func.count()).select_from(Case)
                                     .where(Case.needs_matching.is_(True)))
        return cases, waiting

    deadline = time.monotonic() + 60 * (1 + residents // 10)
    while unmatched() != (residents, 0) and time.monotonic() < deadline:
        time.sleep(0.2)
    drained = time.monotonic() - started
    failed_jobs = FailedJobRegistry("matching", connection=redis_conn,
                                    serializer=JSONSerializer).count
    with committed_runtime.session_factory() as session:
        volunteers = session.scalar(select(func.count()).select_from(Volunteer))
    errors_500 = sum(n for key, n in statuses.items() if key.endswith(" 500"))
    report(f"concurrent-writes-{api_writes}x{residents}",
           backend=committed_runtime.engine.dialect.name,
           requests=sum(statuses.values()), errors_500=errors_500, failed_match_jobs=failed_jobs,
           lost=residents - unmatched()[0], answered_s=f"{answered:.1f}",
           drained_s=f"{drained:.1f}")
    assert failures == [], (failures[:5], web.log_path.read_text()[-6000:])
    assert volunteers == api_writes
    assert unmatched() == (residents, 0), "a case was not matched within a minute"
    assert failed_jobs == 0
    log = worker.log_path.read_text()
    assert "database is locked" not in log and "Traceback" not in log, log[-3000:]
