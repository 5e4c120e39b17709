"""Admin pages: staff accounts (MFA reset, disable), every API token (list, revoke) and the
access log (filter, CSV download).

Admins only (the role matrix). Revoking is a POST with CSRF and is itself logged; a revoked
token answers 401 from the next request on. Viewing or downloading the log is logged too.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.models.base import utcnow
from app.models.staff import StaffUser
from app.services.reports.files import csv_cell
from app.services.staff import accounts, mfa
from app.services.staff.access_log import COLUMNS, AccessLogFilter, search_access_log
from app.services.staff.signin import end_all_sessions
from app.web.console.access import log_access
from app.web.console.blueprint import bp
from app.web.console.forms import EmptyForm
from app.web.session import db_session


@bp.get("/admin/api-tokens")
def api_tokens() -> str:
    now = utcnow()
    rows = [(token, user, accounts.token_state(token, now))
            for token, user in accounts.list_api_tokens(db_session())]
    return render_template("console/api_tokens.html", rows=rows, button_form=EmptyForm())


@bp.post("/admin/api-tokens/<int:token_id>/revoke")
def revoke_api_token(token_id: int) -> Response:
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    session = db_session()
    if token_id >= 2**31 or not accounts.revoke_token(session, token_id, utcnow()):
        abort(404)
    log_access("api_token_revoke", target=f"api_token:{token_id}")
    session.commit()
    flash(f"Token {token_id} revoked: it no longer works.", "success")
    return redirect(url_for("console.api_tokens"))


def _day(name: str) -> date | None:
    raw = (request.args.get(name) or "").strip()[:10]
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _filter() -> AccessLogFilter:
    return AccessLogFilter(staff=(request.args.get("staff") or "")[:254],
                           case_reference=(request.args.get("case") or "")[:20],
                           day_from=_day("from"), day_to=_day("to"))


@bp.get("/admin/access-log")
def access_log() -> str:
    wanted = _filter()
    rows = search_access_log(db_session(), wanted, limit=200)
    log_access("view_access_log")
    db_session().commit()
    return render_template("console/access_log.html", rows=rows, wanted=wanted,
                           query=request.query_string.decode("utf-8", "replace"))


@bp.get("/admin/access-log.csv")
def access_log_csv() -> Response:
    rows = search_access_log(db_session(), _filter())
    log_access("download_access_log", detail={"rows": len(rows)})
    db_session().commit()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([csv_cell(value) for value in row.cells()])
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="access-log.csv"'})


@bp.get("/admin/staff")
def staff_accounts() -> str:
    users = db_session().scalars(select(StaffUser).order_by(StaffUser.email)).all()
    return render_template("console/staff_accounts.html", users=users,
                           is_enrolled=mfa.is_enrolled)


def _staff_member(user_id: int) -> StaffUser:
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    user = db_session().get(StaffUser, user_id) if user_id < 2**31 else None
    if user is None:
        abort(404)
    return user


@bp.post("/admin/staff/<int:user_id>/mfa-reset")
def staff_mfa_reset(user_id: int) -> Response:
    """A lost phone: the factor goes and every session ends; the next sign-in enrols again."""
    user = _staff_member(user_id)
    mfa.reset(user)
    log_access("mfa_reset", target=f"staff_user:{user.id}")
    db_session().commit()
    flash(f"{user.email}: authenticator app removed and signed out everywhere. They set up a "
          "new one at their next sign-in.", "success")
    return redirect(url_for("console.staff_accounts"))


@bp.post("/admin/staff/<int:user_id>/active")
def staff_set_active(user_id: int) -> Response:
    """Disable (every session ends at the next request) or enable an account again."""
    user = _staff_member(user_id)
    wanted = request.form.get("active") == "1"
    if user.id == current_user.id and not wanted:
        flash("You cannot disable your own account.", "error")
        return redirect(url_for("console.staff_accounts"))
    user.active = wanted
    if not wanted:
        end_all_sessions(user)
    log_access("staff_enable" if wanted else "staff_disable", target=f"staff_user:{user.id}")
    db_session().commit()
    flash(f"{user.email} is {'enabled' if wanted else 'disabled and signed out everywhere'}.",
          "success")
    return redirect(url_for("console.staff_accounts"))
