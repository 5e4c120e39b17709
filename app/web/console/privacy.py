"""/privacy: a coordinator answers a subject access request or erases a person, by phone number.

Both are POSTs (the number never goes into a URL or a server log). The export downloads a zip
(JSON and a readable PDF) and is recorded in the access log; erasure needs the box ticked, and
a refusal (an open safeguarding case, Twilio keeping a recording) is shown with its reason.
"""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from redis.exceptions import RedisError
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length

from app.adapters.twilio.recordings import recording_deleter
from app.models.base import utcnow
from app.redis_conn import forget_phone
from app.services.privacy.erasure import ErasureRefused, erase_subject
from app.services.privacy.subject_access import (
    SubjectError,
    build_zip,
    collect,
    e164_or_error,
    record_export,
)
from app.web.console.access import client_ip
from app.web.console.blueprint import bp
from app.web.session import db_session, runtime


class SubjectForm(FlaskForm):
    phone = StringField("Phone number", validators=[DataRequired(), Length(max=64)])


class ErasureForm(SubjectForm):
    confirm = BooleanField("I have checked this request and no exemption applies",
                           validators=[DataRequired("Tick the box to confirm the erasure.")])


def _page(export_form: SubjectForm | None = None, erase_form: ErasureForm | None = None,
          status: int = 200):
    return render_template("console/privacy.html", export_form=export_form or SubjectForm(
        prefix="export"), erase_form=erase_form or ErasureForm(prefix="erase")), status


def _number(form: SubjectForm) -> str | None:
    """The E.164 number a valid submission names, or None (the form then carries the error)."""
    if not form.validate_on_submit():
        return None
    try:
        return e164_or_error(form.phone.data or "", runtime().settings.default_region)
    except SubjectError as exc:
        form.phone.errors = [str(exc)]
        return None


@bp.get("/privacy")
def privacy():
    return _page()


@bp.post("/privacy/export")
def privacy_export():
    form = SubjectForm(prefix="export")
    if (number := _number(form)) is None:
        return _page(export_form=form, status=400)
    session = db_session()
    access = collect(session, number, utcnow(), runtime().settings.fallback_journal_dir)
    data = build_zip(access)
    record_export(session, access, user_id=current_user.id, ip_address=client_ip())
    session.commit()
    stamp = f"{access.produced_at:%Y%m%d-%H%M}"
    return Response(data, mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="subject-access-{stamp}.zip"',
        "Cache-Control": "no-store"})


@bp.post("/privacy/erase")
def privacy_erase():
    form = ErasureForm(prefix="erase")
    if (number := _number(form)) is None:
        return _page(erase_form=form, status=400)
    rt, session = runtime(), db_session()
    settings = rt.settings
    try:
        result = erase_subject(
            session, number, utcnow(), journal_dir=settings.fallback_journal_dir,
            delete_recording=recording_deleter(settings),
            user_id=current_user.id, ip_address=client_ip())
    except ErasureRefused as exc:
        session.rollback()
        form.phone.errors = [f"Not erased: {exc}."]
        return _page(erase_form=form, status=409)
    session.commit()
    flash(result.line().capitalize() + ".", "success")
    try:
        forget_phone(rt.redis, number)
    except RedisError:
        flash("Redis could not be checked for the number: erase it again when Redis is back.",
              "error")
    return redirect(url_for("console.privacy"))
