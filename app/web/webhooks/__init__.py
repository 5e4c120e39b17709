"""Twilio webhooks under /twilio/: voice, SMS, status callbacks and the fallback URL.

Every route is signature-checked before it runs (see `blueprint`); importing a route module
attaches its views to the blueprint.
"""

from __future__ import annotations

from flask import Flask

from app.web.webhooks import fallback, sms, status, voice  # noqa: F401
from app.web.webhooks.blueprint import bp


def init_webhooks(app: Flask) -> None:
    app.register_blueprint(bp)
