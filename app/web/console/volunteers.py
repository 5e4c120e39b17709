"""/volunteers: search, approve sign-ups, pause and resume, DBS details, weekly hours, dated
absences, assignments.

Coordinators and admins only: DBS status decides who may be sent to a shielding resident's door.
Every change is a POST with CSRF, logged in the access log, then post/redirect/get. The phone
number is masked; "Show number" (a POST, logged) shows it in full for that one view.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.domain.enums import ApprovalStatus
from app.domain.phone import format_for_display, mask_phone
from app.domain.volunteer_signup import availability_text, describe_availability
from app.models.base import utcnow
from app.models.volunteer import Volunteer
from app.services.volunteers import absences, admin
from app.services.volunteers.approval import approval_sms
from app.services.volunteers.eligibility import withdraw_ineligible_offers
from app.services.volunteers.join import QUESTIONS as JOIN_QUESTIONS
from app.services.volunteers.register import VolunteerInvalid, update_volunteer
from app.web.console.access import log_access
from app.web.console.blueprint import bp
from app.web.console.forms import DbsForm, EmptyForm, VolunteerEditForm, VolunteerSearchForm
from app.web.console.volunteer_forms import AbsenceForm
from app.web.session import commit_then_enqueue, db_session


def _volunteer_or_404(volunteer_id: int) -> Volunteer:
    # Flask's int converter takes any size; the database does not (SQLite: 64 bits).
    volunteer = db_session().get(Volunteer, volunteer_id) if volunteer_id < 2**31 else None
    if volunteer is None:
        abort(404)
    return volunteer


@bp.get("/volunteers")
def volunteers() -> str:
    form = VolunteerSearchForm(meta={"csrf": False})

    form.process(request.args)
    found = admin.search_volunteers(db_session(), form.q.data or "", form.approval.data or "")
    return render_template("console/volunteers.html", form=form, volunteers=found,
                           mask_phone=mask_phone, pounds=admin.pounds)


def _page(volunteer: Volunteer, dbs_form: DbsForm | None = None, status: int = 200,
          absence_form: AbsenceForm | None = None, phone_shown: bool = False):
    if dbs_form is None:  # not the form posted: show the stored values (also after a POST)
        dbs_form = DbsForm(prefix="dbs", obj=volunteer, formdata=None)
        if volunteer.dbs_cost_pence is not None:
            dbs_form.dbs_cost.data = Decimal(volunteer.dbs_cost_pence) / 100
    now = utcnow()
    return render_template(
        "console/volunteer.html", volunteer=volunteer, dbs_form=dbs_form,
        assignments=admin.assignments(db_session(), volunteer), mask_phone=mask_phone,
        pounds=admin.pounds, button_form=EmptyForm(),
        away_until=admin.away_until_words(volunteer, now),
        hours=describe_availability(volunteer.availability),
        absences=absences.upcoming(db_session(), volunteer, now),
        describe_absence=absences.describe,
        absence_form=absence_form or AbsenceForm(prefix="absence", formdata=None),
        reveal_form=EmptyForm(prefix="reveal"), phone_shown=phone_shown,
        format_phone=format_for_display,
        join_question=JOIN_QUESTIONS.get(volunteer.join_step or ""),
    ), status


@bp.get("/volunteers/<int:volunteer_id>")
def volunteer(volunteer_id: int):
    found = _volunteer_or_404(volunteer_id)
    log_access("view_volunteer", target=f"volunteer:{found.id}")
    db_session().commit()
    return _page(found)


def _change(volunteer_id: int, action: str, change: Callable[[Volunteer], str],
            also_send: list[int] | None = None) -> Response:
    """Apply `change`, log it, withdraw offers it made ineligible; `also_send` is filled by
    `change` with outbox ids (the approval SMS) enqueued after the commit."""
    found = _volunteer_or_404(volunteer_id)
    try:
        summary = change(found)
    except admin.VolunteerAdminError as exc:
        db_session().rollback()
        flash(str(exc), "error")
        return redirect(url_for("console.volunteer", volunteer_id=volunteer_id))
    log_access(action, target=f"volunteer:{found.id}")
    withdrawn = withdraw_ineligible_offers(db_session(), found, utcnow(),
                                           action.removeprefix("volunteer_"))
    commit_then_enqueue(db_session(), [*(also_send or []), *withdrawn.message_ids])
    if withdrawn.message_ids:
        summary += " Their open offers were withdrawn."
    flash(summary, "success")
    return redirect(url_for("console.volunteer", volunteer_id=volunteer_id))


@bp.post("/volunteers/<int:volunteer_id>/reveal-phone")
def reveal_volunteer_phone(volunteer_id: int):
    """The full number, for this one view, with an access-log row saying who saw it."""
    found = _volunteer_or_404(volunteer_id)
    form = EmptyForm(prefix="reveal")
    if not form.validate_on_submit():
        abort(400)
    log_access("reveal_volunteer_phone", target=f"volunteer:{found.id}")
    db_session().commit()
    return _page(found, phone_shown=True)


@bp.post("/volunteers/<int:volunteer_id>/absences")
def add_volunteer_absence(volunteer_id: int):
    """Record a dated absence; one that covers today withdraws their open offers."""
    found = _volunteer_or_404(volunteer_id)
    form = AbsenceForm(prefix="absence")
    if not form.validate_on_submit():
        return _page(found, absence_form=form, status=400)
    session = db_session()
    try:
        absence = absences.add_absence(session, found, form.starts_on.data, form.ends_on.data,
                                       form.note.data, utcnow(), user_id=current_user.id)
    except absences.AbsenceInvalid as exc:
        session.rollback()
        form.starts_on.errors = [str(exc)]
        return _page(found, absence_form=form, status=400)
    log_access("volunteer_absence_add", target=f"volunteer:{found.id}",
               detail={"from": absence.starts_on.isoformat(), "to": absence.ends_on.isoformat()})
    withdrawn = withdraw_ineligible_offers(session, found, utcnow(), "absent")
    commit_then_enqueue(session, withdrawn.message_ids)
    summary = f"{found.name}: away {absences.describe(absence)}; no offers on those days."
    if withdrawn.message_ids:
        summary += " Their open offers were withdrawn."
    flash(summary, "success")
    return redirect(url_for("console.volunteer", volunteer_id=found.id) + "#absences")


@bp.post("/volunteers/<int:volunteer_id>/absences/<int:absence_id>/remove")
def remove_volunteer_absence(volunteer_id: int, absence_id: int) -> Response:
    found = _volunteer_or_404(volunteer_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    session = db_session()
    removed = absences.remove_absence(session, found, absence_id, utcnow())
    if removed is None:
        flash("That absence was already removed.", "success")
        return redirect(url_for("console.volunteer", volunteer_id=found.id) + "#absences")
    log_access("volunteer_absence_remove", target=f"volunteer:{found.id}",
               detail={"from": removed.starts_on.isoformat(), "to": removed.ends_on.isoformat()})
    session.commit()
    flash(f"{found.name}: absence {absences.describe(removed)} removed.", "success")
    return redirect(url_for("console.volunteer", volunteer_id=found.id) + "#absences")


@bp.post("/volunteers/<int:volunteer_id>/approve")
def approve(volunteer_id: int) -> Response:
    sms: list[int] = []

    def approve_and_tell(found: Volunteer) -> str:
        was_approved = found.approval_status == ApprovalStatus.APPROVED
        summary = admin.set_approval(found, ApprovalStatus.APPROVED, utcnow())
        if not was_approved:
            sms.extend(approval_sms(db_session(), found, utcnow()))
            summary += " They have been sent an SMS to say so."
        return summary

    return _change(volunteer_id, "volunteer_approve", approve_and_tell, sms)


@bp.post("/volunteers/<int:volunteer_id>/reject")
def reject(volunteer_id: int) -> Response:
    return _change(volunteer_id, "volunteer_reject",
                   lambda v: admin.set_approval(v, "rejected", utcnow()))


@bp.post("/volunteers/<int:volunteer_id>/pause")
def pause(volunteer_id: int) -> Response:
    return _change(volunteer_id, "volunteer_pause", lambda v: admin.set_active(v, False, utcnow()))


@bp.post("/volunteers/<int:volunteer_id>/resume")
def resume(volunteer_id: int) -> Response:
    return _change(volunteer_id, "volunteer_resume", lambda v: admin.set_active(v, True, utcnow()))


@bp.post("/volunteers/<int:volunteer_id>/dbs")
def dbs(volunteer_id: int):
    found = _volunteer_or_404(volunteer_id)
    form = DbsForm(prefix="dbs")
    if not form.validate_on_submit():
        return _page(found, form, 400)
    return _change(volunteer_id, "volunteer_dbs", lambda v: admin.update_dbs(
        v, form.dbs_status.data, form.dbs_expires_on.data, form.dbs_cost.data, utcnow()))


#: The fields the console's edit form changes (the rest have their own controls on the page).
EDITABLE = ("name", "phone", "postcode", "needs", "max_distance_km", "availability")


@bp.route("/volunteers/<int:volunteer_id>/edit", methods=["GET", "POST"])
def edit_volunteer(volunteer_id: int):
    """Edit name, phone, postcode, needs, distance and weekly hours with the API's validation;
    a change that makes the volunteer ineligible for an open offer withdraws it, as pausing
    does."""
    found = _volunteer_or_404(volunteer_id)
    form = VolunteerEditForm(obj=found)
    if not form.is_submitted():
        form.availability.data = availability_text(found.availability)
    if not form.validate_on_submit():
        return render_template("console/volunteer_edit.html", volunteer=found, form=form), (
            400 if form.is_submitted() else 200)
    data = {name: getattr(form, name).data for name in EDITABLE}
    data["availability"] = data["availability"] or ""  # empty: any time
    session = db_session()
    try:
        update_volunteer(session, found, data, utcnow())
    except VolunteerInvalid as exc:
        session.rollback()
        for name, messages in exc.errors.items():
            getattr(form, name).errors = list(messages)
        return render_template("console/volunteer_edit.html", volunteer=found, form=form), 400
    log_access("volunteer_edit", target=f"volunteer:{found.id}", detail={"fields": list(EDITABLE)})
    withdrawn = withdraw_ineligible_offers(session, found, utcnow(), "details changed")
    commit_then_enqueue(session, withdrawn.message_ids)
    flash(f"{found.name}: details saved.", "success")
    return redirect(url_for("console.volunteer", volunteer_id=found.id))
