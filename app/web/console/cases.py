"""/cases/<reference>: the case page (details, timeline, suggestions) and its actions.

Each action is its own small POST form with a CSRF token; the view validates, calls one
function in app.services.casework.actions (which writes the CaseEvent), logs the access, commits,
then enqueues any SMS (outbox: commit before enqueue) and redirects back (post/redirect/get).
Viewing the page and revealing the phone number write access-log rows.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.domain.case_outcomes import close_refusal, is_ended, offer_refusal
from app.domain.enums import Need
from app.domain.phone import format_for_display, mask_phone
from app.domain.uk_time import LocalTimeError, parse_uk_local, to_uk
from app.models.base import utcnow
from app.models.case import Case, SafeguardingAlert
from app.models.directory import DirectoryService
from app.models.staff import StaffUser
from app.models.volunteer import Volunteer
from app.services.casework import actions as case_actions
from app.services.casework.actions import ActionError, ActionResult
from app.services.casework.case_page import (
    Suggestions,
    assignable_volunteers,
    build_timeline,
    signpost_options,
    suggest,
)
from app.services.casework.merge import merge_referral
from app.services.matching.signposting import best_for_case
from app.web.console.access import log_access, may
from app.web.console.blueprint import bp
from app.web.console.forms import (
    AssignForm,
    CallbackForm,
    CaseEditForm,
    CloseForm,
    ConsentForm,
    EmptyForm,
    MergeForm,
    NoteForm,
    RecodeForm,
    ReopenForm,
    SignpostForm,
    StandDownForm,
)
from app.web.session import commit_then_enqueue, db_session, runtime


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
        "callback_form": _callback_form(case),
        "recode_form": RecodeForm(prefix="recode"),
        "note_form": NoteForm(prefix="note"), "close_form": CloseForm(prefix="close"),
        "reveal_form": EmptyForm(prefix="reveal"), "merge_form": _merge_form(case),
        "stand_down_form": StandDownForm(prefix="standdown"),
        "consent_form": ConsentForm(prefix="consent"),
        "reopen_form": ReopenForm(prefix="reopen"),
    }


def _callback_form(case: Case) -> CallbackForm:
    """Pre-filled with the call-back already due, as UK wall-clock time (what staff type)."""
    form = CallbackForm(prefix="callback")
    if not form.is_submitted() and case.callback_due_at is not None:
        form.due_at.data = to_uk(case.callback_due_at).replace(tzinfo=None)
    return form


def _merge_form(case: Case) -> MergeForm:
    """Pre-filled with the open case the referral's timeline names, when there is one."""
    form = MergeForm(prefix="merge")
    if not form.is_submitted():
        for event in reversed(case.events):
            if event.kind == "possible_duplicate" and event.data.get("open_case"):
                form.into.data = event.data["open_case"]
                break
    return form


def _render(case: Case, status: int = 200, phone_shown: bool = False, **forms: FlaskForm):
    session = db_session()
    context = _forms(case) | forms
    directory = session.get(DirectoryService, case.directory_service_id) \
        if case.directory_service_id else None
    volunteer = session.get(Volunteer, case.assigned_volunteer_id) \
        if case.assigned_volunteer_id else None
    alerts = list(session.scalars(select(SafeguardingAlert).where(
        SafeguardingAlert.case_id == case.id).order_by(SafeguardingAlert.id)))
    # What applies to the case in its state: the page offers only that (the actions refuse
    # the rest on the server too).
    not_offerable = offer_refusal(case.status, case.assigned_volunteer_id)
    return render_template(
        "console/case.html", case=case, safeguarding_alerts=alerts,
        open_alert=next((a for a in alerts if a.acknowledged_at is None
                         and a.stood_down_at is None), None),
        contact_due=any(a.first_contact_at is None and a.stood_down_at is None for a in alerts),
        can_stand_down=may("console.stand_down_safeguarding"),
        timeline=build_timeline(session, case, reveal_phone=phone_shown),
        ended=is_ended(case.status), can_offer=not_offerable is None,
        not_offerable=not_offerable,
        suggestions=suggest(session, case, utcnow()) if not_offerable is None
        else Suggestions([]),
        directory_best=best_for_case(session, case, utcnow()),
        volunteers=assignable_volunteers(session, utcnow()) if not_offerable is None else [],
        directory_service=directory,
        assigned_volunteer=volunteer, phone_shown=phone_shown, mask_phone=mask_phone,
        format_phone=format_for_display, is_other=case.need in (None, Need.OTHER), **context,
    ), status


@bp.get("/cases/<reference>")
def case_page(reference: str):
    case = _case_or_404(reference)
    if current_user.role == "partner":
        if case.referred_by_user_id != current_user.id:
            abort(404)  # the same answer as no such case: references cannot be probed
        log_access("view_referral", case_id=case.id, target=case.reference)
        db_session().commit()
        return render_template("console/referral_done.html", case=case)
    log_access("view_case", case_id=case.id, target=case.reference)
    db_session().commit()
    return _render(case)


@bp.post("/cases/<reference>/reveal-phone")
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
def edit_case(reference: str) -> Response:
    return _act(reference, CaseEditForm(prefix="edit"), "edit_form", lambda c, f:
                case_actions.edit_case(db_session(), c, _uid(), category=f.category.data,
                                       need=f.need.data, urgency=f.urgency.data,
                                       details=f.details.data, now=utcnow(),
                                       alert_numbers=runtime().settings
                                       .safeguarding_alert_numbers))


@bp.post("/cases/<reference>/assign")
def assign(reference: str) -> Response:
    return _act(reference, AssignForm(prefix="assign"), "assign_form", lambda c, f:
                case_actions.assign_volunteer(
                    db_session(), c, _uid(), f.volunteer_id.data, utcnow(),
                    dbs_required_needs=runtime().settings.dbs_required_needs,
                    override_reason=f.override_reason.data if f.dbs_override.data else None,
                    user_role=current_user.role))


