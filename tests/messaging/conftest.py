"""Helpers for the outbound SMS tests: a JobQueue that records, numbers, senders."""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass, field

import pytest

from app.adapters.twilio.sms_sender import TwilioSmsSender
from app.models.resident import Resident
from app.models.volunteer import Volunteer

VOLUNTEER_PHONE = "+447700900123"
RESIDENT_PHONE = "+447700900456"


@dataclass
class RecordingJobQueue:
    """`JobQueue` that records each enqueue; `up=False` behaves like Redis being down."""

    up: bool = True
    jobs: list[tuple[str, tuple[int, ...], str, str, int | None]] = field(default_factory=list)

    def enqueue(
        self,
        func: str,
        *ids: int,
        job_id: str,
        queue: str = "default",
        delay_seconds: int | None = None,
    ) -> bool:
        if not self.up:
            return False
        self.jobs.append((func, ids, job_id, queue, delay_seconds))
        return True


@pytest.fixture
def recording_queue() -> RecordingJobQueue:
    return RecordingJobQueue()


@pytest.fixture
def volunteer(db_session) -> Volunteer:
    person = Volunteer(name="Test Volunteer", phone=VOLUNTEER_PHONE)
    db_session.add(person)
    db_session.flush()
    return person


@pytest.fixture
def resident(db_session) -> Resident:
    person = Resident(phone=RESIDENT_PHONE)
    db_session.add(person)
    db_session.flush()
    return person


@pytest.fixture
def twilio_sender(twilio_settings, fake_twilio) -> TwilioSmsSender:
    """The real twilio client against the fake server, with a short timeout for the tests."""
    return TwilioSmsSender(
        account_sid=twilio_settings.twilio_account_sid,
        auth_token=twilio_settings.twilio_auth_token,
        from_number=twilio_settings.twilio_phone_number,
        api_base_url=fake_twilio.url,
        public_base_url=twilio_settings.public_base_url,
        timeout=2.0,
    )


@pytest.fixture
def matching_spy(monkeypatch):
    """Stands in for app.services.matching.matcher.handle_offer_undelivered."""
    calls = []

    def handle_offer_undelivered(session, offer_id, now):
        calls.append(offer_id)
        return [987]

    try:
        import app.services.matching.matcher as module
    except ImportError:
        module = types.ModuleType("app.services.matching.matcher")
        monkeypatch.setitem(sys.modules, "app.services.matching.matcher", module)
    monkeypatch.setattr(module, "handle_offer_undelivered", handle_offer_undelivered, raising=False)
    return calls


@pytest.fixture
def offer_id(db_session, volunteer) -> int:
    """An offer of a case to `volunteer` (for messages that carry an offer_id)."""
    from app.models.case import Case
    from app.models.volunteer import Offer

    case = Case(reference="H2H-TEST")
    db_session.add(case)
    db_session.flush()
    offer = Offer(case_id=case.id, volunteer_id=volunteer.id, attempt=1)
    db_session.add(offer)
    db_session.flush()
    return offer.id
