"""/api/v1/reports: the council's headline figures for other systems (same numbers as /reports).

Coordinators and admins only, as in the console; the bearer token comes first (see auth.py).
"""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint, abort
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.services.reports.demand import category_need_summary
from app.services.reports.tables import Period
from app.web.session import db_session

blp = Blueprint("api_reports", __name__, url_prefix="/api/v1",
                description="Reports: requests for help by category of support.")

MONTH = validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", error="Use a month like 2026-04.")
MAX_MONTHS = 120


class MonthRangeArgs(Schema):
    from_ = fields.String(required=True, data_key="from", validate=MONTH,
                          metadata={"description": "First month, YYYY-MM", "example": "2026-01"})
    to = fields.String(required=True, validate=MONTH,
                       metadata={"description": "Last month (included), YYYY-MM"})

    @validates_schema
    def _order(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data.get("from_", "") > data.get("to", ""):
            raise ValidationError("'from' must not be after 'to'.", "from")


class CategoryCountsSchema(Schema):
    total = fields.Integer()
    needs = fields.Dict(keys=fields.String(), values=fields.Integer())


class MonthCountsSchema(Schema):
    month = fields.String()
    total = fields.Integer()
    categories = fields.Dict(keys=fields.String(), values=fields.Nested(CategoryCountsSchema))


class RequestsByCategorySchema(Schema):
    from_ = fields.String(data_key="from")
    to = fields.String()
    months = fields.List(fields.Nested(MonthCountsSchema))
    totals = fields.Dict()


@blp.route("/reports/requests-by-category", methods=["GET"])
@blp.arguments(MonthRangeArgs, location="query", as_kwargs=True)
@blp.response(200, RequestsByCategorySchema)
@blp.alt_response(401, response="Unauthorized")
@blp.alt_response(403, response="DEFAULT_ERROR",
                  description="The role or the token's scope does not allow this")
def requests_by_category(from_: str, to: str) -> dict[str, Any]:
    """Requests for help by category of support and need, per month (both months included).

    Cases count in the month they were created (UTC); a missing category or need is
    `not recorded`. The console's /reports shows the same figures.
    """
    period = Period.from_months(from_, to)
    if len(period.months()) > MAX_MONTHS:
        abort(422, errors={"query": {"to": [f"At most {MAX_MONTHS} months at a time."]}})
    body = category_need_summary(db_session(), period)
    body["from_"] = body.pop("from")  # the schema's attribute for the "from" key
    return body
