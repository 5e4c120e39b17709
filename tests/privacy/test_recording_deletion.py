"""Deleting a voicemail at Twilio: the resource's URL, the account's credentials, the answers."""

from __future__ import annotations

import base64
import dataclasses
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.adapters.twilio.recordings import delete_recording


@pytest.fixture
def twilio_like() -> Iterator[tuple[str, list[tuple[str, str, str]], list[int]]]:
    """A local server answering DELETEs with the next status in `answers` (204 by default)."""
    seen: list[tuple[str, str, str]] = []
    answers: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def do_DELETE(self) -> None:
            seen.append((self.command, self.path, self.headers.get("Authorization", "")))
            self.send_response(answers.pop(0) if answers else 204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", seen, answers
    finally:
        server.shutdown()
        server.server_close()


def test_delete_goes_to_the_recording_resource_with_the_account(settings, twilio_like):
    base, seen, answers = twilio_like
    local = dataclasses.replace(settings, twilio_api_base_url=base)
    account = settings.twilio_account_sid
    url = f"{base}/2010-04-01/Accounts/{account}/Recordings/RE{'a' * 32}"
    assert delete_recording(local, url) is True
    method, path, auth = seen[0]
    assert (method, path) == ("DELETE", f"/2010-04-01/Accounts/{account}/Recordings/RE{'a' * 32}"
                                        ".json")
    expected = base64.b64encode(f"{account}:{settings.twilio_auth_token}".encode()).decode()
    assert auth == f"Basic {expected}"

    answers.append(404)  # already gone at Twilio: nothing left to keep
    assert delete_recording(local, url) is True
    answers.append(500)  # Twilio trouble: keep the address and try again next run
    assert delete_recording(local, url) is False


def test_an_address_off_twilios_host_is_never_contacted(settings, twilio_like):
    base, seen, _answers = twilio_like
    local = dataclasses.replace(settings, twilio_api_base_url=base)
    assert delete_recording(local, "https://evil.example/Recordings/RE1") is True
    assert delete_recording(local, None) is True
    assert seen == []
