"""/cases/<reference>: the case page (details, timeline, suggestions) and its actions.

Each action is its own small POST form with a CSRF token; the view validates, calls one
function in app.services.casework.actions (which writes the CaseEvent), logs the access, commits,
then enqueues any SMS (outbox: commit before enqueue) and redirects back (post/redirect/get).
Viewing the page and revealing the phone number write access-log rows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.domain.enums import Need
from app.domain.phone import format_for_display, mask_phone
from app.models.base import utcnow
from app.models.case import Case
from app.models.directory import DirectoryService
from app.models.volunteer import Volunteer
from app.services.casework import actions as case_actions
from app.services.casework.actions import ActionError, ActionResult
from app.services.casework.case_page import (
    assignable_volunteers,
    build_timeline,
    signpost_options,
    suggest,
)
from app.services.matching.signposting import best_for_case
from app.web.console.access import STAFF_ROLES, log_access, roles_required
from app.web.console.blueprint import bp
from app.web.console.forms import (
    AssignForm,
    CallbackForm,
    CaseEditForm,
    CloseForm,
    EmptyForm,
    NoteForm,
    RecodeForm,
    SignpostForm,
)
from app.web.session import commit_then_enqueue, db_session


def _case_or_404(reference: str) -> Case:
    case = db_session().scalar(select(Case).where(Case.reference == reference.upper()[:12]))
    if case is None:
        abort(404)
    return case


def _forms(case: Case) -> dict[str, FlaskForm]:
    session = db_session()
    signpost = SignpostForm(prefix="signpost")
    signpost.service_id.choices = [(s.id, s.name) for s in signpost_options(session, case)]
    return {
        "edit_form": CaseEditForm(prefix="edit", obj=case),
        "assign_form": AssignForm(prefix="assign"), "signpost_form": signpost,
        "callback_form": CallbackForm(prefix="callback"),
        "recode_form": RecodeForm(prefix="recode"),
        "note_form": NoteForm(prefix="note"), "close_form": CloseForm(prefix="close"),
        "reveal_form": EmptyForm(prefix="reveal"),
    }


def _render(case: Case, status: int = 200, phone_shown: bool = False, **forms: FlaskForm):
    session = db_session()
    context = _forms(case) | forms
    directory = session.get(DirectoryService, case.directory_service_id) \
        if case.directory_service_id else None
    volunteer = session.get(Volunteer, case.assigned_volunteer_id) \
        if case.assigned_volunteer_id else None
    return render_template(
        "console/case.html", case=case, timeline=build_timeline(session, case),
        suggestions=suggest(session, case, utcnow()),
        directory_best=best_for_case(session, case, utcnow()),
        volunteers=assignable_volunteers(session), directory_service=directory,
        assigned_volunteer=volunteer, phone_shown=phone_shown, mask_phone=mask_phone,
        format_phone=format_for_display, is_other=case.need in (None, Need.OTHER), **context,
    ), status


@bp.get("/cases/<reference>")
@roles_required(*STAFF_ROLES, "partner")
def case_page(reference: str):
    case = _case_or_404(reference)
    if current_user.role == "partner":
        if case.referred_by_user_id != current_user.id:
            abort(403)
        log_access("view_referral", case_id=case.id, target=case.reference)
        db_session().commit()
        return render_template("console/referral_done.html", case=case)
    log_access("view_case", case_id=case.id, target=case.reference)
    db_session().commit()
    return _render(case)


@bp.post("/cases/<reference>/reveal-phone")
@roles_required(*STAFF_ROLES)
def reveal_phone(reference: str):
    case = _case_or_404(reference)
    form = EmptyForm(prefix="reveal")
    form.validate_on_submit()
    log_access("reveal_phone", case_id=case.id, target=case.reference)
    db_session().commit()
    return _render(case, phone_shown=True)


def _act(reference: str, form: FlaskForm, form_key: str,
         action: Callable[[Case, FlaskForm], ActionResult]):
    """The shared shape of every case action (validate, act, log, commit, enqueue, redirect)."""
    case = _case_or_404(reference)
    if not form.validate_on_submit():
        return _render(case, 400, **{form_key: form})
    try:
        result = action(case, form)
    except ActionError as exc:
        db_session().rollback()
        flash(str(exc), "error")
        return redirect(url_for("console.case_page", reference=case.reference))
    log_access(f"case_{form_key.removesuffix('_form')}", case_id=case.id, target=case.reference)
    commit_then_enqueue(db_session(), result.message_ids)
    flash(result.summary, "success")
    return redirect(url_for("console.case_page", reference=case.reference))


def _uid() -> int:
    return int(current_user.id)


@bp.post("/cases/<reference>/edit")
@roles_required(*STAFF_ROLES)
def edit_case(reference: str) -> Response:
    return _act(reference, CaseEditForm(prefix="edit"), "edit_form", lambda c, f:
                case_actions.edit_case(db_session(), c, _uid(), category=f.category.data,
                                       need=f.need.data, urgency=f.urgency.data,
                                       details=f.details.data, now=utcnow()))


@bp.post("/cases/<reference>/assign")
@roles_required(*STAFF_ROLES)
def assign(reference: str) -> Response:
    return _act(reference, AssignForm(prefix="assign"), "assign_form", lambda c, f:
                case_actions.assign_volunteer(db_session(), c, _uid(), f.volunteer_id.data,
                                              utcnow()))


@bp.post("/cases/<reference>/signpost")
@roles_required(*STAFF_ROLES)
def signpost(reference: str) -> Response:
    form = SignpostForm(prefix="signpost")
    form.service_id.choices = [(s.id, s.name) for s in signpost_options(
        db_session(), _case_or_404(reference))]
    return _act(reference, form, "signpost_form", lambda c, f:
                case_actions.signpost(db_session(), c, _uid(), f.service_id.data, utcnow()))


@bp.post("/cases/<reference>/callback")
@roles_required(*STAFF_ROLES)
def callback(reference: str) -> Response:
    # The form's time is UK wall-clock time as typed; stored as UTC.
    return _act(reference, CallbackForm(prefix="callback"), "callback_form", lambda c, f:
                case_actions.record_callback(db_session(), c, _uid(), _as_utc(f.due_at.data),
                                             f.note.data, utcnow()))


def _as_utc(value):
    return value.replace(tzinfo=ZoneInfo("Europe/London")).astimezone(UTC)


@bp.post("/cases/<reference>/recode")
@roles_required(*STAFF_ROLES)
def recode(reference: str) -> Response:
    return _act(reference, RecodeForm(prefix="recode"), "recode_form", lambda c, f:
                case_actions.recode_other(db_session(), c, _uid(), f.need.data, utcnow()))


@bp.post("/cases/<reference>/note")
@roles_required(*STAFF_ROLES)
def note(reference: str) -> Response:
    return _act(reference, NoteForm(prefix="note"), "note_form", lambda c, f:
                case_actions.add_note(db_session(), c, _uid(), f.note.data, utcnow()))


@bp.post("/cases/<reference>/close")
@roles_required(*STAFF_ROLES)
def close(reference: str) -> Response:
    return _act(reference, CloseForm(prefix="close"), "close_form", lambda c, f:
                case_actions.close_case(db_session(), c, _uid(), f.outcome.data, f.reason.data,
                                        utcnow()))
