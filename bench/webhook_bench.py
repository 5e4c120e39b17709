"""Benchmark: POST /twilio/sms under concurrent load, as a ratio to a bare Flask endpoint.

Both apps are served by a real gunicorn on loopback with the same worker count, and driven by
the same client threads in the same run. The bare endpoint returns fixed TwiML and does nothing
else; the real path checks the X-Twilio-Signature, claims the MessageSid, loads and advances
the resident's conversation, logs the inbound message, creates the case at the end of each walk
and renders TwiML. Each simulated resident texts the whole default flow (8 messages).

    .venv/bin/python -m bench.webhook_bench          # or: .venv/bin/python -m bench
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test (default; a scratch database
    is created and dropped) or sqlite (BENCH_DATABASE_URL=sqlite); BENCH_WORKERS=4,
    BENCH_THREADS=16, BENCH_RESIDENTS=200. Redis: BENCH_REDIS_URL, else a closed port (the
    "Redis down" path: answers still go back, work is left for the sweeper).
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
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
FIXED_TWIML = ('<?xml version="1.0" encoding="UTF-8"?><Response><Message>Thank you.'
               "</Message></Response>")
WALK = ["hi", "1", "1", "1", "I need bread and milk", "WR1 2NN", "Ann", "yes"]
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def service_app():
    """gunicorn factory: the real application (webhooks only if another part is broken)."""
    import logging

    from app import create_app

    # The default "Redis down" path logs a warning per case; keep the bench output readable.
    logging.basicConfig(level=os.environ.get("BENCH_APP_LOG_LEVEL", "ERROR"))
    try:
        return create_app()
    except Exception as exc:
        print(f"create_app failed ({type(exc).__name__}); serving the webhooks alone",
              file=sys.stderr)
        from flask import Flask

        from app.runtime import Runtime
        from app.settings import load_settings
        from app.web import session as web_session
        from app.web.webhooks import init_webhooks

        bare = Flask("app")
        bare.extensions["here2help"] = Runtime.build(load_settings())
        web_session.init_app(bare)
        init_webhooks(bare)
        return bare


def bare_app():
    from flask import Flask, Response

    bare = Flask("bare")

    @bare.post("/twilio/sms")
    def fixed() -> Response:
        return Response(FIXED_TWIML, mimetype="text/xml")

    return bare


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database() -> tuple[str, Callable[[], None]]:
    base = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    if base == "sqlite":
        path = Path(tempfile.mkdtemp()) / "bench.sqlite3"
        url = f"sqlite:///{path}"
        migrate.upgrade(url)
        return url, lambda: None
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


def _serve(factory: str, port: int, env: dict[str, str], workers: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", f"bench.webhook_bench:{factory}()"],
        cwd=PROJECT_ROOT, env={**os.environ, **env}, process_group=0,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn ({factory}) did not start")


def _stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _drive(port: int, residents: int, threads: int) -> tuple[list[float], float, int]:
    """Every resident texts the whole walk; returns latencies, wall time, non-200 count."""
    validator = RequestValidator(TOKEN)
    url = f"http://127.0.0.1:{port}/twilio/sms"
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    queue = list(range(residents))

    def worker() -> None:
        while True:
            with lock:
                if not queue:
                    return
                index = queue.pop()
            phone = f"+4477009{index:05d}"
            for body in WALK:
                params = {"MessageSid": f"SM{uuid.uuid4().hex}", "From": phone,
                          "To": "+441632960000", "Body": body, "AccountSid": "AC" + "1" * 32}
                headers = {"Content-Type": "application/x-www-form-urlencoded",
                           "X-Twilio-Signature": validator.compute_signature(url, params)}
                started = time.perf_counter()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("POST", "/twilio/sms", urlencode(params), headers)
                response = conn.getresponse()
                response.read()
                conn.close()
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    if response.status != 200:
                        errors[0] += 1

    started = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return latencies, time.perf_counter() - started, errors[0]


def _summary(name: str, latencies: list[float], wall: float, errors: int) -> dict[str, float]:
    ordered = sorted(latencies)
    figures = {"rps": len(ordered) / wall, "p50": statistics.median(ordered) * 1000,
               "p99": ordered[int(len(ordered) * 0.99) - 1] * 1000}
    print(f"{name:>14}: {len(ordered)} requests, {figures['rps']:.0f} req/s, "
          f"p50 {figures['p50']:.1f} ms, p99 {figures['p99']:.1f} ms, non-200: {errors}")
    return figures


def main() -> None:
    workers = int(os.environ.get("BENCH_WORKERS", "4"))
    threads = int(os.environ.get("BENCH_THREADS", "16"))
    residents = int(os.environ.get("BENCH_RESIDENTS", "200"))
    database_url, drop = _database()
    instance = Path(tempfile.mkdtemp())
    service_port, bare_port = _free_port(), _free_port()
    env = {"DATABASE_URL": database_url, "TWILIO_AUTH_TOKEN": TOKEN,
           "TWILIO_ACCOUNT_SID": "AC" + "1" * 32, "SMS_BACKEND": "record",
           "HERE2HELP_INSTANCE": str(instance), "SECRET_KEY": "bench",
           "REDIS_URL": os.environ.get("BENCH_REDIS_URL") or f"redis://127.0.0.1:{_free_port()}/0",
           "PUBLIC_BASE_URL": f"http://127.0.0.1:{service_port}"}
    print(f"database {make_url(database_url).get_backend_name()}, gunicorn workers {workers}, "
          f"client threads {threads}, residents {residents} x {len(WALK)} texts")
    procs = [_serve("service_app", service_port, env, workers),
             _serve("bare_app", bare_port, {}, workers)]
    try:
        _drive(service_port, 5, 2)  # warm up: imports, flow parsing, connection pools
        bare = _summary("bare Flask", *_drive(bare_port, residents, threads))
        real = _summary("/twilio/sms", *_drive(service_port, residents, threads))
        print(f"{'ratio':>14}: throughput {bare['rps'] / real['rps']:.1f}x lower, "
              f"p50 {real['p50'] / bare['p50']:.1f}x, p99 {real['p99'] / bare['p99']:.1f}x "
              "(real / bare)")
    finally:
        for proc in procs:
            _stop(proc)
        drop()


if __name__ == "__main__":
    main()
