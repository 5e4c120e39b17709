"""The staff console: server-rendered pages for call handlers, coordinators, admins, partners."""

from __future__ import annotations

from flask import Flask


def init_console(app: Flask) -> None:
    """Registered by the console modules (see app/web/console/)."""
