"""Sign-in, roles, CSRF, throttling, time-outs, session invalidation and cookie flags."""

from __future__ import annotations

import dataclasses
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import create_app
from app.models.base import utcnow
from app.models.staff import AccessLogEntry, StaffUser
from app.runtime import Runtime
from app.services.staff.signin import FREE_FAILURES, MAX_WAIT, sign_in, wait_after
from app.web.console.auth import GENERIC_FAILURE
from tests.factories import PASSWORD
from tests.signin import csrf_from, login


def test_signed_out_person_is_sent_to_login(client):
    assert client.get("/").headers["Location"].endswith("/login")
    response = client.get("/queue")
    assert response.status_code == 302
    assert "/login?next=/queue" in response.headers["Location"]


def test_root_sends_each_role_to_its_start_page(client, make_user):
    login(client, make_user("call_handler").email)
    assert client.get("/").headers["Location"].endswith("/queue")
    other = client.application.test_client()
    login(other, make_user("partner").email)
    assert other.get("/").headers["Location"].endswith("/cases/new")


def test_call_handler_cannot_reach_coordinator_pages(client, make_user):
    login(client, make_user("call_handler").email)
    assert client.get("/queue").status_code == 200
    assert client.get("/volunteers").status_code == 403
    assert "You cannot open this page" in client.get("/volunteers").get_data(as_text=True)


def test_partner_cannot_see_queue_or_others_cases(client, make_user, make_case):
    case = make_case()
    login(client, make_user("partner").email)
    assert client.get("/queue").status_code == 403
    assert client.get("/queue/partial").status_code == 403
    assert client.get(f"/cases/{case.reference}").status_code == 404
    assert client.get("/cases/new").status_code == 200


def test_login_form_without_csrf_token_is_refused(client, make_user, db_session):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/queue").status_code == 302  # not signed in


def test_case_action_without_csrf_token_is_refused(client, make_user, make_case, db_session):
    case = make_case()
    login(client, make_user().email)
    response = client.post(f"/cases/{case.reference}/note", data={"note-note": "hello"})
    assert response.status_code == 400
    db_session.expire_all()
    assert not [e for e in case.events if e.kind == "note"]


def test_api_and_webhooks_are_exempt_from_csrf(client):
    # No CSRF error: the API answers for itself (401 without a token), the webhook 403 unsigned.
    assert client.post("/api/v1/cases", json={}).status_code == 401
    assert client.post("/twilio/sms", data={"Body": "hi"}).status_code == 403


def test_unknown_user_and_wrong_password_get_the_same_answer(client, make_user):
    user = make_user()
    unknown = login(client, "nobody@example.org", PASSWORD)
    wrong = login(client, user.email, "not the password at all")
    assert unknown.status_code == wrong.status_code == 401
    for response in (unknown, wrong):
        assert GENERIC_FAILURE in response.get_data(as_text=True)


def _fast_hash_check(monkeypatch) -> None:
    """These tests are about counting attempts, not argon2: skip its deliberate slowness."""
    monkeypatch.setattr("app.services.staff.signin.verify_password",
                        lambda stored, given: stored is not None and given == PASSWORD)


