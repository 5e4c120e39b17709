"""Signing in and out, the session's time-outs, and where `/` sends each role.

The session cookie stores "<user id>:<session version>" as Flask-Login's id: the loader reloads
the account on every request and refuses a cookie whose version is stale, so logging out (which
bumps the version) kills every copy of the cookie, including a stolen one replayed later.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Response, flash, redirect, render_template, request, session, url_for
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user

from app.models.base import utcnow
from app.models.staff import StaffUser
from app.services.staff import mfa
from app.services.staff.signin import end_all_sessions, sign_in
from app.web.console.access import client_ip, log_access
from app.web.console.blueprint import bp
from app.web.console.extensions import limiter
from app.web.console.forms import LoginForm
from app.web.session import db_session, runtime

GENERIC_FAILURE = (
    "The email address or password is not right. Check them and try again; after several "
    "wrong tries, wait a few minutes between tries."
)
#: Session key of a sign-in whose password was right and whose code is still to come.
MFA_PENDING = "mfa_pending"
START_PAGES = {"partner": "console.new_case"}
#: Requests the queue page's script makes on its own: they must not count as activity.
AUTO_REFRESH_HEADER = "X-Auto-Refresh"


class ConsoleUser(UserMixin):
    """The signed-in person, as the views need them; loaded fresh on every request."""

    def __init__(self, user: StaffUser) -> None:
        self.id = user.id
        self.email = user.email
        self.name = user.name or user.email
        self.role = user.role
        self.organisation = user.organisation
        self.session_version = user.session_version
        # Signed in with a password only, in a role that requires MFA: every page but the
        # enrolment page sends them there (app.web.access.gate).
        self.must_enrol_mfa = mfa.must_enrol(user.role, mfa.is_enrolled(user),
                                             runtime().settings.mfa_required_roles)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def has_role(self, *roles: str) -> bool:
        return self.role == "admin" or self.role in roles


def init_login(manager: LoginManager) -> None:
    manager.login_view = "console.login"
    manager.login_message = "Sign in to see that page."
    manager.session_protection = "basic"
    manager.user_loader(load_user)


def load_user(user_key: str) -> ConsoleUser | None:
    user_id, _, version = user_key.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db_session().get(StaffUser, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return ConsoleUser(user)


@bp.before_app_request
def enforce_session_limits() -> Response | None:
    """Idle and absolute time-outs, checked before any view runs."""
    if "_user_id" not in session:
        return None
    settings = runtime().settings
    now = time.time()
    last_seen, started = session.get("last_seen"), session.get("login_at")
    if (
        not isinstance(last_seen, int | float)
        or not isinstance(started, int | float)
        or now - last_seen > settings.session_idle_minutes * 60
        or now - started > settings.session_absolute_hours * 3600
    ):
        logout_user()
        session.clear()
        if request.endpoint in {"console.login", "static"}:
            return None
        flash("You were signed out because the session timed out. Sign in again.", "info")
        return redirect(url_for("console.login"))
    if not request.headers.get(AUTO_REFRESH_HEADER):
        session["last_seen"] = now
    return None


def start_page_for(role: str) -> str:
    return url_for(START_PAGES.get(role, "console.queue"))


def _safe_next(target: str | None) -> str | None:
    """Only a local path: an open redirect would make the sign-in page a phishing tool."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc or "\\" in target else target


@bp.get("/")
def index() -> Response:
    if current_user.is_authenticated:
        return redirect(start_page_for(current_user.role))
    return redirect(url_for("console.login"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("30 per minute;300 per hour", methods=["POST"])
def login() -> Response | str:
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        session_ = db_session()
        result = sign_in(session_, form.email.data or "", form.password.data or "", utcnow(),
                         client_ip())
        target = _safe_next(request.args.get("next"))
        if result.outcome == "ok" and result.user is not None:
            return begin_console_session(result.user, target)
        if result.outcome == "code" and result.user is not None:
            session.clear()
            session[MFA_PENDING] = {"user": result.user.id,
                                    "version": result.user.session_version,
                                    "next": target, "at": time.time()}
            log_access("login_password_ok", user_id=result.user.id)
            session_.commit()
            return redirect(url_for("console.login_code"))
        log_access("login_failed", user_id=result.user.id if result.user else None,
                   detail={"outcome": result.outcome})
        session_.commit()
        error = GENERIC_FAILURE
    status = 401 if error else (400 if form.errors else 200)
    return render_template("console/login.html", form=form, error=error), status


def begin_console_session(user: StaffUser, target: str | None,
                          detail: dict[str, str] | None = None) -> Response:
    """Sign `user` in with a fresh session (nothing from before sign-in survives) and commit."""
    session.clear()
    login_user(ConsoleUser(user))
    session.permanent = True
    session["login_at"] = session["last_seen"] = time.time()
    log_access("login", user_id=user.id, detail=detail)
    db_session().commit()
    if ConsoleUser(user).must_enrol_mfa:
        return redirect(url_for("console.mfa_enrol"))
    return redirect(target or start_page_for(user.role))


@bp.post("/logout")
def logout() -> Response:
    if current_user.is_authenticated:
        session_ = db_session()
        user = session_.get(StaffUser, current_user.id)
        if user is not None:
            end_all_sessions(user)
        log_access("logout")
        session_.commit()
        logout_user()
    session.clear()
    flash("You have signed out.", "info")
    return redirect(url_for("console.login"))
