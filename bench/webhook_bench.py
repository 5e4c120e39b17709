"""Benchmark: POST /twilio/sms against a naive handler, side by side, same load generator.

Both apps run under a real gunicorn with the project's own config (deploy/gunicorn.conf.py,
`WEB_CONCURRENCY` x `GUNICORN_THREADS`, 2 x 4 by default: `here2help web` exactly), on one
database and one Redis, and are driven by `wrk` (bench/load.lua) with 32 connections for 8 s.
Each request is a distinct, pre-signed text; 1,500 residents walk the default flow (a
resident's next text follows their previous one by a whole round of the others). Rounds are
interleaved (naive, project, project, naive, ...) and the medians reported, on PostgreSQL and
on SQLite, in the same run.

The naive handler is what a minimal Twilio webhook does: `RequestValidator`, one SELECT, one
INSERT, one rq enqueue, `MessagingResponse`. The project's route does everything it must (the
signature, the idempotent claim, the conversation, the inbound row, the case at the end of a
walk, the answer stored before the commit, enqueues after it).

After each round every 200 answered must have left its inbound row (counted in the database).
Each round also reports the CPU a request cost (the app's gunicorn processes, the local
PostgreSQL and Redis processes, from /proc): steadier than throughput on a shared machine.

    .venv/bin/python -m bench webhook_bench
    BENCH_DATABASES=postgresql,sqlite  BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test
    (a scratch database is created beside it and dropped)  BENCH_REDIS_URL (default
    redis://127.0.0.1:6379/4, flushed)  BENCH_ROUNDS=3  BENCH_SECONDS=8  BENCH_CONNECTIONS=32
    BENCH_RESIDENTS=1500  WEB_CONCURRENCY=2  GUNICORN_THREADS=4
"""

from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from twilio.request_validator import RequestValidator

from app import migrate

TOKEN = "bench-auth-token-0123456789abcdef"
ACCOUNT = "AC" + "1" * 32
PUBLIC_BASE = "https://bench.here2help.example"
WALK = ["hi", "1", "1", "1", "I need bread and milk", "WR1 2NN", "Ann", "yes"]
PROJECT_ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).resolve().parent / "load.lua"
NAIVE_TABLE = "bench_naive_inbound"


def noop(row_id: int) -> int:
    """The job the naive handler enqueues."""
    return row_id


def naive_app():
    """gunicorn factory: the naive handler (validator, SELECT, INSERT, enqueue, TwiML)."""
    from flask import Flask, Response, request
    from redis import Redis
    from rq import Queue
    from rq.serializers import JSONSerializer
    from twilio.twiml.messaging_response import MessagingResponse

    from app.db import WRITE_INTENT, make_engine

    # The same engine set-up as the project (pool, SQLite WAL and busy_timeout, BEGIN
    # IMMEDIATE for a writer): the baseline differs in what the handler does, not in plumbing.
    engine = make_engine(os.environ["DATABASE_URL"]).execution_options(**{WRITE_INTENT: True})
    queue = Queue("bench", connection=Redis.from_url(os.environ["REDIS_URL"]),
                  serializer=JSONSerializer)
    validator = RequestValidator(os.environ["TWILIO_AUTH_TOKEN"])
    url = os.environ["PUBLIC_BASE_URL"] + "/twilio/sms"
    naive = Flask("naive")

    @naive.post("/twilio/sms")
    def sms() -> Response:
        if not validator.validate(url, request.form, request.headers.get("X-Twilio-Signature",
                                                                         "")):
            return Response("forbidden", status=403)
        phone, body = request.form.get("From", ""), request.form.get("Body", "")
        with engine.begin() as conn:
            seen = conn.execute(text(f"SELECT count(*) FROM {NAIVE_TABLE} WHERE phone = :p"),
                                {"p": phone}).scalar_one()
            row_id = conn.execute(text(
                f"INSERT INTO {NAIVE_TABLE} (sid, phone, body) VALUES (:s, :p, :b) RETURNING id"),
                {"s": request.form.get("MessageSid", ""), "p": phone, "b": body}).scalar_one()
        queue.enqueue("bench.webhook_bench.noop", row_id)
        response = MessagingResponse()
        response.message(f"Thank you ({seen + 1}).")
        return Response(str(response), mimetype="text/xml")

    return naive


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def scratch_database(kind: str) -> tuple[str, Callable[[], None]]:
    """A fresh, migrated database of `kind` (postgresql or sqlite) and how to drop it."""
    if kind == "sqlite":
        path = Path(tempfile.mkdtemp(prefix="h2h-bench-")) / "bench.sqlite3"
        url = f"sqlite:///{path}"
        migrate.upgrade(url)
        return url, lambda: None
    base = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    admin_url = make_url(base).set(drivername="postgresql+psycopg")
    name = f"h2h_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    migrate.upgrade(url)

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


