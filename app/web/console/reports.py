"""/reports: the council's figures for a date range, each with a chart, a table and a CSV.

Coordinators and admins only (the navigation shows it to them): the figures are aggregates,
but the "residents' own words" table can carry fragments of what people said. Call handlers
work from the queue and do not need management figures.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Response, abort, render_template, request
from markupsafe import Markup

from app.models.base import utcnow
from app.services.reports.briefing_pdf import build_briefing_pdf
from app.services.reports.catalogue import build_all, build_report, report_keys
from app.services.reports.files import bar_chart_svg, csv_filename, table_csv
from app.services.reports.tables import Period
from app.web.console.access import log_access
from app.web.console.blueprint import bp
from app.web.session import db_session

MAX_MONTHS = 120


def default_period(today: date) -> Period:
    """The last six whole-or-current months: what a monthly meeting looks at."""
    year, month = today.year, today.month - 5
    if month < 1:
        year, month = year - 1, month + 12
    return Period(date(year, month, 1), today)


def _parse_day(text: str | None) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    if len(text) == 7:  # YYYY-MM: the API's form, accepted here too
        text += "-01"
    return date.fromisoformat(text)


def period_from_args(today: date) -> tuple[Period, str | None]:
    """The period asked for in ?from=&to= (dates or months), or the default and an error."""
    fallback = default_period(today)
    try:
        start = _parse_day(request.args.get("from")) or fallback.start
        end = _parse_day(request.args.get("to")) or fallback.end
        if len(request.args.get("to", "")) == 7:
            end = Period.from_months(request.args["to"], request.args["to"]).end
        period = Period(start, end)
    except ValueError:
        return fallback, "Enter the dates as day, month and year, with the start before the end."
    if len(period.months()) > MAX_MONTHS:
        return fallback, f"Choose a period of at most {MAX_MONTHS // 12} years."
    return period, None


@bp.get("/reports")
def reports() -> str:
    today = utcnow().date()
    period, error = period_from_args(today)
    tables = build_all(db_session(), period, today)
    charts = {t.key: Markup(bar_chart_svg(t)) for t in tables}  # noqa: S704 (escaped inside)
    log_access("view_reports", detail={"from": period.start.isoformat(),
                                       "to": period.end.isoformat()})
    db_session().commit()
    return render_template("reports/index.html", tables=tables, charts=charts, period=period,
                           error=error, briefing_month=period.end.strftime("%Y-%m"))


@bp.get("/reports/<key>.csv")
def report_csv(key: str) -> Response:
    if key not in report_keys():
        abort(404)
    today = utcnow().date()
    period, _error = period_from_args(today)
    table = build_report(db_session(), key, period, today)
    log_access("download_report", target=key)
    db_session().commit()
    name = csv_filename(table, period.start.isoformat(), period.end.isoformat())
    return Response(table_csv(table), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/reports/briefing.pdf")
def briefing_pdf() -> Response:
    today = utcnow().date()
    month = request.args.get("month") or (today.replace(day=1) - timedelta(days=1)).strftime(
        "%Y-%m")
    try:
        period = Period.from_months(month, month)
    except ValueError:
        abort(400)
    data = build_briefing_pdf(db_session(), period, today=today)
    log_access("download_briefing", target=month)
    db_session().commit()
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="members-briefing-{month}.pdf"'})
