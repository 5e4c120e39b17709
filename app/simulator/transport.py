"""Signed webhook POSTs to a running service, as Twilio makes them.

Twilio signs the PUBLIC URL it requested. When PUBLIC_BASE_URL is set the
service checks signatures against it, whatever host the request really reached; so we sign the
public form of each URL while posting to the address given with --url (a tunnel or proxy in
front of a dev box is exactly this situation).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import requests

DEFAULT_URL = "http://127.0.0.1:5000"
#: Twilio's own limit for a webhook answer; a slower service would already have failed.
TIMEOUT_SECONDS = 15


class SimulatorError(Exception):
    """Something the person at the terminal must fix; the message is one line."""


def twilio_signature(token: str, url: str, params: Mapping[str, str]) -> str:
    """X-Twilio-Signature: base64(HMAC-SHA1(token, url + name1 + value1 + ... sorted by name)).

    Written out here (rather than importing twilio) because Twilio's SDK is only allowed in the
    adapters; tests check it against `twilio.request_validator.RequestValidator`.
    """
    payload = url + "".join(name + params[name] for name in sorted(params))
    digest = hmac.new(token.encode(), payload.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def new_sid(prefix: str) -> str:
    """A Twilio-shaped id: two letters and 32 hex digits (SM..., CA..., RE...)."""
    return prefix + secrets.token_hex(16)


@dataclass
class Transport:
    """Posts signed forms; remembers the last document URL so relative action URLs resolve."""

    base_url: str
    token: str
    public_base_url: str | None = None
    session: requests.Session = field(default_factory=requests.Session)
    last_url: str | None = None

    def resolve(self, target: str) -> tuple[str, str]:
        """(URL to post to, URL to sign) for a path, a relative or an absolute URL."""
        absolute = urljoin(self.last_url or self.base_url + "/", target)
        public = (self.public_base_url or "").rstrip("/")
        if public and absolute.startswith(public + "/"):
            return self.base_url + absolute[len(public):], absolute
        if public and absolute.startswith(self.base_url + "/"):
            return absolute, public + absolute[len(self.base_url):]
        return absolute, absolute

    def post(self, target: str, params: Mapping[str, str]) -> requests.Response:
        """POST `params` to `target`, signed; SimulatorError when nothing answers or not 2xx."""
        post_url, signed = self.resolve(target)
        headers = {"X-Twilio-Signature": twilio_signature(self.token, signed, params),
                   "User-Agent": "TwilioProxy/1.1 (here2help simulate)"}
        try:
            response = self.session.post(post_url, data=dict(params), headers=headers,
                                         timeout=TIMEOUT_SECONDS, allow_redirects=False)
        except requests.ConnectionError:
            raise SimulatorError(
                f"no service at {self.base_url}: start it with `here2help serve`"
            ) from None
        except requests.Timeout:
            raise SimulatorError(
                f"{urlsplit(post_url).path} did not answer within {TIMEOUT_SECONDS} s "
                "(Twilio would have given up and used the fallback URL)"
            ) from None
        if not 200 <= response.status_code < 300:
            raise SimulatorError(
                f"{urlsplit(post_url).path} answered HTTP {response.status_code}"
                + (" (signature refused: is TWILIO_AUTH_TOKEN the same as the service's?)"
                   if response.status_code == 403 else "")
            )
        self.last_url = signed
        return response