def _create_naive_table(url: str) -> None:
    engine = create_engine(url)
    serial = "INTEGER PRIMARY KEY AUTOINCREMENT" if url.startswith("sqlite") else \
        "BIGSERIAL PRIMARY KEY"
    with engine.begin() as conn:
        conn.execute(text(f"CREATE TABLE {NAIVE_TABLE} (id {serial}, sid VARCHAR(64) UNIQUE, "
                          "phone VARCHAR(32), body TEXT)"))
        conn.execute(text(f"CREATE INDEX ix_{NAIVE_TABLE}_phone ON {NAIVE_TABLE} (phone)"))
    engine.dispose()


def serve(target: str, port: int, env: dict[str, str]) -> subprocess.Popen:
    """gunicorn with deploy/gunicorn.conf.py (what `here2help web` runs) on `port`."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", str(PROJECT_ROOT / "deploy" /
                                                            "gunicorn.conf.py"),
         "--bind", f"127.0.0.1:{port}", target],
        cwd=PROJECT_ROOT, env={**os.environ, "LOG_LEVEL": "warning", **env},
        stdout=subprocess.DEVNULL, process_group=0,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn ({target}) exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn ({target}) did not start")


def stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def phone_of(slot: int, resident: int) -> str:
    """A bench number: slot (app x round) then the resident (+447700 9 S RRRR).

    Every one of them is a number the service answers (a UK mobile range): some other
    07700 ranges are Jersey's, whose texts get no reply, which would make a round cheaper."""
    if not (0 <= slot < 10 and 0 <= resident < 10_000):
        raise ValueError("a bench number has one digit of slot and four of resident")
    return f"+4477009{slot}{resident:04d}"


def slot_pattern(slot: int) -> str:
    """A LIKE pattern matching every resident's number of `slot`."""
    return phone_of(slot, 0)[:-4] + "%"


def write_requests(path: Path, slot: int, residents: int, walk: list[str] = WALK) -> None:
    """Every resident's walk, step-major, each request signed for the public URL."""
    validator = RequestValidator(TOKEN)
    url = f"{PUBLIC_BASE}/twilio/sms"
    with path.open("w") as out:
        for step, body in enumerate(walk):
            for resident in range(residents):
                params = {"MessageSid": f"SM{slot}{step}{uuid.uuid4().hex[:28]}",
                          "From": phone_of(slot, resident), "To": "+441632960000",
                          "Body": body, "AccountSid": ACCOUNT, "NumSegments": "1"}
                out.write(f"{urlencode(params)}\t{validator.compute_signature(url, params)}\n")


def run_wrk(port: int, requests_file: Path, seconds: int, connections: int) -> dict:
    threads = 2
    result = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
         "--timeout", "15s", "-s", str(LUA), f"http://127.0.0.1:{port}/twilio/sms", "--",
         str(requests_file), str(threads)],
        capture_output=True, text=True, check=True)
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    return {"rps": figures["requests"] / (figures["duration_us"] / 1e6),
            "p50": figures["p50_us"] / 1000, "p99": figures["p99_us"] / 1000,
            "ok": figures["requests"] - figures["non2xx"], "non2xx": figures["non2xx"],
            "socket_errors": figures["socket_errors"]}


def _stat_fields(pid: str) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None  # gone meanwhile


