"""Build the configured `SmsSender` from Settings.

SMS_BACKEND=twilio: the real Twilio REST API (TWILIO_API_BASE_URL). SMS_BACKEND=record: nothing
leaves the machine; with HERE2HELP_SIMULATE_SMS_CALLBACKS=true and PUBLIC_BASE_URL set, drama
numbers also get simulated, signed status callbacks (app.adapters.sms_simulator).
"""

from __future__ import annotations

from app.adapters.record_sms import RecordingSmsSender
from app.adapters.sms_simulator import SimulatingSmsSender
from app.adapters.twilio.sms_sender import TwilioSmsSender
from app.ports import SmsSender
from app.settings import Settings


def build_sms_sender(settings: Settings) -> SmsSender:
    if settings.sms_backend == "twilio":
        return TwilioSmsSender(
            account_sid=settings.twilio_account_sid,
            auth_token=settings.twilio_auth_token,
            from_number=settings.twilio_phone_number,
            api_base_url=settings.twilio_api_base_url,
            public_base_url=settings.public_base_url,
        )
    simulate = settings.extra.get("HERE2HELP_SIMULATE_SMS_CALLBACKS", "").strip().lower()
    if simulate in {"1", "true", "yes", "on"} and settings.public_base_url:
        return SimulatingSmsSender(
            auth_token=settings.twilio_auth_token,
            account_sid=settings.twilio_account_sid,
            public_base_url=settings.public_base_url,
        )
    return RecordingSmsSender()
