"""Twilio webhooks under /twilio/: every route here is signature-checked before it runs."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("twilio", __name__, url_prefix="/twilio")


def init_webhooks(app: Flask) -> None:
    # Route modules attach their views to `bp` when imported.
    from app.web.webhooks import fallback, sms, status, voice  # noqa: F401

    app.register_blueprint(bp)