def _comm(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except (FileNotFoundError, ProcessLookupError):
        return ""


def cpu_ticks(app_group: int) -> dict[str, int]:
    """CPU time so far (user + system, in clock ticks) of the app's gunicorn process group and
    of every local database and Redis process, read from /proc (Linux only: empty elsewhere).

    Throughput on a shared machine swings from round to round; the CPU a request costs, all
    processes that serve it counted, is the steadier figure. A remote database counts as 0."""
    ticks = {"app": 0, "database": 0, "redis": 0}
    if not Path("/proc/self/stat").exists():
        return {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = _stat_fields(entry)
        if fields is None:
            continue
        used = int(fields[11]) + int(fields[12])  # utime, stime
        if int(fields[2]) == app_group:  # pgrp
            ticks["app"] += used
        elif _comm(entry) == "postgres":
            ticks["database"] += used
        elif _comm(entry) == "redis-server":
            ticks["redis"] += used
    return ticks


def cpu_ms_per_request(before: dict[str, int], after: dict[str, int],
                       requests: int) -> dict[str, float]:
    """What `cpu_ticks` grew by, in milliseconds per request (empty when not measured)."""
    if not before or not after or requests <= 0:
        return {}
    per_tick_ms = 1000 / os.sysconf("SC_CLK_TCK")
    return {part: (after[part] - before[part]) * per_tick_ms / requests for part in before}


def inbound_rows(url: str, app: str, slot: int) -> int:
    engine = create_engine(url)
    like = slot_pattern(slot)
    query = (f"SELECT count(*) FROM {NAIVE_TABLE} WHERE phone LIKE :p" if app == "naive" else
             "SELECT count(*) FROM messages WHERE direction = 'inbound' AND from_phone LIKE :p")
    with engine.connect() as conn:
        count = conn.execute(text(query), {"p": like}).scalar_one()
    engine.dispose()
    return count


def median_of(rounds: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in rounds)


def bench_database(kind: str, redis_url: str) -> dict[str, float]:
    """Both apps on one fresh database of `kind`; returns the project/naive ratios."""
    rounds = int(os.environ.get("BENCH_ROUNDS", "3"))
    seconds = int(os.environ.get("BENCH_SECONDS", "8"))
    connections = int(os.environ.get("BENCH_CONNECTIONS", "32"))
    residents = int(os.environ.get("BENCH_RESIDENTS", "1500"))
    url, drop = scratch_database(kind)
    _create_naive_table(url)
    work = Path(tempfile.mkdtemp(prefix="h2h-bench-wrk-"))
    ports = {"naive": _free_port(), "project": _free_port()}
    env = {"DATABASE_URL": url, "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_ACCOUNT_SID": ACCOUNT,
           "SMS_BACKEND": "record", "HERE2HELP_INSTANCE": str(work / "instance"),
           "SECRET_KEY": "bench", "REDIS_URL": redis_url, "PUBLIC_BASE_URL": PUBLIC_BASE,
           "WEB_CONCURRENCY": os.environ.get("WEB_CONCURRENCY", "2"),
           "GUNICORN_THREADS": os.environ.get("GUNICORN_THREADS", "4")}
    procs = {"naive": serve("bench.webhook_bench:naive_app()", ports["naive"], env),
             "project": serve("app:create_app()", ports["project"], env)}
    results: dict[str, list[dict]] = {"naive": [], "project": []}
    print(f"{kind}: gunicorn {env['WEB_CONCURRENCY']} workers x {env['GUNICORN_THREADS']} "
          f"threads each; wrk {connections} connections x {seconds} s; {residents} residents "
          f"x {len(WALK)} texts; {rounds} interleaved rounds", flush=True)
    try:
        slot = 0
        for app in ("naive", "project"):  # warm-up: imports, flow parsing, pools
            write_requests(work / f"{slot}.txt", slot, 200)
            run_wrk(ports[app], work / f"{slot}.txt", 2, connections)
            slot += 1
        for index in range(rounds):
            order = ("naive", "project") if index % 2 == 0 else ("project", "naive")
            for app in order:
                write_requests(work / f"{slot}.txt", slot, residents)
                before = cpu_ticks(procs[app].pid)
                figures = run_wrk(ports[app], work / f"{slot}.txt", seconds, connections)
                time.sleep(1)  # let requests still in flight when wrk stopped finish
                cpu = cpu_ms_per_request(before, cpu_ticks(procs[app].pid),
                                         figures["ok"] + figures["non2xx"])
                figures["cpu"] = sum(cpu.values()) if cpu else float("nan")
                figures["rows"] = inbound_rows(url, app, slot)
                results[app].append(figures)
                lost = max(0, figures["ok"] - figures["rows"])
                print(f"  round {index + 1} {app:>7}: {figures['rps']:6.0f} req/s  p50 "
                      f"{figures['p50']:6.1f} ms  p99 {figures['p99']:6.1f} ms  200s "
                      f"{figures['ok']}  inbound rows {figures['rows']}  non-2xx "
                      f"{figures['non2xx']}  socket errors {figures['socket_errors']}  "
                      f"200s without a row {lost}", flush=True)
                if cpu:
                    print(f"    CPU per request: {figures['cpu']:.2f} ms (gunicorn "
                          f"{cpu['app']:.2f}, database {cpu['database']:.2f}, Redis "
                          f"{cpu['redis']:.2f})", flush=True)
                slot += 1
    finally:
        for proc in procs.values():
            stop(proc)
        drop()
    naive, project = results["naive"], results["project"]
    ratios = {"throughput": median_of(project, "rps") / median_of(naive, "rps"),
              "p99": median_of(project, "p99") / median_of(naive, "p99")}
    print(f"  median naive:   {median_of(naive, 'rps'):6.0f} req/s  p99 "
          f"{median_of(naive, 'p99'):6.1f} ms")
    print(f"  median project: {median_of(project, 'rps'):6.0f} req/s  p99 "
          f"{median_of(project, 'p99'):6.1f} ms")
    print(f"  ratio project/naive: throughput {ratios['throughput']:.2f}x (target >= 0.8), "
          f"p99 {ratios['p99']:.2f}x (target <= 1.5)", flush=True)
    if all(r["cpu"] == r["cpu"] for r in naive + project):  # measured (no NaN)
        ratios["cpu"] = median_of(naive, "cpu") / median_of(project, "cpu")
        print(f"  CPU per request (median): naive {median_of(naive, 'cpu'):.2f} ms, project "
              f"{median_of(project, 'cpu'):.2f} ms: the naive handler's cost is "
              f"{ratios['cpu']:.2f}x the project's", flush=True)
    return ratios


def on_each_database(bench: Callable[[str, str], object]) -> None:
    """Run `bench(kind, redis_url)` for each of BENCH_DATABASES, on an emptied BENCH_REDIS_URL."""
    from redis import Redis

    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/4")
    redis = Redis.from_url(redis_url)
    kinds = [k.strip() for k in os.environ.get("BENCH_DATABASES", "postgresql,sqlite")
             .split(",") if k.strip()]
    try:
        for kind in kinds:
            redis.flushdb()
            bench(kind, redis_url)
    finally:
        redis.flushdb()


def main() -> None:
    on_each_database(bench_database)


if __name__ == "__main__":
    main()
