"""/community-grants: the public expression-of-interest form for community groups (no sign-in).

Rate limited per IP, CSRF-protected, with a honeypot for bots, like the volunteer sign-up. The
group gets an SMS acknowledgement (through the outbox) when it gives a mobile number, and the
reference on the thank-you page either way.
"""

from __future__ import annotations

import re

from flask import make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.domain.grants import GrantRefused, parse_money
from app.models.base import utcnow
from app.services.grants.applications import InterestInput, submit_interest
from app.services.grants.pots import open_pots
from app.web.console.blueprint import bp
from app.web.console.extensions import limiter
from app.web.console.grant_forms import InterestForm
from app.web.console.grants import pot_choices
from app.web.console.languages import language_choice
from app.web.session import commit_then_enqueue, db_session

_REFERENCE = re.compile(r"^G-[34679ACDEFGHJKMNPQRTVWXY]{6}$")


#: Counted only for applications that went through, so a typing mistake costs nothing.
APPLY_LIMIT = "10 per hour;3 per minute"
TOO_MANY = ("Too many applications have come from this connection just now. Everything you "
            "typed is still here: wait a few minutes, then press the button again.")


def _keep_what_was_typed() -> Response:
    """The limiter's answer on a breach: the form as the person left it, not an error page."""
    session = db_session()
    form = InterestForm()  # bound to what was posted
    pots = open_pots(session, utcnow().date())
    form.pot_id.choices = pot_choices(pots)
    return make_response(render_template("grants/apply.html", form=form, pots=pots, error=None,
                                          limit_error=TOO_MANY,
                                          languages=language_choice(request.args.get("lang"))),
                         429)


@bp.route("/community-grants", methods=["GET", "POST"])
@limiter.limit(APPLY_LIMIT, methods=["POST"],
               deduct_when=lambda response: response.status_code == 302,  # went through
               on_breach=lambda _limit: _keep_what_was_typed())
def community_grants() -> str | Response | tuple[str, int]:
    session = db_session()
    pots = open_pots(session, utcnow().date())
    form = InterestForm()
    form.pot_id.choices = pot_choices(pots)
    error = None
    if pots and form.validate_on_submit():
        if form.website.data:  # a bot filled the hidden field: pretend all is well
            return redirect(url_for("console.community_grants_done"))
        try:
            submitted = submit_interest(session, InterestInput(
                pot_id=form.pot_id.data, organisation_name=form.organisation_name.data or "",
                organisation_type=form.organisation_type.data or "",
                contact_name=form.contact_name.data or "",
                contact_phone=form.contact_phone.data or None,
                contact_email=form.contact_email.data or None,
                postcode=form.postcode.data or None, purpose=form.purpose.data or "",
                amount_pence=parse_money(form.amount.data)), utcnow())
        except GrantRefused as exc:
            session.rollback()
            error = str(exc)
        else:
            commit_then_enqueue(session, message_ids=submitted.message_ids)
            return redirect(url_for("console.community_grants_done",
                                    ref=submitted.application.reference))
    status = 400 if (request.method == "POST" and (form.errors or error)) else 200
    return render_template("grants/apply.html", form=form, pots=pots, error=error,
                           languages=language_choice(request.args.get("lang"))), status


@bp.get("/community-grants/thank-you")
def community_grants_done() -> str:
    reference = request.args.get("ref", "")
    return render_template("grants/apply_done.html",
                           reference=reference if _REFERENCE.match(reference) else None)