def _login_from(app, address: str, email: str, password: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client, login(client, email, password)


def test_a_stranger_cannot_lock_someone_out(app, make_user, db_session, monkeypatch):
    """Wrong guesses slow the guesser's address down; the owner, elsewhere, signs in at once."""
    _fast_hash_check(monkeypatch)
    user = make_user()
    for _ in range(FREE_FAILURES + 5):
        _stranger, response = _login_from(app, "203.0.113.9", user.email, "a wrong guess")
        assert response.status_code == 401
    _stranger, right_but_waiting = _login_from(app, "203.0.113.9", user.email, PASSWORD)
    assert right_but_waiting.status_code == 401  # the guesser's address must wait
    owner, response = _login_from(app, "198.51.100.7", user.email, PASSWORD)
    assert response.status_code == 302
    assert owner.get("/queue").status_code == 200
    failures = db_session.scalars(select(AccessLogEntry).where(
        AccessLogEntry.user_id == user.id, AccessLogEntry.action == "login_failed")).all()
    assert len(failures) == FREE_FAILURES + 6
    assert failures[-1].detail == {"outcome": "wait"}


def test_back_off_grows_and_then_lets_the_address_try_again(db_session, make_user,
                                                            monkeypatch):
    _fast_hash_check(monkeypatch)
    user = make_user()
    now = utcnow()
    for _ in range(FREE_FAILURES):
        assert sign_in(db_session, user.email, "wrong", now, "192.0.2.1").outcome == "invalid"
    waiting = sign_in(db_session, user.email, PASSWORD, now, "192.0.2.1")
    assert waiting.outcome == "wait" and 0 < waiting.wait_seconds <= 31
    later = now + wait_after(FREE_FAILURES) + timedelta(seconds=1)
    assert sign_in(db_session, user.email, PASSWORD, later, "192.0.2.1").outcome == "ok"
    assert wait_after(FREE_FAILURES + 1) == 2 * wait_after(FREE_FAILURES)
    assert wait_after(100) == MAX_WAIT


def test_sign_in_is_rate_limited_per_address(client, monkeypatch):
    _fast_hash_check(monkeypatch)
    token = csrf_from(client.get("/login").get_data(as_text=True))
    codes = [client.post("/login", data={"email": f"x{i}@example.org", "password": "nope",
                                         "csrf_token": token}).status_code for i in range(31)]
    assert codes[:30] == [401] * 30
    assert codes[30] == 429


def test_login_rotates_session_and_logs(client, make_user, db_session):
    user = make_user()
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    login(client, user.email)
    with client.session_transaction() as sess:
        assert "planted" not in sess
    assert db_session.scalar(select(AccessLogEntry).where(
        AccessLogEntry.user_id == user.id, AccessLogEntry.action == "login")) is not None


@pytest.mark.clock
def test_idle_time_out_signs_out(client, make_user, settings):
    login(client, make_user().email)
    assert client.get("/queue").status_code == 200
    with client.session_transaction() as sess:
        sess["last_seen"] = time.time() - settings.session_idle_minutes * 60 - 5
    response = client.get("/queue")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert client.get("/queue").status_code == 302


@pytest.mark.clock
def test_absolute_time_out_signs_out(client, make_user, settings):
    login(client, make_user().email)
    with client.session_transaction() as sess:
        sess["login_at"] = time.time() - settings.session_absolute_hours * 3600 - 5
    assert client.get("/queue").status_code == 302


@pytest.mark.clock
def test_auto_refresh_does_not_keep_a_session_alive(client, make_user):
    login(client, make_user().email)
    with client.session_transaction() as sess:
        sess["last_seen"] = before = time.time() - 60
    assert client.get("/queue/partial", headers={"X-Auto-Refresh": "1"}).status_code == 200
    with client.session_transaction() as sess:
        assert sess["last_seen"] == before


def test_logout_invalidates_a_replayed_cookie(client, app, make_user, db_session):
    user = make_user()
    login(client, user.email)
    stolen = client.get_cookie("h2h_session").value
    page = client.get("/queue").get_data(as_text=True)
    response = client.post("/logout", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    replay = app.test_client()
    replay.set_cookie("h2h_session", stolen)
    assert replay.get("/queue").status_code == 302
    db_session.expire_all()
    assert db_session.get(StaffUser, user.id).session_version == 2


def test_deactivated_account_loses_its_session(client, make_user, db_session):
    user = make_user()
    login(client, user.email)
    user.active = False
    db_session.commit()
    assert client.get("/queue").status_code == 302


def test_cookie_flags_and_security_headers(runtime, make_user):
    secure = Runtime(settings=dataclasses.replace(runtime.settings, secure_cookies=True),
                     engine=runtime.engine, session_factory=runtime.session_factory)
    app = create_app(runtime=secure)
    client = app.test_client()
    page = client.get("/login", base_url="https://localhost")
    cookie = page.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" in page.headers


def test_open_redirect_after_login_is_refused(client, make_user):
    user = make_user()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login?next=//evil.example/x", data={
        "email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"].endswith("/queue")
