"""/volunteer-signup: the public, accessible page for recruitment drives (no sign-in).

It feeds the coordinators' approval queue (approval_status pending, source signup_page). It is
rate limited per address, counting only sign-ups that went through (a typing mistake costs
nothing), and when the limit is reached the form comes back with everything typed still in it.
It is CSRF-protected like every form, has a honeypot field for bots, and answers the same
thank-you whether or not the number was already registered (no enumeration).
"""

from __future__ import annotations

from flask import Response, make_response, redirect, render_template, request, url_for

from app.models.base import utcnow
from app.services.volunteers.admin import SignupInput, VolunteerAdminError, create_signup
from app.web.console.access import log_access
from app.web.console.blueprint import bp
from app.web.console.extensions import limiter
from app.web.console.forms import SignupForm
from app.web.console.languages import LanguageChoice, language_choice
from app.web.session import db_session

SIGNUP_LIMIT = "10 per hour;3 per minute"
TOO_MANY = ("Too many sign-ups have come from this connection just now. Everything you typed "
            "is still here: wait a few minutes, then press the button again.")


def _keep_what_was_typed() -> Response:
    """The limiter's answer on a breach: the form as the person left it, not an error page."""
    form = SignupForm()  # bound to what was posted
    return make_response(render_template("console/signup.html", form=form,
                                         limit_error=TOO_MANY, languages=_languages()), 429)


@bp.route("/volunteer-signup", methods=["GET", "POST"])
@limiter.limit(SIGNUP_LIMIT, methods=["POST"],
               deduct_when=lambda response: response.status_code == 302,  # went through
               on_breach=lambda _limit: _keep_what_was_typed())
def volunteer_signup():
    form = SignupForm()
    if form.validate_on_submit():
        if form.website.data:  # a bot filled the hidden field: pretend all is well
            return redirect(url_for("console.volunteer_signup_done"))
        session = db_session()
        try:
            volunteer = create_signup(session, SignupInput(
                name=form.name.data or "", phone=form.phone.data or "", email=form.email.data,
                postcode=form.postcode.data or "", needs=list(form.needs.data or []),
                max_distance_km=form.max_distance_km.data or 5), utcnow())
        except VolunteerAdminError as exc:
            field = form.postcode if exc.field == "postcode" else form.phone
            field.errors = [*field.errors, str(exc)]
        else:
            if volunteer is not None:
                log_access("volunteer_signup", target=f"volunteer:{volunteer.id}")
            session.commit()
            return redirect(url_for("console.volunteer_signup_done"))
    status = 400 if form.errors else 200
    return render_template("console/signup.html", form=form, languages=_languages()), status


def _languages() -> LanguageChoice:
    return language_choice(request.args.get("lang"))


@bp.get("/volunteer-signup/thank-you")
def volunteer_signup_done() -> str:
    return render_template("console/signup_done.html")
