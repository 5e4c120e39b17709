"""/referrals: a partner's own referrals, newest first, with their status and outcome.

Only the cases this account referred: the query is scoped by the signed-in user, so there is
nothing else to hide. Opening one goes to /cases/<reference>, which answers 404 for any case
the partner did not refer.
"""

from __future__ import annotations

from flask import render_template
from flask_login import current_user
from sqlalchemy import select

from app.models.case import Case
from app.web.console.access import log_access
from app.web.console.blueprint import bp
from app.web.session import db_session

MAX_SHOWN = 200


@bp.get("/referrals")
def my_referrals() -> str:
    cases = db_session().scalars(
        select(Case).where(Case.referred_by_user_id == current_user.id)
        .order_by(Case.id.desc()).limit(MAX_SHOWN)).all()
    log_access("view_referrals", detail={"case_ids": [case.id for case in cases]})
    db_session().commit()
    return render_template("console/referrals.html", cases=cases, max_shown=MAX_SHOWN)
