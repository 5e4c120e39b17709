"""Post to /twilio/ webhooks signed exactly as Twilio signs them (RequestValidator)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pytest
from twilio.request_validator import RequestValidator

BASE_URL = "http://localhost"


def sign(token: str, url: str, params: Mapping[str, str]) -> str:
    return RequestValidator(token).compute_signature(url, dict(params))


@pytest.fixture
def twilio_post(client, settings) -> Callable:
    """`twilio_post("/twilio/sms", {...})` -> the Flask response; `signature=` overrides it."""

    def post(path: str, params: Mapping[str, str], *, signature: str | None = None, **kw):
        url = BASE_URL + path
        sig = signature if signature is not None else sign(settings.twilio_auth_token, url, params)
        headers = {"X-Twilio-Signature": sig, **kw.pop("headers", {})}
        return client.post(path, data=dict(params), headers=headers, **kw)

    return post
