"""Who may open which console page, and the access log of what staff looked at or changed.

`roles_required` is the one gate for console views: it sends a signed-out person to /login (so
a bookmark keeps working after a time-out) and answers 403 to a signed-in person whose role does
not cover the page, instead of hiding the difference. `log_access` appends an AccessLogEntry in
the request's DB session; the caller's commit makes it durable together with the action, so the
log never records an action that was rolled back (UK GDPR Art 5(2) accountability).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, redirect, request, url_for
from flask_login import current_user

from app.models.staff import AccessLogEntry
from app.web.session import db_session

F = TypeVar("F", bound=Callable[..., Any])

#: Roles that work on cases (the queue, case pages, volunteers); partners only refer.
STAFF_ROLES = ("call_handler", "coordinator", "admin")
ALL_ROLES = (*STAFF_ROLES, "partner")


def roles_required(*roles: str) -> Callable[[F], F]:
    """Allow the view only to signed-in users whose role is one of `roles` (admin always passes).

    No roles given means "any signed-in user".
    """

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
            if roles and current_user.role not in roles and current_user.role != "admin":
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def client_ip() -> str | None:
    """The peer address; a reverse proxy's X-Forwarded-For is trusted only via ProxyFix."""
    return (request.remote_addr or None) if request else None


def log_access(
    action: str,
    case_id: int | None = None,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
    user_id: int | None = None,
) -> AccessLogEntry:
    """Add an access-log row for the current user to the request session (committed by caller)."""
    if user_id is None and current_user.is_authenticated:
        user_id = current_user.id
    entry = AccessLogEntry(
        user_id=user_id,
        action=action[:40],
        case_id=case_id,
        target=target[:120] if target else None,
        ip_address=client_ip(),
        detail=detail or {},
    )
    db_session().add(entry)
    return entry
