"""Simulated delivery receipts for drama numbers (SMS_BACKEND=record + simulation)."""

from __future__ import annotations

import dataclasses
from urllib.parse import parse_qsl, urlsplit

import pytest
from twilio.request_validator import RequestValidator

from app.adapters.sms import build_sms_sender
from app.adapters.sms_simulator import SimulatingSmsSender
from app.models.base import utcnow
from app.models.message import Message
from app.models.volunteer import Volunteer
from app.services.delivery import status as delivery_status
from app.services.delivery.sending import deliver
from app.services.messaging.outbox import queue_sms

PUBLIC = "https://help.example.org"


@pytest.fixture
def applied(settings, session_factory):
    """A poster that checks the signature as the webhook would, then applies the callback."""
    posted = []

    def poster(url, form, signature):
        assert RequestValidator(settings.twilio_auth_token).validate(url, form, signature)
        posted.append((form["MessageStatus"], form.get("ErrorCode")))
        callback = delivery_status.parse_message_callback(
            form, dict(parse_qsl(urlsplit(url).query))
        )
        with session_factory() as session, session.begin():
            delivery_status.apply_message_callback(session, callback, utcnow())

    return posted, poster


def _send(db_session, session_factory, sender, phone: str) -> Message:
    message = queue_sms(
        db_session, to_phone=phone, body="hello", purpose="reply", idempotency_key=f"sim:{phone}",
        now=utcnow()
    )
    db_session.commit()
    assert deliver(session_factory, sender, message.id, utcnow()).outcome == "sent"
    db_session.expire_all()
    return db_session.get(Message, message.id)


@pytest.mark.parametrize(
    ("phone", "final", "code", "posted"),
    [
        ("+447700900123", "delivered", None, [("sent", None), ("delivered", None)]),
        ("+447700900999", "undelivered", 30003, [("sent", None), ("undelivered", "30003")]),
        ("+447700900998", "failed", 30006, [("sent", None), ("failed", "30006")]),
    ],
)
def test_drama_numbers_get_twilio_like_callbacks(
    db_session, session_factory, settings, applied, phone, final, code, posted
):
    calls, poster = applied
    sender = SimulatingSmsSender(
        auth_token=settings.twilio_auth_token,
        account_sid=settings.twilio_account_sid,
        public_base_url=PUBLIC,
        poster=poster,
    )
    row = _send(db_session, session_factory, sender, phone)
    assert (row.status, row.error_code) == (final, code)
    assert row.twilio_sid.startswith("SMrec")
    assert calls == posted


def test_the_unsubscribed_drama_number_is_opted_out(db_session, session_factory, settings, applied):
    volunteer = Volunteer(name="Sim", phone="+447700900997")
    db_session.add(volunteer)
    db_session.commit()
    _calls, poster = applied
    sender = SimulatingSmsSender(
        auth_token=settings.twilio_auth_token,
        account_sid=settings.twilio_account_sid,
        public_base_url=PUBLIC,
        poster=poster,
    )
    row = _send(db_session, session_factory, sender, "+447700900997")
    db_session.refresh(volunteer)
    assert (row.status, row.error_code, volunteer.opted_out) == ("failed", 21610, True)


def test_simulation_is_opt_in(settings):
    assert type(build_sms_sender(settings)).__name__ == "RecordingSmsSender"
    on = dataclasses.replace(
        settings, public_base_url=PUBLIC, extra={"HERE2HELP_SIMULATE_SMS_CALLBACKS": "true"}
    )
    assert isinstance(build_sms_sender(on), SimulatingSmsSender)
    no_url = dataclasses.replace(on, public_base_url=None)
    assert type(build_sms_sender(no_url)).__name__ == "RecordingSmsSender"
