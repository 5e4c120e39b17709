"""/queue: the cases waiting for a person, with filters, counts, and a self-refreshing table.

The page works without JavaScript (a GET form and a full page); app/static/queue.js fetches
/queue/partial with the same query string every 30 seconds and swaps the table in, so the order
and counts stay current without losing the person's place or focus.
"""

from __future__ import annotations

from flask import render_template, request

from app.domain.enums import CaseStatus
from app.domain.phone import mask_phone
from app.models.base import utcnow
from app.services.casework.worklist import AGE_FILTERS, QueueFilters, format_age, load_queue
from app.web.console.blueprint import bp
from app.web.console.forms import CATEGORY_CHOICES, NEED_CHOICES, URGENCY_CHOICES
from app.web.session import db_session

AGE_LABELS = {"1h": "Older than 1 hour", "4h": "Older than 4 hours", "24h": "Older than 1 day",
              "3d": "Older than 3 days"}


def _filters() -> QueueFilters:
    args = request.args
    return QueueFilters(**{
        name: (args.get(name) or "").strip()[:80]
        for name in ("status", "category", "need", "district", "neighbourhood", "urgency", "age")
    })


def _context() -> dict:
    filters = _filters()
    page = load_queue(db_session(), filters, utcnow())
    return {
        "page": page, "filters": filters, "mask_phone": mask_phone, "format_age": format_age,
        "category_choices": CATEGORY_CHOICES, "need_choices": NEED_CHOICES,
        "urgency_choices": URGENCY_CHOICES,
        "age_choices": [(k, AGE_LABELS[k]) for k in AGE_FILTERS],
        "status_choices": [(s.value, s.value.replace("_", " ").capitalize()) for s in CaseStatus],
        "district_choices": [(d, d) for d in page.districts],
        "neighbourhood_choices": page.neighbourhoods,
    }


@bp.get("/queue")
def queue() -> str:
    return render_template("console/queue.html", **_context())


@bp.get("/queue/partial")
def queue_partial() -> str:
    return render_template("console/_queue_table.html", **_context())
