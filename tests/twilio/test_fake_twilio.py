"""The fake Twilio server itself: it must catch requests Twilio would refuse, so that a bad
request from our adapter fails the suite instead of passing silently."""

from __future__ import annotations

import requests
from twilio.rest import Client

ACCOUNT_PATH = "/2010-04-01/Accounts/{sid}/Messages.json"


def _post(fake, settings, data, *, auth=True):
    url = fake.url + ACCOUNT_PATH.format(sid=settings.twilio_account_sid)
    creds = (settings.twilio_account_sid, settings.twilio_auth_token) if auth else None
    return requests.post(url, data=data, auth=creds, timeout=5)


def test_a_well_formed_send_is_created(fake_twilio, settings):
    response = _post(
        fake_twilio, settings, {"To": "+447700900123", "From": "+441632960000", "Body": "hello"}
    )
    assert response.status_code == 201
    payload = response.json()
    assert payload["sid"].startswith("SM") and len(payload["sid"]) == 34
    assert payload["status"] == "queued" and payload["num_segments"] == "1"
    assert fake_twilio.take_violations() == []


def test_requests_twilio_would_refuse_are_recorded(fake_twilio, settings):
    cases = [
        ({"From": "+441632960000", "Body": "x"}, "OpenAPI"),  # To is required
        ({"To": "07700900123", "From": "+441632960000", "Body": "x"}, "E.164"),
        ({"To": "+447700900123", "Body": "x"}, "From or MessagingServiceSid"),
        ({"To": "+447700900123", "From": "+441632960000"}, "Body, MediaUrl"),
        ({"To": "+447700900123", "From": "+441632960000", "Body": "x" * 1601}, "1600"),
    ]
    for data, expected in cases:
        response = _post(fake_twilio, settings, data)
        assert response.status_code == 400
        found = fake_twilio.take_violations()
        assert any(expected in v for v in found), (data, found)
    _post(
        fake_twilio,
        settings,
        {"To": "+447700900123", "From": "+441632960000", "Body": "x"},
        auth=False,
    )
    assert any("basic auth" in v for v in fake_twilio.take_violations())
    assert fake_twilio.messages == {}


def test_scripted_errors_look_like_twilio(fake_twilio, settings):
    fake_twilio.script(21211, 20429)
    good = {"To": "+447700900123", "From": "+441632960000", "Body": "x"}
    first = _post(fake_twilio, settings, good)
    assert first.status_code == 400
    assert first.json() == {
        "code": 21211,
        "message": "Invalid 'To' Phone Number",
        "status": 400,
        "more_info": "https://www.twilio.com/docs/errors/21211",
    }
    assert _post(fake_twilio, settings, good).status_code == 429
    assert _post(fake_twilio, settings, good).status_code == 201


def test_the_real_client_can_fetch_and_list(fake_twilio, settings):
    client = Client(settings.twilio_account_sid, settings.twilio_auth_token)
    client.api.base_url = fake_twilio.url
    account = client.api.v2010.accounts(settings.twilio_account_sid)
    created = account.messages.create(to="+447700900123", from_="+441632960000", body="hi")
    assert account.messages(created.sid).fetch().body == "hi"
    assert [m.sid for m in account.messages.list(to="+447700900123")] == [created.sid]
    assert account.messages.list(to="+447700900999") == []
