"""Benchmark: a burst of 300 residents' first texts within 10 s, through real processes.

The service runs as in production: gunicorn with deploy/gunicorn.conf.py (2 x 4 by default)
and ONE `python -m workers` worker, on one database and one Redis, SMS_BACKEND=record.

1. The burst: 300 residents each send their first text, spread evenly over 10 s (one thread
   per request, fired on schedule, not waiting for earlier answers), and 30 of them are
   delivered twice as Twilio retries do (same MessageSid). Counted: every inbound row (exactly
   one per MessageSid: zero lost, zero duplicated), every 200 with its reply, the slowest
   answer (every reply must be back within 60 s).
2. Then each resident finishes the walk (the server's pace), so 300 cases are opened and the
   worker matches them among volunteers near the residents and sends the offer SMS. Measured:
   the time from the last text until the worker has matched every case and sent every queued
   SMS (no outbound row left pending or sending, no matching flag left).

    .venv/bin/python -m bench burst_bench
    BENCH_DATABASES=postgresql,sqlite, BENCH_DATABASE_URL, BENCH_REDIS_URL (flushed),
    BENCH_BURST=300, BENCH_BURST_SECONDS=10
"""

from __future__ import annotations

import http.client
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import create_engine, insert, text
from twilio.request_validator import RequestValidator

from bench.webhook_bench import (
    ACCOUNT,
    PROJECT_ROOT,
    PUBLIC_BASE,
    TOKEN,
    WALK,
    _free_port,
    on_each_database,
    phone_of,
    scratch_database,
    serve,
    slot_pattern,
    stop,
)

RETRIED = 30
NOW = datetime(2026, 6, 2, 9, 30, tzinfo=UTC)
WORCESTER = (52.19, -2.22)


def _post(port: int, phone: str, body: str, sid: str) -> tuple[int, bytes, float]:
    validator = RequestValidator(TOKEN)
    params = {"MessageSid": sid, "From": phone, "To": "+441632960000", "Body": body,
              "AccountSid": ACCOUNT, "NumSegments": "1"}
    headers = {"Content-Type": "application/x-www-form-urlencoded",
               "X-Twilio-Signature": validator.compute_signature(
                   f"{PUBLIC_BASE}/twilio/sms", params)}
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("POST", "/twilio/sms", urlencode(params), headers)
        response = conn.getresponse()
        return response.status, response.read(), time.perf_counter() - started
    except OSError:
        return 0, b"", time.perf_counter() - started
    finally:
        conn.close()


def _seed_volunteers(url: str, n: int = 60) -> None:
    rng = random.Random(7)
    rows = [{"name": f"Burst Volunteer {i}", "phone": f"+447400{i:06d}", "phone_valid": True,
             "kind": "person", "latitude": WORCESTER[0] + rng.uniform(-0.03, 0.03),
             "longitude": WORCESTER[1] + rng.uniform(-0.03, 0.03),
             "needs": ["food", "prescriptions", "befriending", "transport", "money",
                       "wellbeing"], "max_distance_km": 20.0, "dbs_status": "clear",
             "dbs_expires_on": date(2099, 1, 1), "active": True, "approval_status": "approved",
             "availability": {}, "max_open_assignments": 50, "opted_out": False,
             "source": "bench", "is_demo": True, "created_at": NOW, "updated_at": NOW}
            for i in range(n)]
    from app.models.volunteer import Volunteer

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(insert(Volunteer), rows)
    engine.dispose()


def _count(engine, query: str, **params) -> int:
    with engine.connect() as conn:
        return conn.execute(text(query), params).scalar_one()


def burst(port: int, slot: int, residents: int, seconds: float) -> dict:
    """Every resident's first text at its scheduled moment; RETRIED of them twice."""
    plan = [(i * seconds / residents, phone_of(slot, i), f"SMb{slot}{uuid.uuid4().hex[:28]}")
            for i in range(residents)]
    rng = random.Random(slot)
    retried = rng.sample(plan, min(RETRIED, residents))
    plan += [(at + 0.5, phone, sid) for at, phone, sid in retried]  # Twilio's retry
    results: list[tuple[int, bytes, float]] = []
    lock = threading.Lock()
    start = time.perf_counter() + 0.5

    def fire(at: float, phone: str, sid: str) -> None:
        time.sleep(max(0.0, start + at - time.perf_counter()))
        outcome = _post(port, phone, WALK[0], sid)
        with lock:
            results.append(outcome)

    with ThreadPoolExecutor(max_workers=len(plan)) as pool:
        for item in plan:
            pool.submit(fire, *item)
    statuses = [status for status, _, _ in results]
    replies = sum(1 for status, body, _ in results if status == 200 and b"<Message>" in body)
    return {"sent": len(plan), "distinct": residents, "ok": statuses.count(200),
            "replies": replies, "slowest": max(elapsed for _, _, elapsed in results),
            "wall": time.perf_counter() - start}


