"""Limits a stranger must not be able to turn against everyone else: the public sign-up page
counts only sign-ups that went through and keeps what was typed; behind a proxy each client
is limited by its own address; the limiter's counts live in Redis, shared by processes."""

from __future__ import annotations

import dataclasses

from app import create_app
from app.runtime import Runtime
from app.web.console.extensions import limiter, limiter_storage_uri
from tests.signin import csrf_from

SIGNUP = {"name": "Sam Helper", "postcode": "wr1 2nn", "needs": ["food"],
          "max_distance_km": "3", "agree": "y"}


def _signup(client, **fields):
    token = csrf_from(client.get("/volunteer-signup").get_data(as_text=True))
    return client.post("/volunteer-signup", data={"csrf_token": token, **SIGNUP, **fields})


def test_typing_mistakes_do_not_use_up_the_sign_up_limit(client):
    for _ in range(5):  # a real person getting their number wrong, again and again
        assert _signup(client, phone="not a number").status_code == 400
    assert _signup(client, phone="07700 900321").status_code == 302


def test_over_the_limit_the_form_comes_back_with_what_was_typed(client):
    for i in range(3):
        assert _signup(client, phone=f"07700 90032{i}").status_code == 302
    over = _signup(client, phone="07700 900329", name="Pat Typed-Carefully")
    assert over.status_code == 429
    html = over.get_data(as_text=True)
    assert "Everything you typed" in html
    assert 'value="Pat Typed-Carefully"' in html and 'value="07700 900329"' in html


def _proxied_app(runtime, hops: int):
    settings = dataclasses.replace(runtime.settings, trusted_proxy_count=hops)
    return create_app(runtime=Runtime(settings=settings, engine=runtime.engine,
                                      session_factory=runtime.session_factory))


def test_behind_a_trusted_proxy_each_client_has_its_own_sign_up_limit(runtime):
    client = _proxied_app(runtime, 1).test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.0.2"  # the proxy
    for i in range(3):
        client.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.5"
        assert _signup(client, phone=f"07700 90033{i}").status_code == 302
    assert _signup(client, phone="07700 900339").status_code == 429
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.8"  # someone else
    assert _signup(client, phone="07700 900338").status_code == 302


def test_without_a_trusted_proxy_a_forged_header_changes_nothing(runtime):
    client = _proxied_app(runtime, 0).test_client()
    for i in range(3):
        client.environ_base["HTTP_X_FORWARDED_FOR"] = f"203.0.113.{i}"
        assert _signup(client, phone=f"07700 90034{i}").status_code == 302
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.99"
    assert _signup(client, phone="07700 900349").status_code == 429


def test_the_limiter_counts_in_the_apps_redis(runtime, redis_url):
    assert limiter_storage_uri("redis://10.1.2.3:6379/4", False) == "redis://10.1.2.3:6379/4"
    assert limiter_storage_uri("unix:///run/redis.sock?db=2", False) == \
        "redis+unix:///run/redis.sock?db=2"
    assert limiter_storage_uri(None, False) == "memory://"
    settings = dataclasses.replace(runtime.settings, testing=False, redis_url=redis_url)
    try:
        create_app(runtime=Runtime(settings=settings, engine=runtime.engine,
                                   session_factory=runtime.session_factory))
        assert type(limiter.storage).__name__ == "RedisStorage"
        assert limiter.storage.check()
    finally:
        create_app(runtime=runtime)  # back to a per-test in-memory count for later tests
