"""Bearer-token authentication and roles for every /api/v1 blueprint, declared at registration.

`init_api` calls `protect(blp)` on each API blueprint, so a module only writes its views: every
request first passes `require_token` (401 JSON without a valid token, with `WWW-Authenticate`).
Views then use `api_user()` for the caller and `@roles_required(...)` to narrow who may call.

Roles (the README's "API roles"):
- call_handler, coordinator, admin ("staff"): read and create everything the API offers;
- partner: may refer cases (`POST /cases`, channel `web`) and read back ONLY the cases they
  referred; everything else answers 403. A partner organisation sees no other resident.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, jsonify, request
from flask.typing import ResponseReturnValue
from flask_smorest import Blueprint, abort

from app.domain.enums import Role
from app.models.base import utcnow
from app.models.staff import StaffUser
from app.services.staff.accounts import authenticate_token
from app.web.session import db_session

F = TypeVar("F", bound=Callable[..., Any])

STAFF_ROLES = (Role.CALL_HANDLER.value, Role.COORDINATOR.value, Role.ADMIN.value)
ALL_ROLES = (*STAFF_ROLES, Role.PARTNER.value)
SECURITY_SCHEME = "bearerAuth"


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def unauthorised(message: str) -> ResponseReturnValue:
    response = jsonify({"code": 401, "status": "Unauthorized", "message": message})
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer realm="here2help"'
    return response


def require_token() -> ResponseReturnValue | None:
    """before_request of every API blueprint: identify the caller or answer 401."""
    raw = _bearer_token()
    if raw is None:
        return unauthorised("Send 'Authorization: Bearer <token>' (here2help create-api-token).")
    user = authenticate_token(db_session(), raw, utcnow())
    if user is None:
        return unauthorised("The API token is not valid, or it was revoked.")
    g.api_user = user
    return None


def protect(blp: Blueprint) -> None:
    """Require a token on every route of `blp` (called once per blueprint by init_api)."""
    blp.before_request(require_token)


def api_user() -> StaffUser:
    """The authenticated caller of this request (set by require_token)."""
    user = g.get("api_user")
    if user is None:  # a view on a blueprint that was not protected: a programming error
        raise RuntimeError("api_user() used on an unprotected blueprint")
    return user


def is_staff(user: StaffUser) -> bool:
    return user.role in STAFF_ROLES


def roles_required(*roles: str) -> Callable[[F], F]:
    """Allow the view only to callers whose role is one of `roles` (403 JSON otherwise)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if api_user().role not in roles:
                abort(403, message="Your role may not use this endpoint.")
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


#: For views open to staff only (everything except referring and reading back one's referrals).
staff_only = roles_required(*STAFF_ROLES)
