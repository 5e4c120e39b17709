"""Pages for the second factor: the code step of sign-in, and setting up an authenticator app.

The rules are app.services.staff.mfa's; these views only carry them. The code step keeps the
half-finished sign-in in the (signed) session cookie for a few minutes: the account id and its
session version, so a reset or a disabled account in between ends it. Wrong codes pay the same
back-off as wrong passwords (per account and address), and the page answers the same way.
"""

from __future__ import annotations

import time

import segno
from flask import Response, flash, redirect, render_template, session, url_for
from flask_login import current_user

from app.db import start_writing
from app.models.base import utcnow
from app.models.staff import StaffUser
from app.services.staff import mfa
from app.services.staff.signin import (
    clear_failures,
    complete_sign_in,
    count_failure,
    seconds_to_wait,
)
from app.web.console.access import client_ip, log_access
from app.web.console.auth import MFA_PENDING, begin_console_session, start_page_for
from app.web.console.blueprint import bp
from app.web.console.extensions import limiter
from app.web.console.forms import CodeForm
from app.web.session import db_session, runtime

#: How long after a right password the code may still be entered.
PENDING_SECONDS = 300
WRONG_CODE = ("That code is not right, or it was already used. Enter the code your app shows "
              "now, or one of your recovery codes; after several wrong tries, wait a few "
              "minutes between tries.")


def _pending() -> dict | None:
    pending = session.get(MFA_PENDING)
    if (not isinstance(pending, dict) or not isinstance(pending.get("user"), int)
            or not isinstance(pending.get("at"), int | float)
            or time.time() - pending["at"] > PENDING_SECONDS):
        return None
    return pending


def _restart_sign_in() -> Response:
    session.pop(MFA_PENDING, None)
    flash("Sign in again: the page for your code expired.", "info")
    return redirect(url_for("console.login"))


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit("30 per minute;300 per hour", methods=["POST"])
def login_code() -> Response | str:
    pending = _pending()
    if pending is None:
        return _restart_sign_in()
    form = CodeForm()
    error = None
    if form.validate_on_submit():
        session_ = db_session()
        now = utcnow()
        # Held for update: two requests cannot both spend one code.
        user = session_.get(StaffUser, pending["user"], with_for_update=True)
        if user is None or not user.active or user.session_version != pending.get("version"):
            return _restart_sign_in()
        if seconds_to_wait(session_, user.email, client_ip(), now):
            outcome = "wait"
        else:
            check = mfa.check_code(user, form.code.data or "", now)
            if check.accepted_as is not None:
                clear_failures(session_, user.email, client_ip())
                complete_sign_in(user, now)
                target = pending.get("next") if isinstance(pending.get("next"), str) else None
                response = begin_console_session(user, target, {"factor": check.accepted_as})
                if check.accepted_as == "recovery":  # after the fresh session, or it is lost
                    flash(f"You used a recovery code; {check.recovery_codes_left} left. Each "
                          "works once.", "info")
                return response
            count_failure(session_, user.email, client_ip(), now)
            outcome = "invalid"
        log_access("login_code_failed", user_id=pending["user"], detail={"outcome": outcome})
        session_.commit()
        error = WRONG_CODE
    status = 401 if error else (400 if form.errors else 200)
    return render_template("console/login_code.html", form=form, error=error), status


def _qr_data_uri(uri: str) -> str:
    """The otpauth address as an SVG QR code in a data: URI (no request leaves the page)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=4)


def _grouped(secret: str) -> str:
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


@bp.route("/account/mfa", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def mfa_enrol() -> Response | str:
    session_ = db_session()
    start_writing(session_)
    user = session_.get(StaffUser, current_user.id, with_for_update=True)
    required = user.role in runtime().settings.mfa_required_roles
    if mfa.is_enrolled(user):
        return render_template("console/mfa_status.html", user=user, required=required,
                               codes_left=len(user.mfa_recovery_hashes or []))
    form = CodeForm()
    error = None
    if form.validate_on_submit():
        try:
            codes = mfa.confirm_enrolment(user, form.code.data or "", utcnow())
        except mfa.MfaError as exc:
            error = str(exc)
        else:
            log_access("mfa_enrol", target=f"staff_user:{user.id}")
            session_.commit()
            return render_template("console/mfa_recovery_codes.html", codes=codes,
                                   continue_to=start_page_for(user.role))
    if not user.mfa_secret:
        mfa.start_enrolment(user)
        session_.commit()
    status = 400 if error or form.errors else 200
    return render_template("console/mfa_enrol.html", form=form, error=error, required=required,
                           qr=_qr_data_uri(mfa.provisioning_uri(user)),
                           secret=_grouped(user.mfa_secret or "")), status
