"""What the console shows each role, and the access log of what staff looked at or changed.

Who may open which page is the role matrix (app.web.access.matrix), enforced for every request
by app.web.access.gate before the view runs: a signed-out person goes to /login (so a bookmark
keeps working after a time-out), a role that does not cover the page gets 403. `may` lets a
page show only the links and buttons the person can use. `log_access` appends an AccessLogEntry in
the request's DB session; the caller's commit makes it durable together with the action, so the
log never records an action that was rolled back (UK GDPR Art 5(2) accountability).
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_login import current_user

from app.db import start_writing
from app.models.staff import AccessLogEntry
from app.web.access.matrix import rule_for
from app.web.session import db_session


def may(endpoint: str) -> bool:
    """Whether the signed-in person's role may use `endpoint` (for links and buttons: the gate
    in app.web.access enforces the same table whatever a page shows)."""
    rule = rule_for(endpoint)
    return bool(rule and current_user.is_authenticated and rule.allows(current_user.role))


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
    # A page view (a GET reads deferred) writes its row in a writer transaction: upgrading the
    # read transaction instead fails at once on SQLite when another writer went first.
    start_writing(db_session())
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
