"""The JSON API under /api/v1 (flask-smorest: the OpenAPI document comes from the same schemas)."""

from __future__ import annotations

from flask import Flask


def init_api(app: Flask) -> None:
    """Registered by the API module when it exists (see app/web/api/)."""
