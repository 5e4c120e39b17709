"""`here2help serve`: run gunicorn and one rq worker as child processes and stop them all.

Each child gets its own process group, so that (a) Ctrl-C in the terminal reaches only this
supervisor, which then stops the children in order, and (b) once a child has exited, killing its
group also removes whatever it left behind (gunicorn's workers, rq's work-horse and scheduler).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field

#: How long a child may take to stop after SIGTERM (rq finishes its current job) before SIGKILL.
STOP_GRACE_SECONDS = 20.0
WEB_START_SECONDS = 60.0


class PortInUse(Exception):
    pass


def check_port_free(host: str, port: int) -> None:
    """Raise PortInUse (one line) when host:port cannot be bound, before starting anything."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise PortInUse(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as exc:
            raise PortInUse(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def wait_for_port(host: str, port: int, timeout: float, alive) -> bool:
    """True once something accepts connections on host:port; False on timeout or if not alive()."""
    wildcard = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}  # noqa: S104
    connect_host = wildcard.get(host, host)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive():
        try:
            with socket.create_connection((connect_host, port), timeout=1):
                return True
        except OSError:
            time.sleep(0.1)
    return False


@dataclass
class Supervisor:
    env: dict[str, str]
    children: dict[str, subprocess.Popen] = field(default_factory=dict)
    stopping: bool = False

    def start(self, name: str, argv: list[str]) -> None:
        self.children[name] = subprocess.Popen(
            argv, env=self.env, stdin=subprocess.DEVNULL, process_group=0
        )

    def install_signal_handlers(self) -> None:
        def handler(signum, _frame):
            self.stopping = True

        signal.signal(signal.SIGINT, handler)
        signal.signal(signal.SIGTERM, handler)
        if hasattr(signal, "SIGHUP"):
            signal.signal(signal.SIGHUP, handler)

    def all_alive(self) -> bool:
        return all(child.poll() is None for child in self.children.values())

    def watch(self) -> str | None:
        """Block until asked to stop (None) or a child exits by itself (a one-line reason)."""
        while not self.stopping:
            for name, child in self.children.items():
                code = child.poll()
                if code is not None:
                    return f"the {name} process exited unexpectedly (status {code})"
            time.sleep(0.2)
        return None

    def stop_all(self) -> None:
        """SIGTERM every child (web first: no new requests), wait, then SIGKILL what is left."""
        for child in self.children.values():
            _signal_group(child, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in self.children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(child, signal.SIGKILL)
                child.wait()
        for child in self.children.values():
            _signal_group(child, signal.SIGKILL)  # leftovers in the group: work-horse, scheduler


def _signal_group(child: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(child.pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def worker_argv(*, burst: bool = False) -> list[str]:
    """The worker process (`python -m workers`) with this interpreter: what `here2help worker`
    runs, started directly (it needs no console script on PATH)."""
    return [sys.executable, "-m", "workers", *(["--burst"] if burst else [])]