def finish_walks(port: int, slot: int, residents: int) -> int:
    """Every resident answers the rest of the walk, 32 at a time; the number of non-200s."""
    failures = [0]

    def walk(i: int) -> None:
        for body in WALK[1:]:
            status, _, _ = _post(port, phone_of(slot, i), body, f"SMw{uuid.uuid4().hex[:30]}")
            if status != 200:
                failures[0] += 1

    with ThreadPoolExecutor(max_workers=32) as pool:
        list(pool.map(walk, range(residents)))
    return failures[0]


def bench_database(kind: str, redis_url: str) -> dict:
    residents = int(os.environ.get("BENCH_BURST", "300"))
    seconds = float(os.environ.get("BENCH_BURST_SECONDS", "10"))
    url, drop = scratch_database(kind)
    _seed_volunteers(url)
    work = Path(tempfile.mkdtemp(prefix="h2h-burst-"))
    port = _free_port()
    env = {"DATABASE_URL": url, "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_ACCOUNT_SID": ACCOUNT,
           "SMS_BACKEND": "record", "HERE2HELP_INSTANCE": str(work / "instance"),
           "SECRET_KEY": "bench", "REDIS_URL": redis_url, "PUBLIC_BASE_URL": PUBLIC_BASE,
           "WEB_CONCURRENCY": os.environ.get("WEB_CONCURRENCY", "2"),
           "GUNICORN_THREADS": os.environ.get("GUNICORN_THREADS", "4")}
    web = serve("app:create_app()", port, env)
    worker = subprocess.Popen([sys.executable, "-m", "workers"], cwd=PROJECT_ROOT,
                              env={**os.environ, **env, "LOG_LEVEL": "warning"},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              process_group=0)
    engine = create_engine(url)
    slot = 1
    try:
        first = burst(port, slot, residents, seconds)
        time.sleep(1)
        like = slot_pattern(slot)
        rows = _count(engine, "SELECT count(*) FROM messages WHERE direction = 'inbound' "
                      "AND from_phone LIKE :p", p=like)
        distinct = _count(engine, "SELECT count(DISTINCT twilio_sid) FROM messages WHERE "
                          "direction = 'inbound' AND from_phone LIKE :p", p=like)
        lost, duplicated = first["distinct"] - distinct, rows - distinct
        print(f"{kind}: burst of {residents} first texts over {seconds:.0f} s (+{RETRIED} "
              f"Twilio retries): {first['ok']}/{first['sent']} answered 200, "
              f"{first['replies']} with a reply, slowest answer {first['slowest']:.2f} s; "
              f"inbound rows {rows} ({distinct} distinct): lost {lost}, duplicated "
              f"{duplicated}", flush=True)
        walk_started = time.perf_counter()
        failures = finish_walks(port, slot, residents)
        walked = time.perf_counter() - walk_started
        last_text = time.perf_counter()
        deadline = last_text + 300
        while time.perf_counter() < deadline:
            waiting = _count(engine, "SELECT count(*) FROM messages WHERE direction = "
                             "'outbound' AND status IN ('pending', 'sending')")
            unmatched = _count(engine, "SELECT count(*) FROM cases WHERE needs_matching")
            if waiting == 0 and unmatched == 0:
                break
            time.sleep(0.2)
        drained = time.perf_counter() - last_text
        cases = _count(engine, "SELECT count(*) FROM cases")
        sent = _count(engine, "SELECT count(*) FROM messages WHERE direction = 'outbound' "
                      "AND status NOT IN ('pending', 'sending')")
        print(f"  then {residents} walks finished in {walked:.1f} s ({failures} non-200): "
              f"{cases} cases; the worker matched them all and sent every queued SMS "
              f"({sent}) {drained:.1f} s after the last text"
              + ("" if waiting == 0 and unmatched == 0 else
                 f" -- NOT DRAINED: {waiting} SMS waiting, {unmatched} cases unmatched"),
              flush=True)
        verdict = (lost == 0 and duplicated == 0 and first["ok"] == first["sent"]
                   and first["slowest"] <= 60)
        print(f"  burst target (zero lost, zero duplicated, every reply within 60 s): "
              f"{'met' if verdict else 'NOT met'}", flush=True)
        return {**first, "lost": lost, "duplicated": duplicated, "drained": drained}
    finally:
        stop(web)
        stop(worker)
        engine.dispose()
        drop()


def main() -> None:
    on_each_database(bench_database)


if __name__ == "__main__":
    main()
