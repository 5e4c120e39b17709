"""/duty: who is on duty now, the duty switches, staff phones and the weekly rota.

Also the "On duty" switch in the header of every console page (POST /duty/me) and the
safeguarding banner that every staff page shows until someone acknowledges the alert. The rules
(who may change whose duty, phone or rota) live in app.services.staff.duty; each form here
validates, calls one service function, logs the access, commits and redirects back.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.domain.duty import WEEKDAYS
from app.domain.phone import format_for_display
from app.models.base import utcnow
from app.models.staff import StaffUser
from app.services.cases.safeguarding import open_alerts
from app.services.staff.duty import (
    MANAGER_ROLES,
    DutyError,
    add_rota_slot,
    is_on_duty,
    remove_rota_slot,
    roster,
    set_duty,
    set_phone,
)
from app.web.console.access import log_access, may
from app.web.console.blueprint import bp
from app.web.console.forms import EmptyForm
from app.web.session import db_session, runtime


def _me() -> StaffUser:
    user = db_session().get(StaffUser, int(current_user.id))
    if user is None:
        abort(403)
    return user


def _staff_or_404(user_id: int) -> StaffUser:
    user = db_session().get(StaffUser, user_id)
    if user is None:
        abort(404)
    return user


def _back(default: str) -> Response:
    """Back to the page the switch was pressed on (same-site paths only)."""
    target = request.form.get("next", "")
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc:
        return redirect(target)
    return redirect(default)


def _valid_form() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


def _done(action: str, target: StaffUser, detail: dict[str, Any], message: str) -> None:
    log_access(action, target=target.email, detail=detail)
    db_session().commit()
    flash(message, "success")


@bp.get("/duty")
def duty_page():
    now = utcnow()
    session = db_session()
    lines = roster(session, now)
    return render_template(
        "console/duty.html", lines=lines, on_duty=[ln for ln in lines if ln.on_duty],
        weekdays=list(enumerate(WEEKDAYS)), can_manage=current_user.role in MANAGER_ROLES,
        me_id=int(current_user.id), format_phone=format_for_display)


@bp.post("/duty/me")
def duty_switch_me() -> Response:
    """The header switch: flips the signed-in person's own duty."""
    _valid_form()
    me = _me()
    now = utcnow()
    turn_on = not is_on_duty(me, now)
    try:
        set_duty(db_session(), me, me, turn_on, now)
    except DutyError as exc:
        db_session().rollback()
        flash(str(exc), "error")
        return _back(url_for("console.duty_page"))
    _done("duty_switch", me, {"on": turn_on},
          "You are on duty." if turn_on else "You are off duty.")
    return _back(url_for("console.duty_page"))


@bp.post("/duty/<int:user_id>/switch")
def duty_switch(user_id: int) -> Response:
    _valid_form()
    target = _staff_or_404(user_id)
    turn_on = request.form.get("on") == "1"
    try:
        set_duty(db_session(), _me(), target, turn_on, utcnow())
    except DutyError as exc:
        db_session().rollback()
        flash(str(exc), "error")
        return redirect(url_for("console.duty_page"))
    _done("duty_switch", target, {"on": turn_on},
          f"{target.name or target.email} is {'on' if turn_on else 'off'} duty.")
    return redirect(url_for("console.duty_page"))


@bp.post("/duty/<int:user_id>/phone")
def duty_phone(user_id: int) -> Response:
    _valid_form()
    target = _staff_or_404(user_id)
    raw = request.form.get("phone", "")[:60]
    try:
        phone = set_phone(db_session(), _me(), target, raw,
                          region=runtime().settings.default_region, now=utcnow())
    except DutyError as exc:
        db_session().rollback()
        flash(str(exc), "error")
        return redirect(url_for("console.duty_page"))
    _done("staff_phone", target, {"set": phone is not None},
          f"Phone saved for {target.name or target.email}." if phone
          else f"Phone removed for {target.name or target.email}.")
    return redirect(url_for("console.duty_page"))


@bp.post("/duty/<int:user_id>/rota")
def duty_rota_add(user_id: int) -> Response:
    _valid_form()
    target = _staff_or_404(user_id)
    try:
        add_rota_slot(db_session(), _me(), target, request.form.get("weekday", ""),
                      request.form.get("starts", "")[:10], request.form.get("ends", "")[:10])
    except DutyError as exc:
        db_session().rollback()
        flash(str(exc), "error")
        return redirect(url_for("console.duty_page"))
    _done("rota_add", target, {}, f"Rota slot added for {target.name or target.email}.")
    return redirect(url_for("console.duty_page"))


@bp.post("/duty/rota/<int:window_id>/remove")
def duty_rota_remove(window_id: int) -> Response:
    _valid_form()
    me = _me()
    try:
        remove_rota_slot(db_session(), me, window_id)
    except DutyError as exc:
        db_session().rollback()
        flash(str(exc), "error")
        return redirect(url_for("console.duty_page"))
    _done("rota_remove", me, {"window_id": window_id}, "Rota slot removed.")
    return redirect(url_for("console.duty_page"))


def console_duty_context() -> dict[str, Any]:
    """For base.html: the signed-in person's duty switch and the open safeguarding alerts."""
    if not may("console.duty_switch_me"):
        return {}
    session = db_session()
    me = session.get(StaffUser, int(current_user.id))
    if me is None:
        return {}
    return {"my_duty": {"has_phone": bool(me.phone), "on": is_on_duty(me, utcnow())},
            "open_safeguarding_alerts": open_alerts(session)}
