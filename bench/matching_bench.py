"""Benchmark: matching among 100,000 volunteers on PostgreSQL, each figure against a baseline
measured in the same run.

1. Ranking one case (p50/p95 ms): `app.services.matching.matcher.rank_case` (the candidate SELECT
   of approved, active volunteers near enough and offering the need, their open-assignment
   counts, the "already asked" set, and the pure ranking with explanations) against the bare
   candidate SELECT alone (`candidate_query`, rows fetched).
2. Cases matched per second, end to end, with ONE worker (the production worker,
   workers.runner: rq's SimpleWorker, job modules preloaded): `match_case` jobs (lock, rank,
   offer row, outbox row, one commit, then the send job with SMS_BACKEND=record) against the
   same number of empty jobs run by rq's stock worker (`rq.Worker`, a fork per job: the
   "empty-job rate" of rq as it comes) and, for reference, by our worker.

    .venv/bin/python -m bench.matching_bench          # or: .venv/bin/python -m bench
    BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test: a scratch database
    is created and dropped), BENCH_REDIS_URL (default redis://127.0.0.1:6379/4, flushed),
    BENCH_VOLUNTEERS=100000, BENCH_CASES=300.

Volunteers are spread uniformly over a 330 x 270 km box of England and Wales (the Midlands and
the South), about 1.2 volunteers per km2: a dense, busy service (each case has ~10,000 volunteers in
the 50 km index box, and tens to hundreds who would travel to it).
"""

from __future__ import annotations

import gc
import os
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

from redis import Redis
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from app import migrate
from app.domain.matching import MatchingPolicy
from app.models.case import Case
from app.models.volunteer import Volunteer
from app.runtime import Runtime
from app.services.matching.matcher import (
    candidate_query,
    load_candidates,
    rank_case,
    search_radius_km,
)
from app.settings import load_settings

NEEDS = ["food", "prescriptions", "befriending", "transport", "money", "wellbeing"]
BOX = (50.9, 53.3, -3.6, 1.0)  # lat min/max, lon min/max
NOW = datetime(2026, 6, 2, 9, 30, tzinfo=UTC)


def noop(case_id: int) -> int:
    """The empty job of the throughput baseline."""
    return case_id


def _volunteer_rows(n: int, rng: random.Random) -> list[dict]:
    rows = []
    for i in range(n):
        rows.append({
            "name": f"Bench Volunteer {i}", "phone": f"+4477{i:08d}", "phone_valid": False,
            "kind": "person", "latitude": rng.uniform(BOX[0], BOX[1]),
            "longitude": rng.uniform(BOX[2], BOX[3]), "needs": rng.sample(NEEDS, 3),
            "max_distance_km": rng.choice([3.0, 5.0, 10.0, 20.0]), "dbs_status":
            rng.choice(["clear", "clear", "clear", "none", "expired"]),
            "dbs_expires_on": date(2028, 1, 1), "active": rng.random() > 0.1,
            "approval_status": "approved", "availability": {}, "max_open_assignments": 3,
            "opted_out": False, "source": "bench", "is_demo": True,
            "created_at": NOW, "updated_at": NOW,
        })
    return rows


def _cases(session, n: int, rng: random.Random) -> list[Case]:
    cases = [Case(reference=f"H2H-B{i:05d}"[:12], status="new", need=rng.choice(NEEDS[:4]),
                  category="other", phone=f"+447700900{i % 1000:03d}", needs_matching=True,
                  latitude=rng.uniform(BOX[0] + 0.5, BOX[1] - 0.5), postcode="WR1 2NN",
                  district="Worcester", longitude=rng.uniform(BOX[2] + 0.8, BOX[3] - 0.8),
                  consent_to_share=True, created_at=NOW, updated_at=NOW, is_demo=True)
             for i in range(n)]
    session.add_all(cases)
    session.commit()
    return cases


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def _bare_select(session, case: Case, radius_km: float) -> int:
    """The baseline: the same candidate SELECT rank_case starts with, rows fetched, no more."""
    return len(session.execute(candidate_query(case, radius_km)).all())


def bench_ranking(runtime: Runtime, cases: list[Case]) -> None:
    policy = MatchingPolicy()
    bare, full, candidates, eligible = [], [], [], []
    with runtime.session_factory() as session:
        for case in cases[:20]:  # warm the caches and the connection
            rank_case(session, case, NOW, policy)
        radius = search_radius_km(session)
        for case in cases:
            session.expunge_all()
            start = time.perf_counter()
            candidates.append(_bare_select(session, case, radius))
            bare.append((time.perf_counter() - start) * 1000)
            session.expunge_all()
            start = time.perf_counter()
            ranking = rank_case(session, case, NOW, policy)
            full.append((time.perf_counter() - start) * 1000)
            eligible.append(len(ranking.ranked))
        pre = statistics.median(len(load_candidates(session, c)) for c in cases[:20])
    b50, b95 = _percentiles(bare)
    f50, f95 = _percentiles(full)
    print(f"ranking one case among {runtime_volunteers(runtime):,} volunteers "
          f"({len(cases)} cases; median {statistics.median(candidates):.0f} rows from the SELECT, "
          f"{pre:.0f} candidates, {statistics.median(eligible):.0f} eligible)")
    print(f"  baseline bare candidate SELECT: p50 {b50:7.2f} ms   p95 {b95:7.2f} ms")
    print(f"  rank_case (select + rank + explain): p50 {f50:7.2f} ms   p95 {f95:7.2f} ms")
    print(f"  ratio ranking/baseline: p50 {f50 / b50:.2f}x   p95 {f95 / b95:.2f}x")


