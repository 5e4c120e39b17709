"""Benchmark: the category-by-month report over 1,000,000 cases on PostgreSQL.

Compares, in the same run on the same data, the report as the console and API run it
(`app.services.reports.demand`: SQLAlchemy, dialect-aware month bucket, the period filter,
then the Python pivot into the headline table) against a bare `GROUP BY` written by hand.

    .venv/bin/python -m bench.reports_bench            # or: .venv/bin/python -m bench
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test  BENCH_CASES=1000000

A scratch database is created and dropped; cases are generated server-side with
generate_series (no round trips), spread over 18 months.
"""

from __future__ import annotations

import os
import statistics
import time
import uuid
from datetime import date

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app import migrate
from app.services.reports.demand import category_need_counts, requests_by_category
from app.services.reports.tables import Period

RUNS = 7
GENERATE = """
INSERT INTO cases (reference, status, category, need, urgency, channel, language,
                   consent_to_share, offer_attempts, needs_matching, is_demo, district,
                   created_at, updated_at)
SELECT 'B' || lpad(i::text, 10, '0'), 'closed',
       (ARRAY['shielding', 'self_isolation', 'other'])[1 + (i * 7) % 3],
       (ARRAY['food', 'prescriptions', 'befriending', 'transport', 'money', 'wellbeing',
              'other'])[1 + (i * 13) % 7],
       'routine', 'sms', 'en', false, 0, false, false,
       (ARRAY['Worcester', 'Redditch', 'Bromsgrove', 'Wychavon', 'Wyre Forest',
              'Malvern Hills'])[1 + (i * 11) % 6],
       ts, ts
FROM (SELECT i, timestamptz '2024-01-01 00:00+00'
             + ((i::bigint * 7919) % (547 * 86400)) * interval '1 second' AS ts
      FROM generate_series(1, :n) AS i) AS g
"""
BARE = """
SELECT date_trunc('month', created_at AT TIME ZONE 'UTC') AS month, category, need, count(*)
FROM cases GROUP BY 1, 2, 3
"""
BARE_TO_CHAR = """
SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month, category, need, count(*)
FROM cases GROUP BY 1, 2, 3
"""
BARE_NO_MONTH = "SELECT category, need, count(*) FROM cases GROUP BY 1, 2"
BARE_FILTERED = """
SELECT date_trunc('month', created_at AT TIME ZONE 'UTC') AS month, category, need, count(*)
FROM cases WHERE created_at >= '2024-01-01 00:00+00' AND created_at < '2025-07-01 00:00+00'
GROUP BY 1, 2, 3
"""


def timed_round_robin(cases: dict[str, object], runs: int = RUNS) -> dict[str, float]:
    """Median seconds per case; the cases take turns so load on the machine hits all alike."""
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, fn in cases.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    base = make_url(os.environ.get("BENCH_DATABASE_URL",
                                   "postgresql://postgres@127.0.0.1:5432/test"))
    if base.drivername == "postgresql":
        base = base.set(drivername="postgresql+psycopg")
    n = int(os.environ.get("BENCH_CASES", "1000000"))
    name = f"h2h_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name)
    engine = create_engine(url)
    try:
        migrate.upgrade(url.render_as_string(hide_password=False))
        start = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(text(GENERATE), {"n": n})
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE cases"))
        print(f"loaded {n:,} cases in {time.perf_counter() - start:.1f} s")
        period = Period(date(2024, 1, 1), date(2025, 6, 30))
        with Session(engine) as session:
            rows = category_need_counts(session, period)
            table = requests_by_category(session, period, date.today())
            bare = session.execute(text(BARE)).all()
            t = timed_round_robin({
                "flat": lambda: session.execute(text(BARE_NO_MONTH)).all(),
                "to_char": lambda: session.execute(text(BARE_TO_CHAR)).all(),
                "bare": lambda: session.execute(text(BARE)).all(),
                "filtered": lambda: session.execute(text(BARE_FILTERED)).all(),
                "report": lambda: category_need_counts(session, period),
                "table": lambda: requests_by_category(session, period, date.today()),
            })
        assert sum(r[3] for r in rows) == n == table.rows[-1][-1] == sum(r[3] for r in bare)
        print(f"median of {RUNS} runs over {n:,} cases ({len(rows)} groups):")
        print(f"  bare GROUP BY category, need                 {t['flat'] * 1000:8.1f} ms")
        print(f"  bare GROUP BY to_char month, category, need  {t['to_char'] * 1000:8.1f} ms")
        print(f"  bare GROUP BY date_trunc month, category, need {t['bare'] * 1000:6.1f} ms")
        print(f"  the same with the report's WHERE on created_at {t['filtered'] * 1000:6.1f} ms")
        for key, label in (("report", "report query (category_need_counts)"),
                           ("table", "headline table (query + pivot)")):
            print(f"  {label:<45}{t[key] * 1000:8.1f} ms   x{t[key] / t['bare']:.2f} of the "
                  f"bare date_trunc GROUP BY")
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
