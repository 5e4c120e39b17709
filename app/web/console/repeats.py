"""Repeat a completed request from its case page: once now, or weekly or fortnightly (a
schedule the worker runs), and stop a schedule. The rules are in app.services.aftercare.repeats.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.models.base import utcnow
from app.models.case import Case
from app.services.aftercare import repeats
from app.web.console.access import log_access
from app.web.console.blueprint import bp
from app.web.console.forms import EmptyForm, RepeatForm
from app.web.session import commit_then_enqueue, db_session


@bp.app_template_global("repeat_panel")
def repeat_panel(case: Case) -> dict[str, Any]:
    """What the case page's "Repeat this request" panel shows: its forms and any schedule."""
    return {"form": RepeatForm(prefix="repeat"), "stop_form": EmptyForm(prefix="repeatstop"),
            "schedule": repeats.active_schedule(db_session(), case),
            "intervals": repeats.INTERVAL_WORDS}


def _case_or_404(reference: str) -> Case:
    case = db_session().scalar(select(Case).where(Case.reference == reference.upper()[:12]))
    if case is None:
        abort(404)
    return case


def _back(case: Case) -> Response:
    return redirect(url_for("console.case_page", reference=case.reference))


@bp.post("/cases/<reference>/repeat")
def repeat_request(reference: str) -> Response:
    case = _case_or_404(reference)
    form = RepeatForm(prefix="repeat")
    if not form.validate_on_submit():
        problems = [e for errors in form.errors.values() for e in errors]
        flash(problems[0] if problems else "Check the repeat form.", "error")
        return _back(case)
    session, now = db_session(), utcnow()
    try:
        if form.how.data == "once":
            made = repeats.repeat_case(session, case, now, source="staff",
                                       staff_user_id=int(current_user.id))
            summary = f"Repeated as {made.case.reference}" + (
                f": it goes first to {made.last_helper}, who helped last time, if they can "
                "take it." if made.last_helper else ".")
            to_match = [made.case]
        else:
            schedule = repeats.start_schedule(session, case, interval=form.how.data,
                                              first_due_on=form.first_due_on.data,
                                              staff_user_id=int(current_user.id), now=now)
            summary = (f"This request now repeats {repeats.INTERVAL_WORDS[schedule.interval_days]}"
                       f", first on {schedule.next_due_on:%d %b %Y}.")
            to_match = []
    except repeats.RepeatError as exc:
        session.rollback()
        flash(str(exc), "error")
        return _back(case)
    log_access("case_repeat", case_id=case.id, target=case.reference)
    commit_then_enqueue(session, [], to_match)
    flash(summary, "success")
    return _back(case)


@bp.post("/cases/<reference>/repeat/stop")
def stop_repeating(reference: str) -> Response:
    case = _case_or_404(reference)
    form = EmptyForm(prefix="repeatstop")
    if not form.validate_on_submit():
        flash("The form expired: please try again.", "error")
        return _back(case)
    try:
        repeats.stop_schedule(db_session(), case, staff_user_id=int(current_user.id),
                              now=utcnow())
    except repeats.RepeatError as exc:
        db_session().rollback()
        flash(str(exc), "error")
        return _back(case)
    log_access("case_repeat_stop", case_id=case.id, target=case.reference)
    commit_then_enqueue(db_session())
    flash("Stopped repeating this request.", "success")
    return _back(case)
