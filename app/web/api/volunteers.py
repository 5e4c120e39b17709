"""/api/v1/volunteers: create, list, read and update the volunteer register.

Coordinators and admins only, as in the console (the role matrix): who is approved, their DBS
status and their phone decide who is sent to a resident's door. Every read and every change
writes an access-log row naming the volunteers.

Shapes are checked by the schemas below (422 for a wrong type); the register's rules (phone,
postcode, needs, DBS status, distance, organisation contact and capacity) live in
app.services.volunteers.register and come back as the same 422 body:
{"errors": {"json": {field: [..]}}}.
"""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from app.domain.enums import ApprovalStatus, DbsStatus, Need, VolunteerKind
from app.models.base import utcnow
from app.models.volunteer import Volunteer
from app.services.staff.accounts import record_access
from app.services.volunteers.approval import approval_sms, not_matchable_message
from app.services.volunteers.eligibility import withdraw_ineligible_offers
from app.services.volunteers.register import VolunteerInvalid, create_volunteer, update_volunteer
from app.web.api.auth import api_user, client_ip
from app.web.api.schemas import MAX_DB_ID, NEED_PATTERN, Text
from app.web.session import commit_then_enqueue, db_session

blp = Blueprint("api_volunteers", __name__, url_prefix="/api/v1",
                description="The volunteer register (people and organisations).")
PAGE_MAX = 200


def _values(enum: Any) -> list[str]:
    return [e.value for e in enum]


class VolunteerSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"enum": _values(VolunteerKind)})
    name = fields.String()
    contact_name = fields.String(allow_none=True)
    phone = fields.String(metadata={"description": "E.164"})
    email = fields.String(allow_none=True)
    postcode = fields.String(allow_none=True)
    district = fields.String(allow_none=True)
    needs = fields.List(fields.String())
    max_distance_km = fields.Float()
    dbs_status = fields.String(metadata={"enum": _values(DbsStatus)})
    dbs_expires_on = fields.Date(allow_none=True)
    dbs_checked_on = fields.Date(allow_none=True)
    active = fields.Boolean()
    approval_status = fields.String(metadata={"enum": _values(ApprovalStatus)})
    availability = fields.Dict()
    max_open_assignments = fields.Integer()
    capacity = fields.Integer(allow_none=True)
    opted_out = fields.Boolean()
    source = fields.String()
    is_demo = fields.Boolean()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class VolunteerInputSchema(Schema):
    name = Text(max_length=200, metadata={"example": "Sam Patel"})
    phone = fields.String(validate=validate.Length(max=40), metadata={"example": "07700 900123"})
    email = Text(max_length=254, allow_none=True)
    postcode = fields.String(validate=validate.Length(max=12), metadata={"example": "WR1 2NN"})
    needs = fields.List(fields.String(validate=validate.Regexp(NEED_PATTERN)), metadata={
        "description": "some of " + ", ".join(_values(Need))})
    max_distance_km = fields.Float(metadata={"description": "more than 0, at most 50"})
    dbs_status = fields.String(metadata={"enum": _values(DbsStatus)})
    dbs_expires_on = fields.Date(allow_none=True)
    dbs_checked_on = fields.Date(allow_none=True)
    kind = fields.String(metadata={"enum": _values(VolunteerKind)})
    contact_name = Text(max_length=200, allow_none=True,
                        metadata={"description": "required for an organisation"})
    capacity = fields.Integer(allow_none=True,
                              metadata={"description": "required for an organisation"})
    active = fields.Boolean()
    approval_status = fields.String(metadata={"enum": _values(ApprovalStatus)})
    availability = fields.Dict(metadata={"example": {"mon": [["09:00", "12:00"]]}})
    max_open_assignments = fields.Integer()
    notes = Text(max_length=2000, allow_none=True)


class VolunteerCreateSchema(VolunteerInputSchema):
    """The same fields; these four are required to register someone."""

    name = Text(max_length=200, required=True, metadata={"example": "Sam Patel"})
    phone = fields.String(required=True, validate=validate.Length(max=40),
                          metadata={"example": "07700 900123"})
    postcode = fields.String(required=True, validate=validate.Length(max=12),
                             metadata={"example": "WR1 2NN"})
    needs = fields.List(fields.String(validate=validate.Regexp(NEED_PATTERN)), required=True,
                        metadata={"description": "some of " + ", ".join(_values(Need))})


class VolunteerListArgs(Schema):
    cursor = fields.Integer(validate=validate.Range(min=0, max=MAX_DB_ID))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=PAGE_MAX))
    approval_status = fields.String(validate=validate.OneOf(_values(ApprovalStatus)))
    active = fields.Boolean()
    need = fields.String(validate=validate.Regexp(NEED_PATTERN))


class VolunteerPageSchema(Schema):
    items = fields.List(fields.Nested(VolunteerSchema), required=True)
    next = fields.String(allow_none=True, required=True)


