"""The JSON API under /api/v1 (flask-smorest: the OpenAPI document comes from the same schemas).

`GET /api/v1/openapi.json` is public (it is served by flask-smorest's own docs blueprint, which
is public); every other route requires a bearer token whose role and scope the role matrix
(app.web.access.matrix) allows, and each token has its own rate limit (API_RATE_LIMIT).
Errors on /api/ paths are always JSON, including 404s for unknown URLs and unexpected 500s:
an API client must never have to parse an HTML error page.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue
from flask_smorest import Api, Blueprint
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Response

from app.web.access.gate import bearer_token
from app.web.api import cases, messages, reports, volunteers
from app.web.api.auth import SECURITY_SCHEME
from app.web.console.extensions import limiter
from app.web.session import runtime

log = logging.getLogger(__name__)

API_PREFIX = "/api/"


class _ApiOnlyErrors(Api):
    """flask-smorest registers its JSON error handler for the whole app; ours are scoped to
    /api/ so the console and the webhooks keep their own error pages and TwiML."""

    def _register_error_handlers(self) -> None:
        return None


def init_api(app: Flask) -> None:
    app.config.update(
        API_TITLE="Here2Help Line API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {"description": "Cases, volunteers, the SMS log and reports of a "
                                    "Here2Help Line. Authenticate with `Authorization: Bearer "
                                    "<token>` (create one with `here2help create-api-token`)."},
            "security": [{SECURITY_SCHEME: []}],
            "servers": [{"url": "/"}],
        },
    )
    api = _ApiOnlyErrors(app)
    api.spec.components.security_scheme(
        SECURITY_SCHEME, {"type": "http", "scheme": "bearer", "bearerFormat": "h2h_ token"}
    )
    api.spec.components.response("Unauthorized", {
        "description": "No token, or a token that is not valid",
        "content": {"application/json": {"schema": {"type": "object"}}},
    })
    for module in (cases, messages, volunteers, reports):
        _set_up_once(module.blp)
        api.register_blueprint(module.blp)
    app.register_error_handler(HTTPException, _http_error_anywhere)
    app.after_request(_never_html_on_api)


def _set_up_once(blp: Blueprint) -> None:
    """Per-token rate limit and JSON errors on the blueprint (module-level: once per process,
    though tests build many apps)."""
    if getattr(blp, "_here2help_set_up", False):
        return
    limiter.limit(_api_rate_limit, key_func=_token_key)(blp)
    blp.register_error_handler(HTTPException, _http_error)
    blp.register_error_handler(Exception, _unexpected_error)
    blp._here2help_set_up = True  # type: ignore[attr-defined]


def _api_rate_limit() -> str:
    return runtime().settings.api_rate_limit


def _token_key() -> str:
    """Each token is limited on its own (by a hash: the raw token never reaches the storage)."""
    raw = bearer_token() or ""
    return "api-token:" + hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]


def _payload(error: HTTPException) -> dict[str, Any]:
    payload: dict[str, Any] = {"code": error.code, "status": error.name}
    data = getattr(error, "data", None) or {}
    if "message" in data:
        payload["message"] = data["message"]
    elif error.description and error.code != 500:
        payload["message"] = error.description
    errors = data.get("errors", data.get("messages"))
    if errors is not None:
        payload["errors"] = errors
    return payload


def _http_error(error: HTTPException) -> ResponseReturnValue:
    response = jsonify(_payload(error))
    response.status_code = error.code or 500
    data = getattr(error, "data", None) or {}
    for key, value in (data.get("headers") or {}).items():
        response.headers[key] = value
    if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def _unexpected_error(error: Exception) -> ResponseReturnValue:
    if isinstance(error, HTTPException):
        return _http_error(error)
    log.exception("unexpected error in %s %s", request.method, request.path)
    return _http_error(InternalServerError())


def _http_error_anywhere(error: HTTPException) -> ResponseReturnValue:
    """App-wide: JSON for /api/ paths (unknown URLs never reach a blueprint), default elsewhere."""
    if request.path.startswith(API_PREFIX):
        return _http_error(error)
    return error


def _never_html_on_api(response: Response) -> Response:
    """Last line of defence: another app-wide handler (say, the console's friendly 404
    page, which is code-specific and so wins over ours) must not give an API client HTML."""
    if (not request.path.startswith(API_PREFIX) or response.status_code < 400
            or response.mimetype == "application/json"):
        return response
    code = response.status_code
    replacement = jsonify({"code": code, "status": HTTP_STATUS_CODES.get(code, "Error")})
    replacement.status_code = code
    for header in ("Allow", "WWW-Authenticate", "Retry-After", "Cache-Control",
                   "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options"):
        if header in response.headers:
            replacement.headers[header] = response.headers[header]
    return replacement
