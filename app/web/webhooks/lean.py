"""Twilio's webhooks skip what only people's requests use: the cookie session and the limiter.

A webhook never signs anyone in, never flashes a message and is never rate limited (a burst of
residents' texts is the service working; a forger is refused by the signature check first).
Opening and saving the signed session cookie and running the limiter's hooks cost a webhook
about 0.2 ms of a 2 ms turn on every text, for nothing, so for paths under /twilio/ the session
is Flask's null session (never saved) and the limiter's hooks step aside.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial, wraps
from typing import Any

from flask import Flask, Request, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin

from app.web.webhooks.blueprint import bp

#: Every webhook's path starts with it. The session is opened before the request is matched
#: to a blueprint, so webhooks are known by their path.
WEBHOOK_PREFIX = f"{bp.url_prefix}/"


def is_webhook(path: str) -> bool:
    return path.startswith(WEBHOOK_PREFIX)


class SessionOnlyForPeople(SecureCookieSessionInterface):
    """The signed cookie session, except on webhooks: the null session (Flask skips saving it)."""

    def open_session(self, app: Flask, request: Request) -> SessionMixin | None:
        if is_webhook(request.path):
            return self.make_null_session(app)
        return super().open_session(app, request)


def spare_webhooks(app: Flask, limiter: Any) -> None:
    """Give the app the session above, and let `limiter`'s request hooks (registered on the app
    by flask-limiter's `init_app`) pass over webhooks without running: the limiter's own ways
    out (a request filter, `exempt`) are only looked at after it has resolved the view and its
    limits."""
    app.session_interface = SessionOnlyForPeople()
    # An after-request hook hands the response on; the others answer None to carry on.
    for hooks, hands_on in ((app.before_request_funcs, False), (app.after_request_funcs, True),
                            (app.teardown_request_funcs, False)):
        hooks[None] = [_not_on_webhooks(hook, hands_on) if _belongs_to(hook, limiter) else hook
                       for hook in hooks.get(None, [])]


def _belongs_to(hook: Callable[..., Any], limiter: Any) -> bool:
    if isinstance(hook, partial):
        return any(argument is limiter for argument in hook.args)
    return getattr(hook, "__self__", None) is limiter


def _not_on_webhooks(hook: Callable[..., Any], hands_on: bool) -> Callable[..., Any]:
    @wraps(hook)
    def unless_webhook(*args: Any) -> Any:
        if is_webhook(request.path):
            return args[0] if hands_on else None
        return hook(*args)

    return unless_webhook
