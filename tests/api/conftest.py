"""Fixtures for the JSON API tests: tokens per role and a recording job queue."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from app.models.base import utcnow
from app.models.staff import StaffUser
from app.services.staff import accounts as staff

_counter = itertools.count()


@dataclass
class RecordingQueue:
    """A JobQueue that records what was enqueued (ok=False plays "Redis is down")."""

    ok: bool = True
    calls: list[tuple[str, tuple[int, ...], str, str]] = field(default_factory=list)

    def enqueue(self, func: str, *ids: int, job_id: str, queue: str = "default",
                delay_seconds: int | None = None) -> bool:
        self.calls.append((func, ids, job_id, queue))
        return self.ok

    def jobs(self, func: str) -> list[tuple[int, ...]]:
        return [ids for f, ids, _job_id, _queue in self.calls if f == func]


@pytest.fixture
def job_queue_recorder(monkeypatch: pytest.MonkeyPatch) -> RecordingQueue:
    recorder = RecordingQueue()
    monkeypatch.setattr("app.web.session.job_queue_for", lambda runtime: recorder)
    return recorder


@dataclass
class ApiCaller:
    user: StaffUser
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def make_caller(db_session) -> Callable[..., ApiCaller]:
    def make(role: str = "call_handler", organisation: str | None = None) -> ApiCaller:
        # No argon2 here (it is slow on purpose); tests/api/test_staff_* cover create_user.
        email = f"{role}{next(_counter)}@example.org"
        user = StaffUser(email=email, role=role, password_hash="unused", organisation=organisation)
        db_session.add(user)
        db_session.commit()
        token = staff.create_api_token(db_session, email, name="tests", now=utcnow())
        return ApiCaller(user, token)

    return make


@pytest.fixture
def handler(make_caller, job_queue_recorder) -> ApiCaller:
    return make_caller("call_handler")


@pytest.fixture
def partner(make_caller, job_queue_recorder) -> ApiCaller:
    return make_caller("partner", organisation="Age UK Example")