def runtime_volunteers(runtime: Runtime) -> int:
    with runtime.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM volunteers")).scalar_one()


def _run_worker_burst(runtime: Runtime, stock_rq: bool = False) -> float:
    """Seconds for one worker to empty the queues: ours, or rq's stock forking `Worker`."""
    from rq import Queue, Worker
    from rq.serializers import JSONSerializer

    from app.jobs import ALL_QUEUES
    from workers import bootstrap
    from workers.runner import make_worker, preload_job_modules

    bootstrap.use_runtime(runtime)
    if stock_rq:
        worker = Worker([Queue(str(q), connection=runtime.redis, serializer=JSONSerializer)
                         for q in ALL_QUEUES], connection=runtime.redis,
                        serializer=JSONSerializer)
    else:
        preload_job_modules()  # as workers.runner.run_worker does at start
        worker = make_worker(runtime.redis)
    start = time.perf_counter()
    worker.work(burst=True, with_scheduler=False, logging_level="WARNING")
    return time.perf_counter() - start


def _empty_jobs(runtime: Runtime, cases: list[Case], tag: str, stock_rq: bool) -> float:
    from app.adapters.rq_queue import RqJobQueue

    queue = RqJobQueue(runtime.redis)
    for case in cases:
        queue.enqueue("bench.matching_bench.noop", case.id, job_id=f"noop-{tag}-{case.id}",
                      queue="matching")
    return len(cases) / _run_worker_burst(runtime, stock_rq=stock_rq)


def bench_throughput(runtime: Runtime, cases: list[Case]) -> dict[str, float]:
    from app.adapters.rq_queue import RqJobQueue

    stock = _empty_jobs(runtime, cases, "stock", stock_rq=True)
    ours_empty = _empty_jobs(runtime, cases, "ours", stock_rq=False)
    queue = RqJobQueue(runtime.redis)
    for case in cases:
        queue.enqueue("workers.matching.match_case", case.id, job_id=f"match-{case.id}",
                      queue="matching")
    real = len(cases) / _run_worker_burst(runtime)
    with runtime.engine.connect() as conn:
        outcomes = dict(conn.execute(text("SELECT status, count(*) FROM cases GROUP BY status"))
                        .all())
        sent = conn.execute(text("SELECT count(*) FROM messages WHERE status <> 'pending'"))
        sent_count = sent.scalar_one()
    n = len(cases)
    print(f"end to end with one worker ({n} cases; outcomes {outcomes}; "
          f"{sent_count} SMS processed by send jobs)")
    print(f"  baseline empty jobs, rq's stock forking Worker: {stock:8.1f} jobs/s")
    print(f"  empty jobs, our worker (no fork):              {ours_empty:8.1f} jobs/s")
    print(f"  match_case + its send, our worker:             {real:8.1f} cases/s")
    print(f"  ratio matched/rq empty-job rate: {real / stock:.2f}x (target >= 0.5); "
          f"matched/our empty-job rate: {real / ours_empty:.2f}x")
    return {"stock": stock, "ours_empty": ours_empty, "matched": real}


def main() -> None:
    base = make_url(os.environ.get("BENCH_DATABASE_URL",
                                   "postgresql://postgres@127.0.0.1:5432/test"))
    if base.drivername == "postgresql":
        base = base.set(drivername="postgresql+psycopg")
    name = f"h2h_bench_matching_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    redis = Redis.from_url(os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/4"))
    redis.flushdb()
    try:
        _run(url, redis)
    finally:
        redis.flushdb()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _run(url: str, redis: Redis) -> None:
    migrate.upgrade(url)
    instance = Path(tempfile.mkdtemp(prefix="h2h-bench-"))
    settings = load_settings({"DATABASE_URL": url, "HERE2HELP_INSTANCE": str(instance),
                              "SMS_BACKEND": "record", "SECRET_KEY": "bench"})
    runtime = Runtime.build(settings)
    runtime.use_redis(redis)
    rng = random.Random(4)
    n = int(os.environ.get("BENCH_VOLUNTEERS", "100000"))
    start = time.perf_counter()
    rows = _volunteer_rows(n, rng)
    with runtime.engine.begin() as conn:
        for i in range(0, n, 5000):
            conn.execute(insert(Volunteer), rows[i:i + 5000])
        conn.execute(text("ANALYZE volunteers"))
    del rows  # rq's stock worker forks per job: keep this process small
    gc.collect()
    print(f"loaded {n:,} volunteers in {time.perf_counter() - start:.1f} s")
    with runtime.session_factory() as session:
        cases = _cases(session, int(os.environ.get("BENCH_CASES", "300")), rng)
    bench_ranking(runtime, cases)
    bench_throughput(runtime, cases)
    runtime.engine.dispose()


if __name__ == "__main__":
    main()
