"""The Twilio blueprint: every route under /twilio/ is signature-checked before it runs.

The check is a `before_request` on the blueprint, so no view can forget it and it runs
before anything opens a database session or touches Redis: a forged request gets 403 and changes
nothing. The log line names the path and the reason, never the body or a number. Why and how:
docs/reliability.md, 'Signatures'.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request
from werkzeug.datastructures import ImmutableMultiDict

from app.adapters.twilio.signature import SIGNATURE_HEADER, SignedRequest, check_signature
from app.web.session import runtime

bp = Blueprint("twilio", __name__, url_prefix="/twilio")
security_log = logging.getLogger("here2help.security")


@bp.before_request
def require_twilio_signature() -> Response | None:
    """403 unless X-Twilio-Signature matches the public URL and parameters (HMAC, Auth Token)."""
    settings = runtime().settings
    is_json = (request.mimetype or "").lower() == "application/json"
    signed = SignedRequest(
        url=request.url,
        form=request.form if not is_json else {},
        signature=request.headers.get(SIGNATURE_HEADER),
        content_type=request.content_type or "",
        raw_body=request.get_data(cache=True) if is_json else b"",
    )
    reason = check_signature(settings.twilio_auth_token, signed, settings.public_base_url)
    if reason is None:
        _strip_nul_from_form()
        return None
    security_log.warning(
        "twilio webhook rejected: %s on %s %s from %s",
        reason,
        request.method,
        request.path,
        request.remote_addr,
    )
    return Response("Forbidden: invalid Twilio signature\n", status=403, mimetype="text/plain")


def _strip_nul_from_form() -> None:
    """After the signature matched: drop NUL from every parameter's name and value.

    A NUL is valid in a signed form but not in a PostgreSQL string, a journal file name or a
    phone number, so a resident's text carrying one would otherwise fail on one database and
    not the other. Every view (and the fallback journal) sees the cleaned form.
    """
    form = request.form
    if not any("\x00" in key or "\x00" in value for key, value in form.items(multi=True)):
        return
    request.form = ImmutableMultiDict(  # type: ignore[misc]
        (key.replace("\x00", ""), value.replace("\x00", ""))
        for key, value in form.items(multi=True))