@bp.post("/cases/<reference>/signpost")
def signpost(reference: str) -> Response:
    form = SignpostForm(prefix="signpost")
    form.service_id.choices = [(s.id, s.name) for s in signpost_options(
        db_session(), _case_or_404(reference))]
    return _act(reference, form, "signpost_form", lambda c, f:
                case_actions.signpost(db_session(), c, _uid(), f.service_id.data, utcnow()))


@bp.post("/cases/<reference>/callback")
def callback(reference: str) -> Response:
    """The form's time is UK wall-clock time as typed; stored as UTC. A time the clocks skip
    (01:30 on the spring change night) is refused on the form, nothing saved."""
    form = CallbackForm(prefix="callback")
    if form.validate_on_submit():
        try:
            parse_uk_local(form.due_at.data)
        except LocalTimeError as exc:
            form.due_at.errors = [str(exc)]
            return _render(_case_or_404(reference), 400, callback_form=form)
    return _act(reference, form, "callback_form", lambda c, f:
                case_actions.record_callback(db_session(), c, _uid(),
                                             parse_uk_local(f.due_at.data), f.note.data,
                                             utcnow()))


@bp.post("/cases/<reference>/recode")
def recode(reference: str) -> Response:
    return _act(reference, RecodeForm(prefix="recode"), "recode_form", lambda c, f:
                case_actions.recode_other(db_session(), c, _uid(), f.need.data, utcnow()))


@bp.post("/cases/<reference>/note")
def note(reference: str) -> Response:
    return _act(reference, NoteForm(prefix="note"), "note_form", lambda c, f:
                case_actions.add_note(db_session(), c, _uid(), f.note.data, utcnow()))


@bp.post("/cases/<reference>/close")
def close(reference: str):
    """The outcome must agree with the case (no "matched" without a volunteer): said against
    the field, like any other form error; the service checks the same rule again."""
    case = _case_or_404(reference)
    form = CloseForm(prefix="close")
    if form.validate_on_submit():
        refused = close_refusal(case.status, form.outcome.data, form.reason.data,
                                case.assigned_volunteer_id)
        if refused is not None:
            form.outcome.errors = [*form.outcome.errors, refused]
            return _render(case, 400, close_form=form)
    return _act(reference, form, "close_form", lambda c, f:
                case_actions.close_case(db_session(), c, _uid(), f.outcome.data, f.reason.data,
                                        utcnow()))


@bp.post("/cases/<reference>/reopen")
def reopen(reference: str) -> Response:
    """An ended case back to staff (needs_staff), with the reason and who on its timeline."""
    return _act(reference, ReopenForm(prefix="reopen"), "reopen_form", lambda c, f:
                case_actions.reopen_case(db_session(), c, _uid(), f.reason.data, utcnow()))


@bp.post("/cases/<reference>/merge")
def merge_case(reference: str) -> Response:
    """Fold a partner's referral into the resident's open case (see casework.merge)."""
    return _act(reference, MergeForm(prefix="merge"), "merge_form", lambda c, f:
                merge_referral(db_session(), c, f.into.data, _uid(), utcnow()))


def _me() -> StaffUser:
    user = db_session().get(StaffUser, _uid())
    if user is None:
        abort(403)
    return user


@bp.post("/cases/<reference>/safeguarding/raise")
def raise_safeguarding(reference: str) -> Response:
    """Raise safeguarding; on an ended case this reopens it first (see casework.actions)."""
    return _act(reference, EmptyForm(prefix="raise"), "raise_form", lambda c, f:
                case_actions.raise_safeguarding_concern(
                    db_session(), c, _uid(), utcnow(),
                    alert_numbers=runtime().settings.safeguarding_alert_numbers))


@bp.post("/cases/<reference>/safeguarding/acknowledge")
def acknowledge_safeguarding(reference: str) -> Response:
    return _act(reference, EmptyForm(prefix="ack"), "ack_form", lambda c, f:
                case_actions.acknowledge_safeguarding(db_session(), c, _me(), utcnow()))


@bp.post("/cases/<reference>/safeguarding/contact")
def safeguarding_contact(reference: str) -> Response:
    return _act(reference, EmptyForm(prefix="contact"), "contact_form", lambda c, f:
                case_actions.record_safeguarding_contact(db_session(), c, _me(), utcnow()))


@bp.post("/cases/<reference>/safeguarding/stand-down")
def stand_down_safeguarding(reference: str) -> Response:
    return _act(reference, StandDownForm(prefix="standdown"), "stand_down_form", lambda c, f:
                case_actions.stand_down_safeguarding(db_session(), c, _me(), f.reason.data,
                                                     utcnow()))


@bp.post("/cases/<reference>/consent")
def record_consent(reference: str) -> Response:
    """Consent given later (by phone): recorded as an event; a yes may resume matching."""
    case = _case_or_404(reference)
    form = ConsentForm(prefix="consent")
    if not form.validate_on_submit():
        return _render(case, 400, consent_form=form)
    try:
        result, rematch = case_actions.record_consent_by_staff(
            db_session(), case, _uid(), form.answer.data == "yes", form.note.data, utcnow())
    except ActionError as exc:
        db_session().rollback()
        flash(str(exc), "error")
        return redirect(url_for("console.case_page", reference=case.reference))
    log_access("case_consent", case_id=case.id, target=case.reference)
    commit_then_enqueue(db_session(), result.message_ids, [case] if rematch else [])
    flash(result.summary, "success")
    return redirect(url_for("console.case_page", reference=case.reference))
