"""/grants: funding pots and groups' applications, for coordinators and admins to work on.

Call handlers may read the pots and applications (a group that rings the help line asks where
its application stands) but change nothing; partners never see them. Every change is logged in
the access log with the application's reference.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.domain.grants import (
    CHECKLIST,
    CHECKLIST_LABELS,
    ORGANISATION_TYPE_LABELS,
    STATUS_LABELS,
    GrantRefused,
    parse_money,
    pounds,
)
from app.models.base import utcnow
from app.models.grant import FundingPot, GrantApplication
from app.models.staff import StaffUser
from app.services.grants.applications import (
    add_to_directory,
    confirm_check,
    decide,
    paid_pence,
    record_payment,
)
from app.services.grants.pots import (
    PotInput,
    budget_left_pence,
    create_pot,
    pot_summaries,
    update_pot,
)
from app.web.console.access import log_access, may
from app.web.console.blueprint import bp
from app.web.console.grant_forms import CheckForm, DecisionForm, PaymentForm, PotForm
from app.web.session import db_session

STATUS_FILTERS = tuple(STATUS_LABELS)


def _can_edit() -> bool:
    """Call handlers read grants; the role matrix says who may change them."""
    return may("console.grants_decision")


@bp.get("/grants")
def grants() -> str:
    session = db_session()
    status = request.args.get("status", "")
    stmt = select(GrantApplication).order_by(GrantApplication.created_at.desc()).limit(500)
    if status in STATUS_FILTERS:
        stmt = stmt.where(GrantApplication.status == status)
    applications = session.scalars(stmt).all()
    return render_template(
        "grants/index.html", pots=pot_summaries(session, utcnow().date()),
        applications=applications, status=status, statuses=STATUS_LABELS, pounds=pounds,
        types=ORGANISATION_TYPE_LABELS, can_edit=_can_edit())


@bp.route("/grants/pots/new", methods=["GET", "POST"])
def grants_new_pot() -> str | Response | tuple[str, int]:
    return _pot_page(None)


@bp.route("/grants/pots/<int:pot_id>/edit", methods=["GET", "POST"])
def grants_edit_pot(pot_id: int) -> str | Response | tuple[str, int]:
    pot = db_session().get(FundingPot, pot_id)
    if pot is None:
        abort(404)
    return _pot_page(pot)


def _pot_page(pot: FundingPot | None) -> Response | tuple[str, int]:
    form = PotForm()
    if pot is not None and request.method == "GET":
        form = PotForm(formdata=None, name=pot.name, description=pot.description,
                       budget=f"{pot.budget_pence / 100:.2f}",
                       min_award=f"{pot.min_award_pence / 100:.2f}",
                       max_award=f"{pot.max_award_pence / 100:.2f}", opens_on=pot.opens_on,
                       closes_on=pot.closes_on)
    error = None
    if form.validate_on_submit():
        session = db_session()
        data = PotInput(
            name=form.name.data or "", description=form.description.data or "",
            budget_pence=parse_money(form.budget.data),
            min_award_pence=parse_money(form.min_award.data),
            max_award_pence=parse_money(form.max_award.data),
            opens_on=form.opens_on.data, closes_on=form.closes_on.data)
        try:
            saved = create_pot(session, data) if pot is None else update_pot(session, pot, data)
        except GrantRefused as exc:
            session.rollback()
            error = str(exc)
        else:
            log_access("grant_pot_created" if pot is None else "grant_pot_changed",
                       target=f"pot:{saved.id}")
            session.commit()
            flash(f"Funding pot “{saved.name}” saved.", "success")
            return redirect(url_for("console.grants"))
    status = 400 if form.errors or error else 200
    return render_template("grants/pot_form.html", form=form, error=error, pot=pot), status


def _application(reference: str) -> GrantApplication:
    application = db_session().scalar(
        select(GrantApplication).where(GrantApplication.reference == reference[:12]))
    if application is None:
        abort(404)
    return application


def _page(application: GrantApplication, *, check_form: CheckForm | None = None,
          decision_form: DecisionForm | None = None, payment_form: PaymentForm | None = None,
          error: str | None = None, status: int = 200) -> tuple[str, int]:
    session = db_session()
    staff_ids = {c.checked_by_user_id for c in application.checks} | {
        p.recorded_by_user_id for p in application.payments}
    if application.decided_by_user_id:
        staff_ids.add(application.decided_by_user_id)
    names = dict(session.execute(select(StaffUser.id, StaffUser.name)
                                 .where(StaffUser.id.in_(sorted(staff_ids)))).tuples().all())
    done = {c.item: c for c in application.checks}
    return render_template(
        "grants/application.html", application=application, pot=application.pot,
        budget_left=budget_left_pence(session, application.pot),
        paid=paid_pence(session, application), pounds=pounds, names=names, done=done,
        checklist=CHECKLIST, labels=CHECKLIST_LABELS, types=ORGANISATION_TYPE_LABELS,
        statuses=STATUS_LABELS, can_edit=_can_edit(), error=error,
        check_form=check_form or CheckForm(formdata=None),
        decision_form=decision_form or DecisionForm(formdata=None),
        payment_form=payment_form or PaymentForm(formdata=None)), status


@bp.get("/grants/applications/<reference>")
def grants_application(reference: str) -> tuple[str, int]:
    application = _application(reference)
    log_access("view_grant_application", target=application.reference)
    db_session().commit()
    return _page(application)


def _done(application: GrantApplication, action: str, message: str) -> Response:
    log_access(action, target=application.reference)
    db_session().commit()
    flash(message, "success")
    return redirect(url_for("console.grants_application", reference=application.reference))


@bp.post("/grants/applications/<reference>/checks")
def grants_check(reference: str) -> Response | tuple[str, int]:
    application = _application(reference)
    form = CheckForm()
    if not form.validate_on_submit():
        return _page(application, check_form=form, status=400)
    try:
        confirm_check(db_session(), application, form.item.data or "", current_user.id,
                      utcnow(), form.note.data)
    except GrantRefused as exc:
        return _page(application, check_form=form, error=str(exc), status=400)
    return _done(application, "grant_check", f"Recorded: {CHECKLIST_LABELS[form.item.data]}.")


@bp.post("/grants/applications/<reference>/decision")
def grants_decision(reference: str) -> Response | tuple[str, int]:
    application = _application(reference)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _page(application, decision_form=form, status=400)
    award = form.decision.data == "award"
    try:
        decide(db_session(), application, award=award,
               amount_pence=parse_money(form.amount.data) if award and form.amount.data
               else None, reason=form.reason.data or "", staff_id=current_user.id,
               now=utcnow())
    except GrantRefused as exc:
        db_session().rollback()
        return _page(_application(reference), decision_form=form, error=str(exc), status=400)
    return _done(application, "grant_decision",
                 f"Awarded {pounds(application.awarded_pence)}." if award else "Declined.")


@bp.post("/grants/applications/<reference>/payments")
def grants_payment(reference: str) -> Response | tuple[str, int]:
    application = _application(reference)
    form = PaymentForm()
    if not form.validate_on_submit():
        return _page(application, payment_form=form, status=400)
    try:
        payment = record_payment(db_session(), application,
                                 amount_pence=parse_money(form.amount.data),
                                 paid_on=form.paid_on.data, reference=form.reference.data,
                                 staff_id=current_user.id, now=utcnow())
    except GrantRefused as exc:
        db_session().rollback()
        return _page(_application(reference), payment_form=form, error=str(exc), status=400)
    return _done(application, "grant_payment", f"Payment of {pounds(payment.amount_pence)} "
                                               "recorded.")


@bp.post("/grants/applications/<reference>/directory")
def grants_to_directory(reference: str) -> Response | tuple[str, int]:
    application = _application(reference)
    try:
        add_to_directory(db_session(), application)
    except GrantRefused as exc:
        return _page(application, error=str(exc), status=400)
    return _done(application, "grant_to_directory",
                 f"{application.organisation_name} added to the directory: complete its entry "
                 "there.")


def pot_choices(pots: list[FundingPot]) -> list[tuple[int, str]]:
    return [(p.id, f"{p.name} ({pounds(p.min_award_pence)} to {pounds(p.max_award_pence)}, "
                   f"closes {p.closes_on.day} {p.closes_on:%B %Y})") for p in pots]
