"""Who is calling the API: set by the access gate (app.web.access.gate) before any view runs.

The gate checks every /api/v1 request against the role matrix: a missing, expired or revoked
token answers 401, a role or token scope that does not cover the route answers 403. Views then
use `api_user()` for the caller. Row-level rules stay in the views: a partner lists and reads
only the cases it referred, and any other reference answers 404 (never 403), so references
cannot be probed.
"""

from __future__ import annotations

from flask import g, request

from app.domain.enums import Role
from app.models.staff import ApiToken, StaffUser

STAFF_ROLES = (Role.CALL_HANDLER.value, Role.COORDINATOR.value, Role.ADMIN.value)
ALL_ROLES = (*STAFF_ROLES, Role.PARTNER.value)
SECURITY_SCHEME = "bearerAuth"


def api_user() -> StaffUser:
    """The authenticated caller of this request (set by the access gate)."""
    user = g.get("api_user")
    if user is None:  # a view whose route the matrix does not protect: a programming error
        raise RuntimeError("api_user() used on a route without token authentication")
    return user


def api_token() -> ApiToken:
    token = g.get("api_token")
    if token is None:
        raise RuntimeError("api_token() used on a route without token authentication")
    return token


def is_staff(user: StaffUser) -> bool:
    return user.role in STAFF_ROLES


def client_ip() -> str | None:
    """The peer address (behind a proxy: as ProxyFix, set by TRUSTED_PROXY_COUNT, reports it)."""
    return request.remote_addr or None
