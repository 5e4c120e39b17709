"""/directory: search the Community Services Directory; coordinators add and edit entries.

Everyone signed in (partners too) may search and download the PDF: signposting is everyone's
job. Only coordinators and admins change entries, because a wrong phone number sends a
resident nowhere. Entries not checked for DIRECTORY_REVIEW_MONTHS are flagged.
"""

from __future__ import annotations

import json

from flask import Response, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from app.domain.postcode import normalise_postcode
from app.models.base import utcnow
from app.models.directory import DirectoryService
from app.services.directory import entries as svc
from app.services.directory.feeds import feed_health
from app.services.directory.hsds_export import export_document, validate_services
from app.services.directory.pdf import build_directory_pdf
from app.services.geo.postcodes import locate
from app.web.console.access import log_access, may
from app.web.console.blueprint import bp
from app.web.console.directory_forms import DirectorySearchForm, ServiceForm
from app.web.console.forms import EmptyForm
from app.web.session import db_session, runtime


@bp.get("/directory")
def directory() -> str:
    form = DirectorySearchForm(request.args, meta={"csrf": False})
    today, months = utcnow().date(), runtime().settings.directory_review_months
    origin, problem = None, None
    if form.validate() and form.postcode.data:
        location = locate(form.postcode.data)
        origin = location.point if location else None
        if origin is None:
            problem = "We could not find that postcode, so distances are not shown."
    hits = svc.search_services(
        db_session(), need=form.need.data or None, district=(form.district.data or "").strip()
        or None, origin=origin, today=today, review_months=months,
        within_km=float(form.within_km.data) if form.within_km.data and origin else None)
    return render_template("directory/index.html", form=form, hits=hits, problem=problem,
                           months=months, can_edit=_can_edit(), button_form=EmptyForm(),
                           feeds=feed_health(db_session()))


def _can_edit() -> bool:
    return may("console.directory_new")


def _input(form: ServiceForm) -> svc.ServiceInput:
    location = locate(form.postcode.data)
    return svc.ServiceInput(
        organisation_name=form.organisation_name.data.strip(), name=form.name.data.strip(),
        description=(form.description.data or "").strip(), needs=tuple(form.needs.data or ()),
        districts=tuple(d.strip() for d in (form.districts.data or "").split(",") if d.strip()),
        phone=form.phone.data or None, email=form.email.data or None,
        website=form.website.data or None, opening_hours=form.opening_hours.data or None,
        eligibility=form.eligibility.data or None, is_statutory=bool(form.is_statutory.data),
        status=form.status.data, address_1=form.address_1.data or None,
        city=form.city.data or None,
        postcode=(normalise_postcode(form.postcode.data) or form.postcode.data or None),
        district=location.district_name if location else None,
        latitude=location.latitude if location else None,
        longitude=location.longitude if location else None,
        last_reviewed_on=form.last_reviewed_on.data)


def _save(form: ServiceForm, service: DirectoryService | None) -> BaseResponse | None:
    try:
        data = _input(form)
        saved = (svc.update_service(db_session(), service.id, data) if service
                 else svc.create_service(db_session(), data))
    except svc.DirectoryError as exc:
        db_session().rollback()
        form.name.errors = [*form.name.errors, str(exc)]
        return None
    log_access("edit_directory" if service else "add_directory", target=f"service:{saved.id}")
    db_session().commit()
    flash(f"Saved “{saved.name}”.", "success")
    return redirect(url_for("console.directory"))


@bp.route("/directory/new", methods=["GET", "POST"])
def directory_new():
    form = ServiceForm()
    if form.validate_on_submit() and (done := _save(form, None)):
        return done
    return render_template("directory/form.html", form=form, service=None), (
        400 if form.errors else 200)


@bp.route("/directory/<int:service_id>/edit", methods=["GET", "POST"])
def directory_edit(service_id: int):
    service = svc.get_service(db_session(), service_id) or abort(404)
    form = ServiceForm(obj=service)
    if request.method == "GET":
        form.organisation_name.data = service.organisation.name
        form.districts.data = ", ".join(service.districts or [])
        loc = service.locations[0] if service.locations else None
        for name in ("address_1", "city", "postcode"):
            getattr(form, name).data = getattr(loc, name) if loc else None
    if form.validate_on_submit() and (done := _save(form, service)):
        return done
    return render_template("directory/form.html", form=form, service=service), (
        400 if form.errors else 200)


@bp.post("/directory/<int:service_id>/reviewed")
def directory_reviewed(service_id: int) -> BaseResponse:
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        svc.mark_reviewed(db_session(), service_id, utcnow().date())
    except svc.DirectoryError:
        abort(404)
    log_access("review_directory", target=f"service:{service_id}")
    db_session().commit()
    flash("Marked as checked today.", "success")
    return redirect(url_for("console.directory"))


@bp.get("/directory.pdf")
def directory_pdf() -> Response:
    today = utcnow().date()
    data = build_directory_pdf(db_session(), today=today,
                               review_months=runtime().settings.directory_review_months)
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="directory-{today.isoformat()}.pdf"'})


@bp.get("/directory/export.json")
def directory_export() -> Response:
    document = export_document(db_session())
    errors = validate_services(document)
    if errors:  # never hand out a file other systems will reject
        abort(500)
    return Response(json.dumps(document, ensure_ascii=False), mimetype="application/json",
                    headers={"Content-Disposition": 'attachment; filename="directory.json"'})
