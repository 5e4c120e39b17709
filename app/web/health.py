"""GET /healthz: is the database reachable, is Redis? 200 when both are, 503 naming what is not."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text

from app.web.session import runtime

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    rt = runtime()
    report = {"status": "ok", "database": "ok", "redis": "ok"}
    try:
        with rt.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:
        report["database"] = "down"
    try:
        rt.redis.ping()
    except Exception:
        report["redis"] = "down"
    down = [part for part in ("database", "redis") if report[part] != "ok"]
    if down:
        report["status"] = "down: " + ", ".join(down)
        return jsonify(report), 503
    return jsonify(report)
