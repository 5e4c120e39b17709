"""Real processes: `serve` with no environment at all, `web`, `worker`; nothing left behind."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from app.settings import PROJECT_ROOT
from tests.plugins.redis_server import free_port

pytestmark = pytest.mark.slow

HERE2HELP = [sys.executable, "-c", "from app.cli import main; main()"]


def _bare_env(instance: Path) -> dict[str, str]:
    """No configuration at all: only what any shell has, and a throw-away instance/."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(instance),
            "LANG": "C.UTF-8", "HERE2HELP_INSTANCE": str(instance)}


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen([*HERE2HELP, *args], env=env, cwd=PROJECT_ROOT,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def _healthz(port: int, proc: subprocess.Popen, log: Path, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()[-3000:]
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as resp:
                return {"status_code": resp.status, **json.loads(resp.read())}
        except OSError:
            time.sleep(0.25)
    raise AssertionError("no answer on /healthz within a minute:\n" + log.read_text()[-3000:])


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _kill_tree(proc: subprocess.Popen, extra: set[int] | None = None) -> None:
    """After a failed test: no process of ours may outlive it, whatever state it is in."""
    for pid in _descendants(proc.pid) | {proc.pid} | (extra or set()):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait()


def _embedded_redis_pid(instance: Path) -> int:
    registry = json.loads((instance / "redis.db.settings").read_text())
    return int(Path(registry["pidfile"]).read_text())


def _stop_and_check(proc: subprocess.Popen, pids: set[int], signum: int, log: Path) -> None:
    proc.send_signal(signum)
    try:
        code = proc.wait(timeout=45)
    finally:
        if proc.poll() is None:
            _kill_tree(proc, pids)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.1)
    left = sorted(p for p in pids if _alive(p))
    assert left == [], f"left behind: {left}\n{log.read_text()[-3000:]}"
    assert code == 0, log.read_text()[-3000:]
    assert "Traceback" not in log.read_text()


def _our_pids(proc: subprocess.Popen, instance: Path | None = None) -> set[int]:
    pids = _descendants(proc.pid)
    if instance is not None and (instance / "redis.db.settings").exists():
        pids.add(_embedded_redis_pid(instance))
    return pids


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_serve_with_no_environment_is_healthy_and_stops_everything(tmp_path, signum) -> None:
    port, log = free_port(), tmp_path / "serve.log"
    proc = _start(["serve", "--port", str(port)], _bare_env(tmp_path), log)
    try:
        health = _healthz(port, proc, log)
        assert health == {"status_code": 200, "status": "ok", "database": "ok", "redis": "ok"}
        time.sleep(1)  # let the worker finish starting its scheduler process
        pids = _our_pids(proc, tmp_path)
        assert len(pids) >= 4  # gunicorn master + workers, rq worker (+ scheduler), redis-server
        text = log.read_text()
        assert f"http://127.0.0.1:{port}/login" in text
        assert f"http://127.0.0.1:{port}/twilio/sms" in text
    except BaseException:
        _kill_tree(proc, _our_pids(proc, tmp_path))
        raise
    _stop_and_check(proc, pids, signum, log)


def test_serve_stops_everything_when_a_child_dies(tmp_path) -> None:
    port, log = free_port(), tmp_path / "serve.log"
    proc = _start(["serve", "--port", str(port)], _bare_env(tmp_path), log)
    try:
        _healthz(port, proc, log)
        time.sleep(1)
        pids = _our_pids(proc, tmp_path)
        # The rq worker itself: serve's own child, not the scheduler it forked (same cmdline).
        worker = next(p for p in _descendants(proc.pid) if _parent(p) == proc.pid
                      and b"worker" in Path(f"/proc/{p}/cmdline").read_bytes())
        os.kill(worker, signal.SIGKILL)
        code = proc.wait(timeout=45)
    except BaseException:
        _kill_tree(proc, _our_pids(proc, tmp_path))
        raise
    assert code == 1
    assert "error: the worker process exited unexpectedly" in log.read_text()
    time.sleep(0.5)
    assert sorted(p for p in pids if _alive(p)) == []


def test_serve_on_a_port_in_use_is_one_line_and_exit_1(tmp_path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run([*HERE2HELP, "serve", "--port", str(port)],
                              env=_bare_env(tmp_path), cwd=PROJECT_ROOT, capture_output=True,
                              text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"error: cannot listen on 127.0.0.1:{port}: Address already in use"]
    assert not (tmp_path / "redis.db.settings").exists()  # nothing was started


def test_web_alone_serves_health(tmp_path, committed_env) -> None:
    port, log = free_port(), tmp_path / "web.log"
    proc = _start(["web", "--port", str(port)], committed_env, log)
    try:
        assert _healthz(port, proc, log)["status_code"] == 200
        pids = _descendants(proc.pid)
        assert len(pids) >= 1  # gunicorn's workers (gunicorn itself replaced `here2help web`)
    except BaseException:
        _kill_tree(proc)
        raise
    _stop_and_check(proc, pids, signal.SIGTERM, log)


def test_worker_alone_runs_jobs_and_stops_on_sigterm(spawn_worker, committed_runtime,
                                                      redis_conn) -> None:
    from app.adapters.rq_queue import job_queue_for

    proc = spawn_worker()
    assert job_queue_for(committed_runtime).enqueue("tests.platform.jobs.mark", 11,
                                                    job_id="mark:11")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not redis_conn.lrange("test:marks", 0, -1):
        assert proc.poll() is None, proc.log_path.read_text()
        time.sleep(0.1)
    assert redis_conn.lrange("test:marks", 0, -1) == [b"11"], proc.log_path.read_text()
    pids = _descendants(proc.pid)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0, proc.log_path.read_text()
    time.sleep(0.5)
    assert sorted(p for p in pids if _alive(p)) == []
    assert "Traceback" not in proc.log_path.read_text()


def test_worker_warns_at_start_when_redis_may_evict_jobs(spawn_worker, committed_env,
                                                         redis_process) -> None:
    redis_process.client().config_set("maxmemory-policy", "allkeys-lru")
    proc = spawn_worker(env={**committed_env, "REDIS_URL": redis_process.url})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and "Listening on" not in proc.log_path.read_text():
        assert proc.poll() is None, proc.log_path.read_text()
        time.sleep(0.1)
    text = proc.log_path.read_text()
    assert "maxmemory-policy is 'allkeys-lru', not 'noeviction'" in text
