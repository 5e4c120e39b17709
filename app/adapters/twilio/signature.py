"""Is this request really from Twilio? (X-Twilio-Signature, checked with Twilio's own SDK.)

Twilio signs the FULL URL it requested (query string included) followed by every POST parameter
sorted by name, with HMAC-SHA1 keyed by the account Auth Token. Three things
make a correct signature fail, and this module is built around them:

- the URL: behind a proxy or TLS terminator the app sees `http://app:8000/...` while Twilio
  signed `https://public-host/...`. So when PUBLIC_BASE_URL is set, the URL is rebuilt from it
  and NOTHING from the request's Host / X-Forwarded-* headers is used (a forged
  X-Forwarded-Host then cannot choose the URL being checked). `:443`/`:80` variations are
  tolerated by the SDK's validator itself.
- the parameters: the form must be passed as the MultiDict it arrived as (repeated keys count).
- JSON bodies: Twilio adds `bodySHA256` to the URL; the URL signature covers it and the raw
  body must hash to it. A JSON body is never validated as form parameters.

This module has no Flask import: `app.web.webhooks` hands it what it needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from twilio.request_validator import RequestValidator

SIGNATURE_HEADER = "X-Twilio-Signature"


@dataclass(frozen=True)
class SignedRequest:
    """The parts of an HTTP request a signature covers."""

    url: str  # as the app received it (scheme://host/path?query)
    form: Mapping[str, str]  # a MultiDict for form posts (passed through unchanged)
    signature: str | None
    content_type: str = ""
    raw_body: bytes = b""


def signed_url(request_url: str, public_base_url: str | None) -> str:
    """The URL Twilio signed: the public base + path + query when configured, else as received.

    `public_base_url` may carry a path prefix that a proxy strips (https://x.org/helpline).
    """
    if not public_base_url:
        return request_url
    parts = urlsplit(request_url)
    url = public_base_url.rstrip("/") + parts.path
    return f"{url}?{parts.query}" if parts.query else url


def check_signature(token: str, request: SignedRequest, public_base_url: str | None) -> str | None:
    """None when the request is signed by `token`; otherwise a short reason (for the log only)."""
    if not request.signature:
        return "missing signature"
    url = signed_url(request.url, public_base_url)
    validator = RequestValidator(token)
    is_json = request.content_type.split(";")[0].strip().lower() == "application/json"
    if is_json:
        if "bodySHA256" not in parse_qs(urlsplit(url).query):
            return "JSON body without bodySHA256"
        try:
            body = request.raw_body.decode("utf-8")
        except UnicodeDecodeError:
            return "body is not UTF-8"
        ok = validator.validate(url, body, request.signature)
    else:
        ok = validator.validate(url, request.form, request.signature)
    return None if ok else "signature mismatch"
