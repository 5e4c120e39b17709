"""/api/v1/reports: the council's headline figures for other systems (same numbers as /reports).

Coordinators and admins only, as in the console; the bearer token comes first (see auth.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask_smorest import Blueprint, abort
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.services.reports.demand import category_need_summary
from app.services.reports.neighbourhoods import METHOD, neighbourhood_demand
from app.services.reports.tables import Period
from app.web.session import db_session

blp = Blueprint("api_reports", __name__, url_prefix="/api/v1",
                description="Reports: requests for help by category and by neighbourhood.")

F = TypeVar("F", bound=Callable[..., Any])

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


def _period(from_: str, to: str) -> Period:
    """The months asked for; 422 when there are more than MAX_MONTHS of them."""
    period = Period.from_months(from_, to)
    if len(period.months()) > MAX_MONTHS:
        abort(422, errors={"query": {"to": [f"At most {MAX_MONTHS} months at a time."]}})
    return period


def report_route(path: str, schema: type[Schema]) -> Callable[[F], F]:
    """The GET route of one report: month range in, `schema` out, coordinators and admins."""

    def decorator(view: F) -> F:
        for wrap in (blp.alt_response(403, response="DEFAULT_ERROR",
                                      description="The role or the token's scope does not allow "
                                                  "this"),
                     blp.alt_response(401, response="Unauthorized"),
                     blp.response(200, schema),
                     blp.arguments(MonthRangeArgs, location="query", as_kwargs=True),
                     blp.route(path, methods=["GET"])):
            view = wrap(view)
        return view

    return decorator


@report_route("/reports/requests-by-category", RequestsByCategorySchema)
def requests_by_category(from_: str, to: str) -> dict[str, Any]:
    """Requests for help by category of support and need, per month (both months included).

    Cases count in the month they were created (UTC); a missing category or need is
    `not recorded`. The console's /reports shows the same figures.
    """
    period = _period(from_, to)
    body = category_need_summary(db_session(), period)
    body["from_"] = body.pop("from")  # the schema's attribute for the "from" key
    return body


class NeighbourhoodDemandRowSchema(Schema):
    code = fields.String(metadata={"description": "LSOA code, or postcode sector (WR1 2)"})
    name = fields.String()
    district = fields.String(allow_none=True)
    rank = fields.Integer()
    residents = fields.Integer(allow_none=True)
    # Figures from counts of 1 to 4 are published as the string "<5".
    requests = fields.Raw(metadata={"description": "count, or \"<5\""})
    requests_per_1000_a_month = fields.Raw(allow_none=True)
    safeguarding_percent = fields.Raw(allow_none=True)
    unmet_percent = fields.Raw(allow_none=True)
    repeat_percent = fields.Raw(allow_none=True)
    volunteers = fields.Raw()
    volunteers_per_1000 = fields.Raw(allow_none=True)
    score = fields.Float(allow_none=True)


class NeighbourhoodDemandSchema(Schema):
    from_ = fields.String(data_key="from")
    to = fields.String()
    method = fields.String()
    neighbourhoods = fields.List(fields.Nested(NeighbourhoodDemandRowSchema))


@report_route("/reports/neighbourhood-demand", NeighbourhoodDemandSchema)
def neighbourhood_demand_report(from_: str, to: str) -> dict[str, Any]:
    """The demand index per neighbourhood, ranked by relative score (both months included).

    The same figures as the console's "Demand by neighbourhood"; small numbers are "<5".
    """
    period = _period(from_, to)
    ranked = neighbourhood_demand(db_session(), period)
    return {"from_": from_, "to": to, "method": METHOD,
            "neighbourhoods": [row.published() for row in ranked]}
