"""The staff console: server-rendered pages for call handlers, coordinators, admins, partners.

`init_console` wires the security that every console page relies on, once, for the whole app:
- Flask-Login with a loader that re-checks the account on every request (active, session
  version), so deactivating an account or signing out ends every session at once;
- CSRF on every state-changing request except Twilio's signed webhooks and the bearer-token
  API, which are exempted explicitly (a browser cannot forge either: they carry no cookie);
- Flask-Limiter (counts in Redis, shared by every web process) for per-address limits on
  sign-in and the public sign-up page, and per-token limits on the API;
- security headers (CSP without inline scripts or styles, no framing, `no-store` on every
  response but static files: JSON, CSV and PDF carry personal data too) and cookie settings.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Flask, Response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.domain.uk_time import format_uk
from app.models.base import utcnow
from app.services.staff import passwords

# Each page module adds its routes to the console blueprint when it is imported.
from app.web.console import (  # noqa: F401
    admin,
    auth,
    cases,
    directory,
    duty,
    grants,
    grants_public,
    mfa,
    new_case,
    privacy,
    queue,
    recordings,
    referrals,
    repeats,
    reports,
    search,
    signup,
    volunteers,
)
from app.web.console.access import may
from app.web.console.blueprint import bp
from app.web.console.extensions import csrf, limiter, limiter_storage_uri, login_manager
from app.web.session import runtime
from app.web.webhooks.blueprint import bp as twilio_bp

log = logging.getLogger(__name__)

#: Paths whose requests never carry the console's cookie and are authenticated otherwise.
CSRF_EXEMPT_PREFIXES = ("/twilio/", "/api/v1/")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)


def init_console(app: Flask) -> None:
    settings = app.extensions["here2help"].settings if "here2help" in app.extensions else None
    _session_config(app, settings)
    auth.init_login(login_manager)
    passwords.warm_up()
    login_manager.init_app(app)
    csrf.init_app(app)
    _exempt_machine_endpoints(app)
    limiter.init_app(app)
    app.register_blueprint(bp)
    app.after_request(_security_headers)
    app.jinja_env.globals["console_settings"] = lambda: runtime().settings
    app.jinja_env.globals["now_utc"] = utcnow
    app.jinja_env.globals["may"] = may
    # Every time a person reads is UK local time with its zone: {{ moment | uk_time }},
    # {{ moment | uk_time('short') }}; see app.domain.uk_time for the styles.
    app.jinja_env.filters["uk_time"] = format_uk
    app.context_processor(duty.console_duty_context)
    _error_pages(app)


ERROR_TEXT = {
    400: ("The form could not be sent", "The page had expired or something in it was not right. "
          "Go back, reload the page and try again."),
    403: ("You cannot open this page", "Your account does not have access to this page. Ask a "
          "coordinator if you think it should."),
    404: ("Page not found", "Check the address, or find the case from the queue."),
    429: ("Too many attempts", "Wait a few minutes, then try again."),
}


def _error_pages(app: Flask) -> None:
    """Friendly pages for console paths; webhooks and the API keep their own answers."""

    def handler(exc: HTTPException):
        if request.path.startswith(CSRF_EXEMPT_PREFIXES):
            return exc
        if exc.response is not None:  # the view already chose its answer (the sign-up form)
            return exc.response
        code = exc.code or 500
        title, message = ERROR_TEXT.get(code, ("Something went wrong", str(exc.description)))
        return render_template("console/error.html", title=title, message=message), code

    for code in ERROR_TEXT:
        app.register_error_handler(code, handler)
    app.register_error_handler(CSRFError, handler)


def _session_config(app: Flask, settings) -> None:
    absolute = settings.session_absolute_hours if settings else 10
    app.config.update(
        PERMANENT_SESSION_LIFETIME=timedelta(hours=absolute),
        SESSION_REFRESH_EACH_REQUEST=True,
        SESSION_COOKIE_NAME="h2h_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies if settings else True,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=settings.secure_cookies if settings else True,
        # The token lives as long as the session; the session itself is bounded.
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_CHECK_DEFAULT=False,
        RATELIMIT_HEADERS_ENABLED=True,
        RATELIMIT_STORAGE_URI=limiter_storage_uri(settings.redis_url if settings else None,
                                                  settings.testing if settings else True),
        RATELIMIT_STORAGE_OPTIONS={"socket_timeout": 2},
        # Redis down must not stop sign-in: count in memory until it is back.
        RATELIMIT_SWALLOW_ERRORS=True,
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        RATELIMIT_KEY_PREFIX="here2help",
    )


def _exempt_machine_endpoints(app: Flask) -> None:
    """CSRF-check every request except the signed webhooks and the bearer-token API.

    The check is ours (WTF_CSRF_CHECK_DEFAULT is off) so that the exemption is by path and
    also covers API blueprints registered by other modules, whatever their names.
    """
    csrf.exempt(twilio_bp)

    @app.before_request
    def _csrf_protect() -> None:
        if request.method not in app.config.get("WTF_CSRF_METHODS", {"POST", "PUT", "PATCH",
                                                                     "DELETE"}):
            return
        if request.path.startswith(CSRF_EXEMPT_PREFIXES):
            return
        csrf.protect()


#: Responses that hold nothing personal and may be cached: static files, and the recorded
#: voice prompts Twilio fetches for every call (they say only what the flow file says).
CACHEABLE_ENDPOINTS = frozenset({"static", "prompts.voice_prompt"})


#: Set on every response unless the view set its own (name, lower-case name, value).
_DEFAULT_HEADERS = tuple((name, name.lower(), value) for name, value in (
    ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()")))
_HTML_HEADERS = (("Content-Security-Policy", "content-security-policy", CSP),)
_SECURE_HEADERS = (("Strict-Transport-Security", "strict-transport-security",
                    "max-age=31536000; includeSubDomains"),)


def _security_headers(response: Response) -> Response:
    headers = response.headers
    # The names already set, read once (werkzeug's `setdefault` raises and catches a KeyError
    # for each missing name, on every response).
    present = {name.lower() for name, _value in headers.items()}
    wanted = _DEFAULT_HEADERS
    if response.mimetype == "text/html":
        wanted += _HTML_HEADERS
    if request.is_secure:
        wanted += _SECURE_HEADERS
    for name, lower, value in wanted:
        if lower not in present:
            headers.add(name, value)
    if request.endpoint not in CACHEABLE_ENDPOINTS:
        # Pages, JSON, CSV and PDF alike may carry personal data: no browser or proxy keeps it.
        headers["Cache-Control"] = "no-store"
    return response
