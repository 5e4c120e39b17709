"""Registers every part of the web application: health, Twilio webhooks, JSON API, console."""

from __future__ import annotations

from flask import Flask

from app.web import health, prompts, session
from app.web.access.gate import init_gate
from app.web.api import init_api
from app.web.console import init_console
from app.web.console.extensions import limiter
from app.web.webhooks import init_webhooks
from app.web.webhooks.lean import spare_webhooks


def register(app: Flask) -> None:
    session.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(prompts.bp)
    init_webhooks(app)
    init_api(app)
    init_console(app)
    init_gate(app)
    spare_webhooks(app, limiter)  # after the limiter has registered its hooks
