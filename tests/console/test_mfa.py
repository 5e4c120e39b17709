"""Staff MFA through the console: enrolment, the code step, reuse, recovery codes, admin reset,
enforcement for coordinators, and a disabled account's sessions ending at once."""

from __future__ import annotations

import re

import pyotp
from sqlalchemy import select

from app.models.staff import AccessLogEntry, LoginThrottle, StaffUser
from app.services.staff.signin import FREE_FAILURES
from tests.factories import PASSWORD, TEST_MFA_SECRET
from tests.signin import csrf_from, login, post_form, sign_in_as, totp_code


def _password_step(client, email: str):
    response = post_form(client, "/login", "/login", {"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return response


def _code_step(client, code: str):
    return post_form(client, "/login/code", "/login/code", {"code": code})


def _enrol(client, db_session, user: StaffUser) -> list[str]:
    """Walk the enrolment page as a person with an authenticator app; the recovery codes."""
    page = client.get("/account/mfa")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'src="data:image/svg+xml' in html  # the QR code, with no request off the page
    secret = re.search(r'<code id="mfa-secret">([A-Z2-7 ]+)</code>', html).group(1)
    secret = secret.replace(" ", "")
    db_session.refresh(user)
    assert secret == user.mfa_secret and user.mfa_enrolled_at is None
    done = post_form(client, "/account/mfa", "/account/mfa",
                     {"code": totp_code(user.email, secret)})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>",
                       done.get_data(as_text=True))
    assert len(codes) == 10
    db_session.refresh(user)
    assert user.mfa_enrolled_at is not None
    assert not any(code in repr(user.mfa_recovery_hashes) for code in codes)
    return codes


def test_a_coordinator_without_mfa_must_enrol_before_any_other_page(client, make_user,
                                                                    db_session):
    user = make_user("coordinator", mfa_enrolled_at=None)
    signed_in = login(client, user.email)
    assert signed_in.status_code == 302 and signed_in.headers["Location"].endswith("/account/mfa")
    for page in ("/queue", "/reports", "/directory", "/"):
        response = client.get(page)
        assert response.status_code == 302, page
        assert response.headers["Location"].endswith(("/account/mfa", "/queue")), page
    assert client.get("/queue").headers["Location"].endswith("/account/mfa")
    codes = _enrol(client, db_session, user)
    assert client.get("/queue").status_code == 200
    # Next time, the password alone is not enough.
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/queue").get_data(
        as_text=True))})
    _password_step(client, user.email)
    assert client.get("/queue").headers["Location"].startswith("/login")
    assert _code_step(client, codes[0]).status_code == 302
    assert client.get("/queue").status_code == 200


def test_a_call_handler_may_choose_mfa(client, make_user, db_session):
    user = make_user("call_handler")
    assert login(client, user.email).headers["Location"].endswith("/queue")
    assert client.get("/queue").status_code == 200
    _enrol(client, db_session, user)
    assert "Unused recovery codes: 10" in client.get("/account/mfa").get_data(as_text=True)


def test_sign_in_with_a_code_and_a_code_cannot_be_used_twice(app, make_user, db_session):
    user = make_user("admin")
    first = app.test_client()
    _password_step(first, user.email)
    code = pyotp.TOTP(TEST_MFA_SECRET).now()
    response = _code_step(first, code)
    assert response.status_code == 302 and response.headers["Location"].endswith("/queue")
    assert first.get("/admin/access-log").status_code == 200
    second = app.test_client()  # someone who saw the code over a shoulder
    _password_step(second, user.email)
    replay = _code_step(second, code)
    assert replay.status_code == 401
    assert "already used" in replay.get_data(as_text=True)
    assert second.get("/queue").status_code == 302
    logged = db_session.scalars(select(AccessLogEntry.action).where(
        AccessLogEntry.user_id == user.id)).all()
    assert {"login_password_ok", "login", "login_code_failed"} <= set(logged)


def test_wrong_codes_pay_the_login_back_off(client, make_user, db_session):
    user = make_user("coordinator")
    right = pyotp.TOTP(TEST_MFA_SECRET).now()
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    _password_step(client, user.email)
    for _ in range(FREE_FAILURES - 1):
        assert _code_step(client, wrong).status_code == 401
    # A right password again does not clear the counter (no fresh guesses at the code).
    _password_step(client, user.email)
    assert _code_step(client, wrong).status_code == 401
    assert _code_step(client, right).status_code == 401  # the right code now waits too
    throttle = db_session.scalar(select(LoginThrottle).where(LoginThrottle.email == user.email))
    assert throttle is not None and throttle.failures == FREE_FAILURES
    assert login(client, user.email).status_code == 401  # and so does the password
    assert client.get("/queue").status_code == 302


