"""A fake Twilio REST server the REAL `twilio` client talks to, checked against Twilio's OpenAPI.

`fake_twilio` starts an HTTP server on 127.0.0.1 (random port, a thread) that answers the
Messages API like Twilio: POST .../Messages.json -> 201 with a message resource ("SM" + 32 hex,
status "queued"), GET list (filtered by To and DateSent>) and GET fetch. Responses can be
scripted, in order, with `fake.script(...)`: "ok", a Twilio error code (21211, 21610, 21614,
21408, 21612, 20429 -> HTTP 429, 20500 -> HTTP 500), or "drop" (the message IS created, then the
connection is closed without an answer: the "maybe sent" case).

Prices: Twilio fills a message's or call's `price` in some time after its final status, so by
default every resource says `price` null. `price_after(gets=1, price="-0.0400")` makes each
resource answer null to its first `gets` GET fetches and the price from then on (per SID);
`add_call(...)` registers a call (GET .../Calls/CA....json fetches it, as Twilio's API does).

For load tests: `max_concurrent` (429 above it), `latency`, and `chaos(seed=, p429=, p500=,
pdrop=)` for seeded random failures; `count("429")`, `peak_in_flight` report what happened.

Every request is validated against Twilio's own OpenAPI description (tests/fixtures/twilio-oai)
with openapi-core, plus what the description does not encode (Body or MediaUrl; From or
MessagingServiceSid; To in E.164; HTTP basic auth with the right account): see
tests/plugins/twilio_api_contract.py. Violations are kept in `.violations` and fail the test at
teardown; a test about violations calls `take_violations()`.

`twilio_settings` is the test Settings with SMS_BACKEND=twilio and TWILIO_API_BASE_URL pointed at
the fake; `twilio_runtime` is the matching Runtime.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import random
import re
import secrets
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from werkzeug.test import EnvironBuilder

from app.models.base import utcnow
from tests.plugins.twilio_api_contract import TwilioApiContract

MESSAGES = re.compile(
    r"^/2010-04-01/Accounts/(AC[0-9a-fA-F]{32})/Messages(?:/(SM[0-9a-f]{32}))?\.json$"
)
CALLS = re.compile(r"^/2010-04-01/Accounts/(AC[0-9a-fA-F]{32})/Calls/(CA[0-9a-fA-F]{32})\.json$")

#: Twilio error code -> (HTTP status, message). Messages never echo the number (as Twilio's do).
ERRORS: dict[int, tuple[int, str]] = {
    21211: (400, "Invalid 'To' Phone Number"),
    21408: (400, "Permission to send an SMS has not been enabled for the region"),
    21610: (400, "Attempt to send to unsubscribed recipient"),
    21612: (400, "The 'To' phone number is not currently reachable via SMS"),
    21614: (400, "'To' number is not a valid mobile number"),
    20404: (404, "The requested resource was not found"),
    20429: (429, "Too Many Requests"),
    20500: (500, "Internal Server Error"),
}


@dataclasses.dataclass
class FakeRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    form: dict[str, list[str]]
    auth: tuple[str, str] | None
    outcome: str = ""  # for sends: "201", "400", "429", "500" or "drop"

    def get(self, name: str) -> str | None:
        values = self.form.get(name) or self.query.get(name)
        return values[0] if values else None


#: Some of the substitutions Twilio's Smart Encoding makes.
SMART_ENCODING = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"',
                                "\u2013": "-", "\u2014": "-", "\u00a0": " ", "\u2026": "..."})


class FakeTwilio:
    def __init__(self, account_sid: str, auth_token: str) -> None:
        self.account_sid, self.auth_token = account_sid, auth_token
        self.requests: list[FakeRequest] = []
        self.messages: dict[str, dict[str, Any]] = {}
        self.calls: dict[str, dict[str, Any]] = {}
        # Prices: (null answers before the price, price, unit); GET fetches counted per SID.
        self._pricing: tuple[int, str, str] | None = None
        self._fetches: dict[str, int] = {}
        self.violations: list[str] = []
        self._script: deque[str | int] = deque()
        self._lock = threading.Lock()
        # Load behaviour: Twilio's concurrency limit, latency, random failures.
        self.max_concurrent: int | None = None  # more sends at once than this get 429 (20429)
        self.latency = 0.0  # seconds each send takes
        # Twilio's Smart Encoding: curly quotes, long dashes... become their GSM look-alikes,
        # so the body Twilio stores (and lists) is not the one that was posted.
        self.smart_encoding = False
        self.in_flight = self.peak_in_flight = 0
        self._chaos: tuple[random.Random, float, float, float] | None = None
        self._server = _Server(("127.0.0.1", 0), _handler_for(self))
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.contract = TwilioApiContract(self.url, account_sid, auth_token)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), daemon=True
        )

    # -- control ---------------------------------------------------------------------------
    def start(self) -> FakeTwilio:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def script(self, *outcomes: str | int) -> None:
        """Queue the outcomes of the next POSTs: "ok", "drop" or a Twilio error code."""
        for outcome in outcomes:
            if outcome not in ("ok", "drop") and outcome not in ERRORS:
                raise ValueError(f"unknown scripted outcome {outcome!r}")
        with self._lock:
            self._script.extend(outcomes)

    def price_after(self, gets: int = 1, price: str = "-0.0400", unit: str = "GBP") -> None:
        """Every message and call answers `price` null to its first `gets` fetches, then
        `price` (Twilio's prices are negative: money spent)."""
        self._pricing = (gets, price, unit)

    def fetches(self, sid: str) -> int:
        """How many GET fetches of this message or call the fake answered."""
        with self._lock:
            return self._fetches.get(sid, 0)

    def add_call(self, *, status: str = "completed", duration: int = 42,
                 sid: str | None = None) -> str:
        """A call Twilio knows about (as if it had rung our number); returns its CallSid."""
        sid = sid or "CA" + secrets.token_hex(16)
        now = format_datetime(utcnow(), usegmt=False)
        base = f"/2010-04-01/Accounts/{self.account_sid}/Calls/{sid}"
        with self._lock:
            self.calls[sid] = {
                "account_sid": self.account_sid, "answered_by": None, "api_version": "2010-04-01",
                "caller_name": None, "date_created": now, "date_updated": now,
                "direction": "inbound", "duration": str(duration), "end_time": now,
                "forwarded_from": None, "from": "+447700900999", "from_formatted": "07700 900999",
                "group_sid": None, "parent_call_sid": None, "phone_number_sid": None,
                "price": None, "price_unit": "GBP", "queue_time": "0", "sid": sid,
                "start_time": now, "status": status, "subresource_uris": {},
                "to": "+441632960000", "to_formatted": "01632 960000", "trunk_sid": None,
                "uri": base + ".json",
            }
        return sid

    def _fetched(self, found: dict[str, Any]) -> dict[str, Any]:
        """A fetch of one resource: priced once it has been fetched often enough."""
        with self._lock:
            count = self._fetches[found["sid"]] = self._fetches.get(found["sid"], 0) + 1
            if self._pricing is not None and count > self._pricing[0]:
                found["price"], found["price_unit"] = self._pricing[1], self._pricing[2]
            return dict(found)

    def chaos(self, *, seed: int, p429: float = 0.0, p500: float = 0.0, pdrop: float = 0.0) -> None:
        """Random failures for unscripted sends (seeded, so a run can be repeated)."""
        self._chaos = (random.Random(seed), p429, p500, pdrop)

    def count(self, outcome: str) -> int:
        """How many sends were answered with `outcome` ("201", "429", "500", "drop"...)."""
        return sum(1 for r in self.sends if r.outcome == outcome)

    @property
    def sends(self) -> list[FakeRequest]:
        return [r for r in self.requests if r.method == "POST"]

    def take_violations(self) -> list[str]:
        with self._lock:
            found, self.violations = self.violations, []
        return found

    # -- serving ---------------------------------------------------------------------------
    def handle(self, method: str, raw_path: str, headers: dict[str, str], body: bytes):
        """-> (status, JSON payload) or None to drop the connection."""
        parts = urlsplit(raw_path)
        builder = EnvironBuilder(
            method=method,
            path=parts.path,
            query_string=parts.query,
            headers=headers,
            data=body,
            base_url=self.url,
        )
        wz_request = builder.get_request()
        request = FakeRequest(
            method,
            parts.path,
            parse_qs(parts.query),
            parse_qs(body.decode("utf-8")) if method == "POST" else {},
            _basic_auth(headers.get("Authorization")),
        )
        with self._lock:
            self.requests.append(request)
        problems = self.contract.check_request(
            wz_request, auth=request.auth, form={k: v[0] for k, v in request.form.items()}
        )
        if problems:
            with self._lock:
                self.violations.extend(problems)
            return 400, _error(21211 if "To" in " ".join(problems) else 20001, problems[0])
        route = MESSAGES.match(parts.path)
        call = CALLS.match(parts.path)
        if method == "POST" and route and not route.group(2):
            result = self._create(request)
        elif method == "GET" and route and route.group(2):
            found = self.messages.get(route.group(2))
            result = (200, self._fetched(found)) if found else (404, _error(20404))
        elif method == "GET" and call:
            found = self.calls.get(call.group(2))
            result = (200, self._fetched(found)) if found else (404, _error(20404))
        elif method == "GET" and route:
            result = (200, self._list(request, parts.path))
        else:
            result = (404, _error(20404))
        problem = None if result is None else self.contract.check_response(wz_request, *result)
        if problem:
            with self._lock:
                self.violations.append(problem)
        return result

    def _create(self, request: FakeRequest):
        with self._lock:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
            over = self.max_concurrent is not None and self.in_flight > self.max_concurrent
            outcome = 20429 if over else self._next_outcome()
        try:
            if self.latency:
                time.sleep(self.latency)
            request.outcome = str(ERRORS[outcome][0]) if isinstance(outcome, int) else outcome
            if isinstance(outcome, int):
                return ERRORS[outcome][0], _error(outcome)
            message = self._resource(request)
            with self._lock:
                self.messages[message["sid"]] = message
            request.outcome = "drop" if outcome == "drop" else "201"
            return None if outcome == "drop" else (201, message)
        finally:
            with self._lock:
                self.in_flight -= 1

    def _next_outcome(self) -> str | int:
        """Called with the lock held: the script first, then chaos, then success."""
        if self._script:
            return self._script.popleft()
        if self._chaos:
            rng, p429, p500, pdrop = self._chaos
            roll = rng.random()
            if roll < p429:
                return 20429
            if roll < p429 + p500:
                return 20500
            if roll < p429 + p500 + pdrop:
                return "drop"
        return "ok"

    def _resource(self, request: FakeRequest) -> dict[str, Any]:
        sid = "SM" + secrets.token_hex(16)
        now = format_datetime(utcnow(), usegmt=False)
        body = request.get("Body") or ""
        if self.smart_encoding:
            body = body.translate(SMART_ENCODING)
        base = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}"
        return {
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": body,
            "date_created": now,
            "date_sent": None,  # Twilio fills it in only once the message has left: not queued
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": request.get("From"),
            "messaging_service_sid": None,
            "num_media": "0",
            "num_segments": str(_segments(body)),
            "price": None,
            "price_unit": "GBP",
            "sid": sid,
            "status": "queued",
            "to": request.get("To"),
            "uri": base + ".json",
            "subresource_uris": {"media": base + "/Media.json"},
        }

    def _list(self, request: FakeRequest, path: str) -> dict[str, Any]:
        to = request.get("To")
        after = request.get("DateSent>")
        with self._lock:
            found = [m for m in self.messages.values() if to is None or m["to"] == to]
        if after:  # like Twilio: a message not sent yet (no DateSent) never matches
            day = after[:10]
            found = [m for m in found if m["date_sent"] and _iso_day(m["date_sent"]) >= day]
        # Twilio answers relative URIs here, but its description says format "uri": absolute.
        return {
            "messages": found,
            "end": max(len(found) - 1, 0),
            "first_page_uri": self.url + path,
            "next_page_uri": None,
            "page": 0,
            "page_size": 50,
            "previous_page_uri": None,
            "start": 0,
            "uri": self.url + path,
        }


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the client gave up (a timeout test): nothing to report
        super().handle_error(request, client_address)


