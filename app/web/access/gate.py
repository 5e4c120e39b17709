"""The one gate in front of every view: looks the endpoint up in the role matrix and lets the
request through, or answers for it (sign-in redirect, 401, 403), before any view code runs.

Console routes use the signed-in session; API routes a bearer token (which must also be
unexpired, unrevoked and of a scope that covers the route). A route missing from the matrix is
refused to everyone: forgetting to list a page must close it, not open it.
"""

from __future__ import annotations

import logging

from flask import Flask, abort, g, jsonify, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.models.base import utcnow
from app.services.staff.accounts import authenticate
from app.web.access.matrix import Auth, Rule, rule_for, scope_allows
from app.web.session import db_session

log = logging.getLogger(__name__)

API_PREFIX = "/api/"


def init_gate(app: Flask) -> None:
    """Run the gate before every other before-request function (CSRF, the limiter)."""
    app.before_request_funcs.setdefault(None, []).insert(0, enforce_access)


#: The only signed-in pages open to someone whose role requires MFA and who has not enrolled
#: (signing out, the public pages and static files need no session at all).
ENROLMENT_PAGES = frozenset({"console.mfa_enrol"})


def enforce_access() -> ResponseReturnValue | None:
    endpoint = request.endpoint
    if endpoint is None:  # no route matched: Flask answers 404/405 itself
        return None
    rule = rule_for(endpoint)
    if rule is None:
        log.error("route %s is not in the role matrix: refused to everyone", endpoint)
        return _forbidden(request.path.startswith(API_PREFIX))
    if rule.auth is Auth.PUBLIC:
        return None
    if rule.auth is Auth.TOKEN:
        return _check_token(rule)
    return _check_session(rule)


def _check_session(rule: Rule) -> ResponseReturnValue | None:
    if not current_user.is_authenticated:
        return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
    if getattr(current_user, "must_enrol_mfa", False) and request.endpoint not in ENROLMENT_PAGES:
        return redirect(url_for("console.mfa_enrol"))
    if not rule.allows(current_user.role):
        return _forbidden(api=False)
    return None


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _check_token(rule: Rule) -> ResponseReturnValue | None:
    raw = bearer_token()
    if raw is None:
        return unauthorised("Send 'Authorization: Bearer <token>' (here2help create-api-token).")
    found = authenticate(db_session(), raw, utcnow())
    if found is None:
        return unauthorised("The API token is not valid: it expired or was revoked.")
    g.api_user, g.api_token = found.user, found.token
    if not rule.allows(found.user.role):
        return _forbidden(api=True, message="Your role may not use this endpoint.")
    if not scope_allows(found.token.scope, rule.scope):
        return _forbidden(api=True, message=f"This token's scope ({found.token.scope}) does not "
                                            f"cover this endpoint: it needs {rule.scope}.")
    return None


def unauthorised(message: str) -> ResponseReturnValue:
    response = jsonify({"code": 401, "status": "Unauthorized", "message": message})
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer realm="here2help"'
    return response


def _forbidden(api: bool, message: str = "You may not use this.") -> ResponseReturnValue:
    if api:
        response = jsonify({"code": 403, "status": "Forbidden", "message": message})
        response.status_code = 403
        return response
    abort(403)