def _log(action: str, volunteers: list[Volunteer], changed: list[str] | None = None) -> None:
    """An access-log row naming the volunteers read or changed (and the fields changed)."""
    detail: dict[str, Any] = {"volunteer_ids": [v.id for v in volunteers]}
    if changed is not None:
        detail["fields"] = sorted(changed)
    target = f"volunteer:{volunteers[0].id}" if len(volunteers) == 1 else \
        f"{len(volunteers)} volunteers"
    record_access(db_session(), user_id=api_user().id, action=action, target=target,
                  ip_address=client_ip(), detail=detail, commit=False)


def _invalid(exc: VolunteerInvalid) -> None:
    abort(422, errors={"json": exc.errors}, message="The volunteer has errors.")


@blp.route("/volunteers", methods=["POST"])
@blp.arguments(VolunteerCreateSchema)
@blp.response(201, VolunteerSchema)
@blp.alt_response(401, response="Unauthorized")
@blp.alt_response(403, response="DEFAULT_ERROR",
                  description="The role or the token's scope does not allow this")
def create_view(data: dict[str, Any]) -> Volunteer:
    """Register a volunteer (approved unless `approval_status` says otherwise)."""
    session = db_session()
    try:
        volunteer = create_volunteer(session, data, utcnow(), source="api")
    except VolunteerInvalid as exc:
        session.rollback()
        _invalid(exc)
    session.flush()
    _log("api_volunteer_create", [volunteer], list(data))
    session.commit()
    return volunteer


@blp.route("/volunteers", methods=["GET"])
@blp.arguments(VolunteerListArgs, location="query", as_kwargs=True)
@blp.response(200, VolunteerPageSchema)
@blp.alt_response(401, response="Unauthorized")
@blp.alt_response(403, response="DEFAULT_ERROR",
                  description="The role or the token's scope does not allow this")
def list_view(limit: int = 50, cursor: int | None = None, approval_status: str | None = None,
              active: bool | None = None, need: str | None = None) -> dict[str, Any]:
    """Volunteers in id order; pass `next` back as `cursor` for the next page."""
    query = select(Volunteer).order_by(Volunteer.id)
    if cursor is not None:
        query = query.where(Volunteer.id > cursor)
    if approval_status:
        query = query.where(Volunteer.approval_status == approval_status)
    if active is not None:
        query = query.where(Volunteer.active.is_(active))
    found: list[Volunteer] = []
    for volunteer in db_session().scalars(query.limit(limit * 20 if need else limit + 1)):
        if need is None or need in (volunteer.needs or []):
            found.append(volunteer)
        if len(found) > limit:
            break
    more = len(found) > limit
    items = found[:limit]
    _log("api_list_volunteers", items)
    db_session().commit()
    return {"items": items, "next": str(items[-1].id) if more and items else None}


@blp.route("/volunteers/<int(max=2147483647):volunteer_id>", methods=["GET"])
@blp.response(200, VolunteerSchema)
@blp.alt_response(401, response="Unauthorized")
@blp.alt_response(403, response="DEFAULT_ERROR",
                  description="The role or the token's scope does not allow this")
@blp.alt_response(404, response="DEFAULT_ERROR")
def get_view(volunteer_id: int) -> Volunteer:
    volunteer = db_session().get(Volunteer, volunteer_id)
    if volunteer is None:
        abort(404, message="No volunteer with that id.")
    _log("api_view_volunteer", [volunteer])
    db_session().commit()
    return volunteer


@blp.route("/volunteers/<int(max=2147483647):volunteer_id>", methods=["PATCH"])
@blp.arguments(VolunteerInputSchema)
@blp.response(200, VolunteerSchema)
@blp.alt_response(401, response="Unauthorized")
@blp.alt_response(403, response="DEFAULT_ERROR",
                  description="The role or the token's scope does not allow this")
@blp.alt_response(404, response="DEFAULT_ERROR")
def update_view(data: dict[str, Any], volunteer_id: int) -> Volunteer:
    """Change the fields given; the others keep their values."""
    session = db_session()
    volunteer = session.get(Volunteer, volunteer_id)
    if volunteer is None:
        abort(404, message="No volunteer with that id.")
    now = utcnow()
    approving = data.get("approval_status") == ApprovalStatus.APPROVED \
        and volunteer.approval_status != ApprovalStatus.APPROVED
    try:
        update_volunteer(session, volunteer, data, now)
        refused = not_matchable_message(volunteer) if approving else None
        if refused is not None:  # judged with the other fields of the same PATCH applied
            raise VolunteerInvalid({"approval_status": [refused]})
    except VolunteerInvalid as exc:
        session.rollback()
        _invalid(exc)
    _log("api_volunteer_update", [volunteer], list(data))
    sms = approval_sms(session, volunteer, now) if approving else []
    withdrawn = withdraw_ineligible_offers(session, volunteer, now, "changed by the API")
    commit_then_enqueue(session, [*sms, *withdrawn.message_ids])
    return volunteer
