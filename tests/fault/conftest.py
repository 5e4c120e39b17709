"""Fault-suite fixtures: the real web server (gunicorn, several processes and threads) on the
committed database, residents that text it with real Twilio signatures, and a way to print each
test's figures (lost, duplicated, 500s, time to drain) on one line that `make soak` collects."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from app.settings import PROJECT_ROOT
from tests.plugins.redis_server import _stop, free_port
from tests.plugins.twilio_webhooks import BASE_URL, sign

HELPLINE = "+441632960000"
#: One walk through the SMS flow to a case (language, category, need, details, postcode,
#: name, consent): the same script as the conversation tests.
WALK = ["hi", "1", "2", "1", "I need bread and milk", "WR1 2NN", "Ann Jones", "yes"]


@dataclass
class WebServer:
    url: str
    auth_token: str
    proc: subprocess.Popen
    log_path: Path

    def post_sms(self, phone: str, body: str, sid: str,
                 extra: Mapping[str, str] | None = None) -> tuple[int, str]:
        """POST /twilio/sms signed the way Twilio signs it; (status, body)."""
        params = {"MessageSid": sid, "AccountSid": "AC" + "1" * 32, "From": phone,
                  "To": HELPLINE, "Body": body, "NumMedia": "0", **(extra or {})}
        return self.post_signed("/twilio/sms", params)

    def post_signed(self, path: str, params: Mapping[str, str]) -> tuple[int, str]:
        signature = sign(self.auth_token, self.url + path, params)
        data = urllib.parse.urlencode(params).encode("utf-8")
        return self.request("POST", path, data, {
            "X-Twilio-Signature": signature,
            "Content-Type": "application/x-www-form-urlencoded"})

    def request(self, method: str, path: str, data: bytes | None = None,
                headers: Mapping[str, str] | None = None) -> tuple[int, str]:
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers=dict(headers or {}))
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, resp.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace")

    def post_json(self, path: str, body: object, token: str) -> tuple[int, str]:
        return self.request("POST", path, json.dumps(body).encode(), {
            "Authorization": f"Bearer {token}", "Content-Type": "application/json"})


@pytest.fixture
def start_web(committed_env: dict[str, str],
              tmp_path: Path) -> Iterator[Callable[..., WebServer]]:
    """`start_web(env)` -> a running `here2help web` with the shipped gunicorn settings
    (deploy/gunicorn.conf.py: 2 processes x 4 threads) and its URL."""
    procs: list[subprocess.Popen] = []

    def start(env: Mapping[str, str] | None = None) -> WebServer:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        full = {**committed_env, "PUBLIC_BASE_URL": url, **(env or {})}
        log_path = tmp_path / f"web-{port}.log"
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-c", "from app.cli import main; main()", "web",
                 "--port", str(port)], env={**os.environ, **full}, cwd=PROJECT_ROOT,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                process_group=0)
        procs.append(proc)
        server = WebServer(url, full["TWILIO_AUTH_TOKEN"], proc, log_path)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert proc.poll() is None, log_path.read_text()[-3000:]
            try:
                if server.request("GET", "/healthz")[0] in (200, 503):
                    return server
            except OSError:
                time.sleep(0.25)
        raise AssertionError("the web server did not answer:\n" + log_path.read_text()[-3000:])

    try:
        yield start
    finally:
        for proc in procs:
            _stop(proc)


@pytest.fixture
def hostile(settings, engine, session_factory, tmp_path):
    """(runtime, test client): the app on the rolled-back database with a journal of its own."""
    import dataclasses

    from app import create_app
    from app.runtime import Runtime

    own = dataclasses.replace(settings, instance_path=tmp_path)
    runtime = Runtime(settings=own, engine=engine, session_factory=session_factory)
    return runtime, create_app(runtime=runtime).test_client()


def _encoded(value: str | bytes) -> str:
    """Percent-encode text; bytes are sent as they are (deliberately malformed escapes)."""
    return value.decode() if isinstance(value, bytes) else urlencode({"": value})[1:]


def post_form(client, token: str, fields: dict[str, str | bytes]) -> tuple[int, str]:
    """POST a form signed over exactly the values the server parses from it (a malformed
    percent-encoding is kept as its literal text by werkzeug, so that is what is signed)."""
    raw = "&".join(f"{urlencode({key: ''})[:-1]}={_encoded(value)}"
                   for key, value in fields.items())
    parsed = Request(EnvironBuilder(method="POST", data=raw.encode(),
                                    content_type="application/x-www-form-urlencoded").get_environ())
    params = dict(parsed.form.items())
    url = BASE_URL + "/twilio/sms"
    response = client.post("/twilio/sms", data=raw.encode(), headers={
        "X-Twilio-Signature": sign(token, url, params),
        "Content-Type": "application/x-www-form-urlencoded"})
    return response.status_code, params.get("MessageSid", "")


def report(name: str, **figures: object) -> None:
    """Print one test's figures as one line (`-s` shows them; `make soak` runs with `-s`)."""
    shown = " ".join(f"{key}={value}" for key, value in figures.items())
    print(f"\nFAULT {name}: {shown}", flush=True)
