"""Building the configured sender, and how Twilio's errors are classified (retry or not)."""

from __future__ import annotations

import dataclasses

import pytest
from twilio.base.exceptions import TwilioRestException

from app.adapters.record_sms import RecordingSmsSender
from app.adapters.sms import build_sms_sender
from app.adapters.twilio.sms_sender import TwilioSmsSender, _rest_error


def test_record_backend_by_default(settings):
    assert isinstance(build_sms_sender(settings), RecordingSmsSender)


def test_twilio_backend_points_the_real_client_at_the_configured_api(twilio_settings, fake_twilio):
    sender = build_sms_sender(twilio_settings)
    assert isinstance(sender, TwilioSmsSender)
    sent = sender.send("+447700900123", "hello", idempotency_key="x", message_id=7)
    assert sent.sid in fake_twilio.messages
    assert fake_twilio.sends[0].get("StatusCallback") == (
        "https://help.example.org/twilio/status?m=7"
    )


def test_no_status_callback_without_public_base_url(twilio_settings, fake_twilio):
    sender = build_sms_sender(dataclasses.replace(twilio_settings, public_base_url=None))
    sender.send("+447700900123", "hello", idempotency_key="x", message_id=7)
    assert fake_twilio.sends[0].get("StatusCallback") is None


def test_twilio_backend_needs_a_from_number(twilio_settings):
    with pytest.raises(ValueError, match="TWILIO_PHONE_NUMBER"):
        build_sms_sender(dataclasses.replace(twilio_settings, twilio_phone_number=None))


@pytest.mark.parametrize(
    ("status", "code", "retryable", "maybe_sent"),
    [
        (429, 20429, True, False),
        (429, None, True, False),
        (500, 20500, False, True),
        (503, None, False, True),
        (400, 21211, False, False),
        (400, 21610, False, False),
        (400, 21614, False, False),
        (401, 20003, False, False),
    ],
)
def test_error_classes(status, code, retryable, maybe_sent):
    error = _rest_error(TwilioRestException(status, "uri", "msg +447700900123", code))
    assert (error.retryable, error.maybe_sent, error.code, error.status) == (
        retryable,
        maybe_sent,
        code,
        status,
    )
    assert "+447700900123" not in str(error)  # Twilio's message text can name the number


def test_connection_refused_is_retryable_and_nothing_was_sent(settings):
    from app.ports import SendError

    sender = TwilioSmsSender(
        account_sid=settings.twilio_account_sid,
        auth_token=settings.twilio_auth_token,
        from_number="+441632960000",
        api_base_url="http://127.0.0.1:9",
        public_base_url=None,
        timeout=2.0,
    )
    with pytest.raises(SendError) as caught:
        sender.send("+447700900123", "hello", idempotency_key="x")
    assert caught.value.retryable and not caught.value.maybe_sent


def test_a_read_timeout_is_maybe_sent(twilio_settings, fake_twilio):
    from app.ports import SendError

    fake_twilio.latency = 1.0
    sender = TwilioSmsSender(
        account_sid=twilio_settings.twilio_account_sid,
        auth_token=twilio_settings.twilio_auth_token,
        from_number="+441632960000",
        api_base_url=fake_twilio.url,
        public_base_url=None,
        timeout=0.2,
    )
    with pytest.raises(SendError) as caught:
        sender.send("+447700900123", "hello", idempotency_key="x")
    assert caught.value.maybe_sent and not caught.value.retryable
