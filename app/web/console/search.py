"""/search?q=: find a case by reference, phone number (any format) or name, from every page.

Call handlers, coordinators and admins search every case; a partner only the cases it referred
(nothing else is shown, as /cases/<reference> answers 404 for the rest); coordinators and admins
also find volunteers. Each search is in the access log with what was found, and with the text
searched for unless it is a phone number (a number is the most identifying thing typed here).
"""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from app.domain.phone import mask_phone
from app.services.casework.search import MAX_RESULTS, SearchKind, search
from app.web.access.matrix import PARTNER
from app.web.console.access import log_access, may
from app.web.console.blueprint import bp
from app.web.session import db_session


@bp.get("/search")
def search_page() -> str:
    results = search(
        db_session(), request.args.get("q", ""),
        referred_by=current_user.id if current_user.role == PARTNER else None,
        include_volunteers=may("console.volunteers"))
    if results.kind is not SearchKind.EMPTY:
        detail: dict[str, object] = {
            "kind": str(results.kind),
            "case_ids": [case.id for case in results.cases[:MAX_RESULTS]],
            "volunteer_ids": [v.id for v in results.volunteers[:MAX_RESULTS]]}
        if results.kind is not SearchKind.PHONE:
            detail["q"] = results.query
        log_access("search", detail=detail)
        db_session().commit()
    return render_template("console/search.html", results=results, max_results=MAX_RESULTS,
                           mask_phone=mask_phone)