def test_the_code_step_needs_the_password_step_first(client, make_user):
    response = client.get("/login/code")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")


def test_a_recovery_code_works_once(app, client, make_user, db_session):
    user = make_user("call_handler")
    login(client, user.email)
    codes = _enrol(client, db_session, user)
    other = app.test_client()
    _password_step(other, user.email)
    used = _code_step(other, codes[3].upper())
    assert used.status_code == 302
    assert "9 left" in other.get(used.headers["Location"]).get_data(as_text=True)
    again = app.test_client()
    _password_step(again, user.email)
    assert _code_step(again, codes[3]).status_code == 401


def test_an_admin_resets_a_lost_authenticator(app, client, make_user, db_session):
    victim = make_user("coordinator")
    victims_client = app.test_client()
    assert login(victims_client, victim.email).status_code == 302
    assert victims_client.get("/queue").status_code == 200
    sign_in_as(client, db_session, "admin")
    listing = client.get("/admin/staff").get_data(as_text=True)
    assert victim.email in listing
    reset = post_form(client, "/admin/staff", f"/admin/staff/{victim.id}/mfa-reset", {})
    assert reset.status_code == 302
    db_session.refresh(victim)
    assert victim.mfa_secret is None and victim.mfa_enrolled_at is None
    assert victims_client.get("/queue").status_code == 302  # signed out at once
    # Their next sign-in goes to enrolment, not to the queue.
    assert login(victims_client, victim.email).headers["Location"].endswith("/account/mfa")
    assert db_session.scalar(select(AccessLogEntry).where(
        AccessLogEntry.action == "mfa_reset",
        AccessLogEntry.target == f"staff_user:{victim.id}")) is not None


def test_only_admins_reset_or_disable(client, make_user, db_session):
    target = make_user("call_handler")
    sign_in_as(client, db_session, "coordinator")
    token = csrf_from(client.get("/queue").get_data(as_text=True))
    for action in ("mfa-reset", "active"):
        response = client.post(f"/admin/staff/{target.id}/{action}", data={"csrf_token": token})
        assert response.status_code == 403


def test_a_disabled_account_is_signed_out_at_once(app, client, make_user, db_session):
    handler = make_user("call_handler")
    handlers_client = app.test_client()
    login(handlers_client, handler.email)
    assert handlers_client.get("/queue").status_code == 200
    sign_in_as(client, db_session, "admin")
    post_form(client, "/admin/staff", f"/admin/staff/{handler.id}/active", {"active": "0"})
    assert handlers_client.get("/queue").status_code == 302
    assert login(handlers_client, handler.email).status_code == 401
    post_form(client, "/admin/staff", f"/admin/staff/{handler.id}/active", {"active": "1"})
    assert login(handlers_client, handler.email).status_code == 302


def test_a_reset_between_password_and_code_ends_the_sign_in(app, make_user, db_session):
    user = make_user("coordinator")
    half = app.test_client()
    _password_step(half, user.email)
    user.session_version += 1  # a reset or a disable in the meantime
    db_session.commit()
    response = _code_step(half, pyotp.TOTP(TEST_MFA_SECRET).now())
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert half.get("/queue").status_code == 302


def test_demo_coordinator_signs_in_with_the_published_key(client, db_session):
    from app.domain.enums import Role
    from app.models.base import utcnow
    from app.services.demo.seed import DEMO_MFA_SECRET, DEMO_PASSWORD, demo_email, seed_demo

    seed_demo(db_session, utcnow().date())
    db_session.commit()
    handler = login(client, demo_email(Role.CALL_HANDLER), DEMO_PASSWORD)
    assert handler.headers["Location"].endswith("/queue")  # optional for call handlers
    other = client.application.test_client()
    response = login(other, demo_email(Role.COORDINATOR), DEMO_PASSWORD, DEMO_MFA_SECRET)
    assert response.status_code == 302 and response.headers["Location"].endswith("/queue")
