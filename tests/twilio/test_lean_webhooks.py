"""Webhooks skip the cookie session and the rate limiter; people's requests keep both."""

from __future__ import annotations

from flask_limiter import Limiter

from app.web.webhooks.lean import SessionOnlyForPeople

TEXT = {"MessageSid": "SM" + "4" * 32, "From": "+447700900101", "To": "+441632960000",
        "Body": "hi", "AccountSid": "AC" + "1" * 32, "NumSegments": "1"}


def test_a_webhook_neither_reads_nor_sets_the_session_cookie(app, client, twilio_post) -> None:
    assert isinstance(app.session_interface, SessionOnlyForPeople)
    client.set_cookie("session", "not-a-signed-session", domain="localhost")
    response = twilio_post("/twilio/sms", TEXT)
    assert response.status_code == 200 and b"<Message>" in response.data
    assert "Set-Cookie" not in response.headers


def test_a_console_page_still_has_its_session(client) -> None:
    response = client.get("/login")
    assert response.status_code == 200
    assert "session=" in response.headers.get("Set-Cookie", "")  # the CSRF token lives there


def test_the_limiter_runs_for_people_and_passes_over_webhooks(client, twilio_post,
                                                               monkeypatch) -> None:
    seen: list[str] = []
    real = Limiter.identify_request

    def identify(self) -> str:
        endpoint = real(self)
        seen.append(endpoint)
        return endpoint

    monkeypatch.setattr(Limiter, "identify_request", identify)
    assert twilio_post("/twilio/sms", TEXT).status_code == 200
    assert seen == []
    client.get("/login")
    assert seen and set(seen) == {"console.login"}  # the sign-in page: checked
