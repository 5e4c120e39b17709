"""End-to-end harness for resident safety: a real `here2help worker` on real Redis, the real
twilio client against the fake Twilio server, a committed database, and the whole Flask app
reached as Twilio (signed webhooks) and as staff (the console, signed in through /login).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from app import create_app
from app.models.case import Case, SafeguardingAlert
from app.models.staff import StaffUser
from app.runtime import Runtime
from app.settings import load_settings
from tests.conversations.conftest import sms_texts
from tests.factories import (
    ENROLLED_AT,
    MFA_ROLES,
    PASSWORD,
    TEST_MFA_SECRET,
    password_hash,
)
from tests.matching.e2e import World, wait_for
from tests.plugins.twilio_webhooks import sign
from tests.signin import login

PUBLIC_BASE_URL = "https://help.example.org"
ESCALATION_NUMBER = "+447700900990"
_sids = itertools.count(1)
_emails = itertools.count(1)


class SafetyWorld(World):
    """`World` plus the webhooks and the console of one app on the same committed database."""

    def __init__(self, runtime: Runtime, fake: object) -> None:
        super().__init__(runtime, fake)
        self.app = create_app(runtime=runtime)
        self.twilio = self.app.test_client()

    def sms(self, phone: str, body: str) -> list[str]:
        """Text the help line from `phone`, as Twilio delivers it; the texts of the reply."""
        params = {"MessageSid": f"SM{next(_sids):032x}", "From": phone, "To": "+441632960000",
                  "Body": body, "AccountSid": "AC" + "1" * 32, "NumMedia": "0"}
        url = PUBLIC_BASE_URL + "/twilio/sms"
        response = self.twilio.post("/twilio/sms", data=params, headers={
            "X-Twilio-Signature": sign(self.runtime.settings.twilio_auth_token, url, params)})
        assert response.status_code == 200, response.data
        return sms_texts(response.data)

    def walk(self, phone: str, *answers: str) -> list[str]:
        reply: list[str] = []
        for answer in answers:
            reply = self.sms(phone, answer)
        return reply

    def staff(self, role: str, **fields: object) -> StaffUser:
        if role in MFA_ROLES:  # enrolled, as their role requires; `login` gives the code
            fields = {"mfa_secret": TEST_MFA_SECRET, "mfa_enrolled_at": ENROLLED_AT, **fields}
        with self.runtime.session_factory() as session:
            user = StaffUser(email=f"{role}.{next(_emails)}@example.org", role=role,
                             name=fields.pop("name", role.replace("_", " ").title()),
                             password_hash=password_hash(), **fields)
            session.add(user)
            session.commit()
            session.refresh(user)
            session.expunge(user)
            return user

    def console(self, user: StaffUser):
        """A test client signed in as `user` through the real sign-in form."""
        client = self.app.test_client()
        assert self.retry_locked(lambda: login(client, user.email, PASSWORD)).status_code == 302
        return client

    def retry_locked(self, request: Callable[[], Any]) -> Any:
        """A console request, tried again when SQLite refuses its write because the worker
        committed between its read and its write (SQLITE_BUSY_SNAPSHOT), as a person would
        press reload. Other databases never retry."""
        for attempt in range(5):
            try:
                return request()
            except OperationalError:
                if attempt == 4 or self.runtime.engine.dialect.name != "sqlite":
                    raise
                time.sleep(0.2)
        raise AssertionError("unreachable")

    def page(self, client, path: str) -> str:
        return self.retry_locked(lambda: client.get(path).get_data(as_text=True))

    def post(self, client, path: str, data: dict[str, str], **kwargs: Any):
        return self.retry_locked(lambda: client.post(path, data=data, **kwargs))

    def case_for(self, phone: str) -> Case | None:
        with self.runtime.session_factory() as session:
            return session.scalars(select(Case).where(Case.phone == phone)
                                   .order_by(Case.id.desc())).first()

    def alerts(self, case_id: int) -> list[SafeguardingAlert]:
        with self.runtime.session_factory() as session:
            return list(session.scalars(select(SafeguardingAlert).where(
                SafeguardingAlert.case_id == case_id).order_by(SafeguardingAlert.id)))

    def alert_texts(self, phone: str) -> list[str]:
        return [b for b in self.sent_to(phone) if b.startswith("Safeguarding case ")]

    def wait_alert(self, phone: str, reference: str) -> str:
        return wait_for(lambda: next((b for b in self.alert_texts(phone) if reference in b),
                                     None), what=f"safeguarding alert to {phone[-3:]}")


@pytest.fixture
def safety_env(committed_env, fake_twilio) -> dict[str, str]:
    return {**committed_env, "SMS_BACKEND": "twilio", "TWILIO_API_BASE_URL": fake_twilio.url,
            "PUBLIC_BASE_URL": PUBLIC_BASE_URL, "OFFER_TIMEOUT_SECONDS": "120",
            "SAFEGUARDING_ALERT_NUMBERS": ESCALATION_NUMBER, "SECURE_COOKIES": "false"}


@pytest.fixture
def safety(safety_env, committed_runtime, fake_twilio, spawn_worker) -> Iterator[SafetyWorld]:
    runtime = Runtime.build(load_settings(safety_env))
    runtime.use_redis(committed_runtime.redis)
    spawn_worker(env=safety_env)
    try:
        yield SafetyWorld(runtime, fake_twilio)
    finally:
        runtime.engine.dispose()
