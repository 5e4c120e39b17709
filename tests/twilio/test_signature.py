"""X-Twilio-Signature: the SDK's known-answer vectors through our wrapper, forged requests on
every /twilio route, and PUBLIC_BASE_URL behind a proxy."""

from __future__ import annotations

import dataclasses
import logging
import re

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from app import create_app
from app.adapters.twilio.signature import SignedRequest, check_signature, signed_url
from app.models.base import Base
from tests.plugins.twilio_webhooks import sign

# Known-answer vectors from twilio-python's tests/unit/test_request_validator.py
TOKEN = "12345"
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
    "Caller": "+14158675309",
}
JSON_BODY = '{"property": "value", "boolean": true}'
BODY_SHA = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"


def _form(url: str, form, signature: str) -> SignedRequest:
    return SignedRequest(url=url, form=form, signature=signature)


@pytest.mark.parametrize(
    ("url", "signature"),
    [
        (URL, "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
        ("https://mycompany.com:443/myapp.php?foo=1&bar=2", "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
        (URL, "kvajT1Ptam85bY51eRf/AJRuM3w="),  # signed by Twilio with :443
    ],
    ids=["plain", "request-has-443", "signed-with-443"],
)
def test_known_answer_vectors(url: str, signature: str) -> None:
    assert check_signature(TOKEN, _form(url, MultiDict(PARAMS), signature), None) is None


def test_known_answer_duplicate_params_need_the_multidict() -> None:
    form = MultiDict(
        [("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"), ("Digits", "1234")]
    )
    request = _form(URL, form, "IK+Dwps556ElfBT0I3Rgjkr1wJU=")
    assert check_signature(TOKEN, request, None) is None
    flattened = dataclasses.replace(request, form=form.to_dict())
    assert check_signature(TOKEN, flattened, None) == "signature mismatch"


def test_known_answer_json_body_sha256() -> None:
    url = f"{URL}&bodySHA256={BODY_SHA}"
    good = SignedRequest(
        url=url,
        form={},
        signature="a9nBmqA0ju/hNViExpshrM61xv4=",
        content_type="application/json",
        raw_body=JSON_BODY.encode(),
    )
    assert check_signature(TOKEN, good, None) is None
    tampered = dataclasses.replace(good, raw_body=JSON_BODY.replace("value", "evil").encode())
    assert check_signature(TOKEN, tampered, None) == "signature mismatch"
    unsigned_body = dataclasses.replace(good, url=URL)
    assert check_signature(TOKEN, unsigned_body, None) == "JSON body without bodySHA256"


def test_wrong_token_and_missing_signature() -> None:
    request = _form(URL, MultiDict(PARAMS), "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
    assert check_signature("54321", request, None) == "signature mismatch"
    assert check_signature(TOKEN, dataclasses.replace(request, signature=None), None)
    assert check_signature(TOKEN, dataclasses.replace(request, signature=""), None)


def test_signed_url_uses_the_public_base_and_keeps_the_query() -> None:
    assert signed_url("http://app:8000/twilio/sms?x=1", "https://h.example") == (
        "https://h.example/twilio/sms?x=1"
    )
    assert signed_url("http://app:8000/twilio/sms", "https://h.example/line/") == (
        "https://h.example/line/twilio/sms"
    )
    assert signed_url("http://app:8000/twilio/sms", None) == "http://app:8000/twilio/sms"


# --- through the Flask app -------------------------------------------------------------------

FORM = {
    "MessageSid": "SM" + "a" * 32,
    "AccountSid": "AC" + "1" * 32,
    "From": "+447700900123",
    "To": "+441632960000",
    "Body": "help please",
    "MessageStatus": "delivered",
}


def twilio_paths(app) -> list[str]:
    paths = sorted(
        {
            r.rule
            for r in app.url_map.iter_rules()
            if r.endpoint.startswith("twilio.") and "POST" in (r.methods or ())
        }
    )
    assert "/twilio/status" in paths
    # Routes with variables (/twilio/voice/<step>) are filled in with "1".
    return [re.sub(r"<[^>]+>", "1", p) for p in paths]


def _row_counts(db_session) -> dict[str, int]:
    return {
        t.name: db_session.scalar(select(func.count()).select_from(t))
        for t in Base.metadata.sorted_tables
    }


def _forgeries(token: str, path: str) -> list[tuple[str, dict, dict]]:
    """(name, params to post, headers) for `path`: each must be refused."""
    url = "http://localhost" + path
    good = {"X-Twilio-Signature": sign(token, url, FORM)}
    return [
        ("missing", FORM, {}),
        ("forged", FORM, {"X-Twilio-Signature": "AAAAAAAAAAAAAAAAAAAAAAAAAAA="}),
        ("wrong-token", FORM, {"X-Twilio-Signature": sign("old-token", url, FORM)}),
        ("body-changed", {**FORM, "Body": "changed"}, good),
        ("from-changed", {**FORM, "From": "+447700900999"}, good),
        ("param-added", {**FORM, "Extra": "1"}, good),
        ("other-route", FORM, {"X-Twilio-Signature": sign(token, url + "x", FORM)}),
    ]


def test_every_twilio_route_refuses_forged_requests(app, client, settings, db_session, caplog):
    before = _row_counts(db_session)
    caplog.set_level(logging.WARNING, logger="here2help.security")
    for path in twilio_paths(app):
        for name, params, headers in _forgeries(settings.twilio_auth_token, path):
            response = client.post(path, data=params, headers=headers)
            assert response.status_code == 403, (path, name)
            assert b"signature" in response.data
    assert _row_counts(db_session) == before  # no row written
    assert app.extensions["here2help"]._redis is None  # Redis never touched: no job enqueued
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "twilio webhook rejected" in logged
    assert "+447700900" not in logged and "help please" not in logged


def test_signed_request_passes_the_check(twilio_post):
    response = twilio_post(
        "/twilio/status", {"MessageSid": "SM" + "b" * 32, "MessageStatus": "sent"}
    )
    assert response.status_code == 200


@pytest.fixture
def proxied_client(runtime, settings):
    proxied = dataclasses.replace(settings, public_base_url="https://help.example.org")
    runtime = dataclasses.replace(runtime, settings=proxied)
    return create_app(runtime=runtime).test_client()


def test_public_base_url_behind_a_proxy(proxied_client, settings):
    params = {"MessageSid": "SM" + "c" * 32, "MessageStatus": "sent"}
    public_sig = sign(settings.twilio_auth_token, "https://help.example.org/twilio/status", params)
    # Flask sees http://app:8000/... (the proxy's upstream); Twilio signed the public URL.
    ok = proxied_client.post(
        "/twilio/status",
        data=params,
        base_url="http://app:8000",
        headers={"X-Twilio-Signature": public_sig, "X-Forwarded-Proto": "https"},
    )
    assert ok.status_code == 200
    # An attacker signs the URL with a host of their choosing and forges X-Forwarded-Host:
    evil_sig = sign("attacker-token", "https://evil.example/twilio/status", params)
    forged = proxied_client.post(
        "/twilio/status",
        data=params,
        base_url="http://app:8000",
        headers={"X-Twilio-Signature": evil_sig, "X-Forwarded-Host": "evil.example"},
    )
    assert forged.status_code == 403
    # A signature over the internal URL is not accepted either: only the public URL counts.
    internal_sig = sign(settings.twilio_auth_token, "http://app:8000/twilio/status", params)
    internal = proxied_client.post(
        "/twilio/status",
        data=params,
        base_url="http://app:8000",
        headers={"X-Twilio-Signature": internal_sig},
    )
    assert internal.status_code == 403


def test_json_body_is_checked_against_body_sha256(client, settings):
    import hashlib

    body = '{"MessageSid": "SM00000000000000000000000000000000", "MessageStatus": "sent"}'
    path = f"/twilio/status?bodySHA256={hashlib.sha256(body.encode()).hexdigest()}"
    headers = {
        "X-Twilio-Signature": sign(settings.twilio_auth_token, "http://localhost" + path, {})
    }
    # Signature and hash good: past the check (the route itself only takes form posts: 400).
    good = client.post(path, data=body, content_type="application/json", headers=headers)
    assert good.status_code == 400
    changed = client.post(
        path, data=body.replace("sent", "read"), content_type="application/json", headers=headers
    )
    assert changed.status_code == 403
    no_hash = client.post(
        "/twilio/status", data=body, content_type="application/json", headers=headers
    )
    assert no_hash.status_code == 403


def test_unicode_and_empty_values_are_signed_byte_exact() -> None:
    form = MultiDict(
        [("Body", "Dŵr 📩 \u200d مرحبا\r\n"), ("From", "+447700900123"), ("Empty", "")]
    )
    url = "https://help.example.org/twilio/sms"
    signature = sign(TOKEN, url, form)
    assert check_signature(TOKEN, _form(url, form, signature), None) is None
    trimmed = MultiDict([("Body", "Dŵr 📩 \u200d مرحبا"), ("From", "+447700900123"), ("Empty", "")])
    assert check_signature(TOKEN, _form(url, trimmed, signature), None) == "signature mismatch"