def _handler_for(fake: FakeTwilio) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            result = fake.handle(self.command, self.path, dict(self.headers.items()), body)
            if result is None:  # "drop": received and created, then no answer at all
                self.close_connection = True
                return
            status, payload = result
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_DELETE = _serve

        def log_message(self, *args: object) -> None:  # keep test output clean
            pass

    return Handler


def _basic_auth(header: str | None) -> tuple[str, str] | None:
    if not header or not header.startswith("Basic "):
        return None
    user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    return user, password


def _error(code: int, message: str | None = None) -> dict[str, Any]:
    status, text = ERRORS.get(code, (400, "Bad request"))
    return {
        "code": code,
        "message": message or text,
        "status": status,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
    }


def _segments(body: str) -> int:
    from app.domain.sms_segments import count_segments

    return max(count_segments(body).segments, 1)


def _iso_day(rfc2822: str) -> str:
    from email.utils import parsedate_to_datetime

    return parsedate_to_datetime(rfc2822).date().isoformat()


@pytest.fixture
def fake_twilio(settings) -> Iterator[FakeTwilio]:
    fake = FakeTwilio(settings.twilio_account_sid, settings.twilio_auth_token).start()
    try:
        yield fake
    finally:
        fake.stop()
    assert not fake.violations, "requests to Twilio broke its API description:\n" + "\n".join(
        fake.violations
    )


@pytest.fixture
def twilio_settings(settings, fake_twilio: FakeTwilio):
    """The test Settings with SMS_BACKEND=twilio against the fake server."""
    return dataclasses.replace(
        settings,
        sms_backend="twilio",
        twilio_api_base_url=fake_twilio.url,
        public_base_url="https://help.example.org",
    )


@pytest.fixture
def twilio_runtime(runtime, twilio_settings):
    return dataclasses.replace(runtime, settings=twilio_settings)
