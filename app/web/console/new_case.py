"""/cases/new: a call handler entering a call by hand (channel staff) or a partner referring
someone (channel web, with their organisation).

Same rules as POST /api/v1/cases (app.services.fields.rules): a phone number or an address (a
phone number must be a possible one), a known category and need, a real postcode or a known
outward code when given, details at most 4,000 characters. One rule more than the API: a
partner's referral made in the console needs the person's consent to share, because the form
is where the partner is asked for it.
The case goes through `app.services.cases.intake.create_case`, so safeguarding words raise it
and, for staff, a second contact from the same number joins the open case. A partner's
referral is always its own case (staff merge it), under the organisation on the partner's
account whatever the form says.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from app.domain.enums import Channel
from app.models.base import utcnow
from app.services.cases.consent import ConsentWording
from app.services.cases.intake import CaseDraft, create_case
from app.web.console.access import log_access
from app.web.console.blueprint import bp
from app.web.console.forms import NewCaseForm
from app.web.session import commit_then_enqueue, db_session, runtime


def _validate_extra(form: NewCaseForm, is_partner: bool) -> bool:
    ok = True
    if not (form.phone.data or "").strip() and not (form.address.data or "").strip():
        form.phone.errors.append("Enter a phone number or an address so we can reach them")
        ok = False
    if is_partner and not form.consent_to_share.data:
        form.consent_to_share.errors.append(
            "Referrals need the person's agreement to share their details: ask them first")
        ok = False
    return ok


@bp.route("/cases/new", methods=["GET", "POST"])
def new_case():
    is_partner = current_user.role == "partner"
    form = NewCaseForm()
    if is_partner and not form.is_submitted():
        form.referrer_organisation.data = current_user.organisation
    if form.validate_on_submit() and _validate_extra(form, is_partner):
        session = db_session()
        draft = CaseDraft(
            channel=Channel.WEB if is_partner else Channel.STAFF,
            category=form.category.data, need=form.need.data,
            details=(form.details.data or "").strip() or None, phone=form.phone.data,
            name=(form.name.data or "").strip() or None,
            address=(form.address.data or "").strip() or None,
            postcode=(form.postcode.data or "").strip() or None, urgency=form.urgency.data,
            consent_to_share=bool(form.consent_to_share.data),
            consent_wording=ConsentWording("console:new-case:consent_to_share",
                                           str(form.consent_to_share.label.text), "en"),
            referrer_organisation=current_user.organisation if is_partner else
            ((form.referrer_organisation.data or "").strip() or None),
            referred_by_user_id=current_user.id if is_partner else None,
            staff_user_id=current_user.id, never_join=is_partner,
        )
        result = create_case(session, draft, settings=runtime().settings, now=utcnow())
        log_access("create_case", case_id=result.case.id, target=result.case.reference)
        commit_then_enqueue(session, result.message_ids, [result.case])
        flash(f"{'Added to the open case' if result.joined else 'Case created'}: "
              f"{result.case.reference}.", "success")
        return redirect(url_for("console.case_page", reference=result.case.reference))
    status = 400 if form.errors else 200
    return render_template("console/new_case.html", form=form, is_partner=is_partner), status
