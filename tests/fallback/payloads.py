"""Realistic Twilio parameters for a fallback request (Ofcom drama numbers only)."""

from __future__ import annotations

import secrets


def sms_params(n: int, **extra: str) -> dict[str, str]:
    return {
        "MessageSid": "SM" + secrets.token_hex(16), "AccountSid": "AC" + "1" * 32,
        "From": f"+447700900{n % 1000:03d}", "To": "+441632960000",
        "Body": f"Hello, I need help with shopping {n} 🙂", "NumSegments": "1",
        "ApiVersion": "2010-04-01", "ErrorCode": "11200",
        "ErrorUrl": "https://helpline.example/twilio/sms", **extra,
    }


def call_params(n: int, **extra: str) -> dict[str, str]:
    return {
        "CallSid": "CA" + secrets.token_hex(16), "AccountSid": "AC" + "1" * 32,
        "From": f"+441632960{n % 1000:03d}", "To": "+441632960000", "CallStatus": "ringing",
        "Direction": "inbound", "ApiVersion": "2010-04-01", "ErrorCode": "11205",
        "ErrorUrl": "https://helpline.example/twilio/voice", **extra,
    }
