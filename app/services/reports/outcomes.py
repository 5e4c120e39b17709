"""Reports on outcomes, timings, volunteers, DBS checks, statutory referrals and costs.

Split from `reports` to keep modules small; `reports.build_report` is the way in.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Float, cast, distinct, func, select
from sqlalchemy.orm import Session

from app.domain.enums import CaseOutcome, DbsStatus
from app.models.case import Case
from app.models.directory import DirectoryService
from app.models.message import Call, Message
from app.models.volunteer import Volunteer
from app.services.reports.tables import Period, Table, month_bucket, month_text, percentile

OUTCOME_LABELS = {CaseOutcome.MATCHED.value: "Matched with a volunteer",
                  CaseOutcome.SIGNPOSTED.value: "Signposted",
                  CaseOutcome.HANDLED_BY_STAFF.value: "Handled by staff",
                  CaseOutcome.UNMET.value: "Unmet",
                  CaseOutcome.WITHDRAWN.value: "Withdrawn by the resident",
                  CaseOutcome.MERGED.value: "Merged into another request"}
DBS_EXPIRING_DAYS = 60
PENNY = Decimal("0.01")
TENTH_PENNY = Decimal("0.0001")
ZERO = Decimal("0.0000")


def outcomes(session: Session, period: Period, today: date) -> Table:
    stmt = (select(Case.outcome, func.count()).where(period.contains(Case.created_at))
            .group_by(Case.outcome))
    counts = {outcome: int(n) for outcome, n in session.execute(stmt)}
    rows = [[label, counts.get(key, 0)] for key, label in OUTCOME_LABELS.items()]
    others = sum(n for k, n in counts.items() if k not in OUTCOME_LABELS)
    rows.append(["No outcome yet", others])
    rows.append(["Total", sum(r[1] for r in rows)])
    return Table("outcomes", "Outcomes of requests", ["Outcome", "Requests"], rows,
                 chart=[(r[0], r[1]) for r in rows[:-1]], chart_label="Requests by outcome",
                 note="The outcome each request has now: staff closing it, a signpost, the "
                 "volunteer's DONE, the resident's CANCEL, or matching giving up after every "
                 "volunteer was asked (unmet, while staff still try). A reopened request has "
                 "no outcome until it ends again.")


def _hours(value: object) -> float | None:
    return None if value is None else round(float(value), 2)  # type: ignore[arg-type]


STEPS = (("first offer", Case.first_offer_at), ("assignment", Case.assigned_at),
         ("completion", Case.completed_at))


def _waits_in_sql(session: Session, period: Period) -> list[list[object]]:
    """PostgreSQL: count, median and p90 per step in one query (percentile_cont)."""
    rows = []
    for label, column in STEPS:
        hours = func.extract("epoch", column - Case.created_at) / 3600
        stmt = select(func.count(column), func.percentile_cont(0.5).within_group(hours),
                      func.percentile_cont(0.9).within_group(hours)).where(
            period.contains(Case.created_at), column.is_not(None))
        n, median, p90 = session.execute(stmt).one()
        rows.append([f"Time to {label}", int(n), _hours(median), _hours(p90)])
    return rows


def _waits_in_python(session: Session, period: Period) -> list[list[object]]:
    """SQLite has no percentile function: fetch the timestamps, interpolate the same way."""
    stmt = select(Case.created_at, *[column for _, column in STEPS]).where(
        period.contains(Case.created_at))
    waits: dict[str, list[float]] = {label: [] for label, _ in STEPS}
    for created, *moments in session.execute(stmt):
        for (label, _), moment in zip(STEPS, moments, strict=True):
            if moment is not None:
                waits[label].append((moment - created).total_seconds() / 3600)
    return [[f"Time to {label}", len(values), _hours(percentile(values, 0.5)),
             _hours(percentile(values, 0.9))] for label, values in waits.items()]


def timings(session: Session, period: Period, today: date) -> Table:
    in_sql = session.get_bind().dialect.name == "postgresql"
    rows = (_waits_in_sql if in_sql else _waits_in_python)(session, period)
    return Table("timings", "Time from request to first offer, assignment and completion",
                 ["Measure", "Cases", "Median (hours)", "90th percentile (hours)"], rows,
                 chart=[(str(r[0]), float(r[2] or 0.0)) for r in rows],
                 chart_label="Median hours", note="Only cases that reached each step count "
                 "towards it. Percentiles interpolate between neighbouring cases.")


def volunteers(session: Session, period: Period, today: date) -> Table:
    month = month_bucket(session, Volunteer.created_at).label("month")
    stmt = (select(month, Volunteer.source, func.count())
            .where(period.contains(Volunteer.created_at)).group_by(month, Volunteer.source))
    signups = {(month_text(m), s or "unknown"): int(n) for m, s, n in session.execute(stmt)}
    sources = sorted({s for _, s in signups})
    active_month = month_bucket(session, Case.assigned_at).label("month")
    active_stmt = (select(active_month, func.count(distinct(Case.assigned_volunteer_id)))
                   .where(period.contains(Case.assigned_at),
                          Case.assigned_volunteer_id.is_not(None))
                   .group_by(active_month))
    active = {month_text(m): int(n) for m, n in session.execute(active_stmt)}
    rows = []
    for m in period.months():
        per_source = [signups.get((m, s), 0) for s in sources]
        rows.append([m, active.get(m, 0), sum(per_source), *per_source])
    return Table("volunteers", "Volunteers active and sign-ups per month by source",
                 ["Month", "Active volunteers", "Sign-ups", *[f"Sign-ups: {s}" for s in sources]],
                 rows, chart=[(r[0], r[2]) for r in rows], chart_label="Sign-ups per month",
                 note="Active: volunteers assigned at least one request in the month.")


def dbs_checks(session: Session, period: Period, today: date) -> Table:
    as_of = min(period.end, today)
    soon = as_of + timedelta(days=DBS_EXPIRING_DAYS)
    stmt = select(Volunteer.dbs_status, Volunteer.dbs_expires_on).where(Volunteer.active.is_(True))
    counts: Counter[str] = Counter()
    for status, expires in session.execute(stmt):
        if status == DbsStatus.PENDING:
            counts["pending"] += 1
        elif status == DbsStatus.EXPIRED or (status == DbsStatus.CLEAR and expires
                                             and expires < as_of):
            counts["expired"] += 1
        elif status == DbsStatus.CLEAR and expires and expires <= soon:
            counts["expiring"] += 1
        elif status == DbsStatus.CLEAR:
            counts["clear"] += 1
    cost_stmt = select(func.count(), func.coalesce(func.sum(Volunteer.dbs_cost_pence), 0)).where(
        Volunteer.dbs_checked_on >= period.start, Volunteer.dbs_checked_on <= period.end)
    checked, pence = session.execute(cost_stmt).one()
    rows = [["Pending", counts["pending"]], ["Cleared", counts["clear"]],
            [f"Clear, expiring within {DBS_EXPIRING_DAYS} days", counts["expiring"]],
            ["Expired", counts["expired"]],
            ["Checks done in the period", int(checked)],
            ["Cost of checks done in the period (£)", f"{Decimal(int(pence)) / 100:.2f}"]]
    return Table("dbs", f"DBS checks of active volunteers on {as_of.isoformat()}",
                 ["DBS", "Volunteers"], rows, chart=[(r[0], r[1]) for r in rows[:4]],
                 chart_label="Volunteers by DBS status")


def statutory_referrals(session: Session, period: Period, today: date) -> Table:
    stmt = (select(DirectoryService.name, func.count(Case.id))
            .join(DirectoryService, Case.directory_service_id == DirectoryService.id)
            .where(period.contains(Case.created_at), DirectoryService.is_statutory.is_(True))
            .group_by(DirectoryService.name))
    rows = sorted(([name, int(n)] for name, n in session.execute(stmt)),
                  key=lambda r: (-r[1], r[0]))
    rows.append(["Total", sum(r[1] for r in rows)])
    return Table("statutory-referrals", "Referrals to statutory services",
                 ["Service", "Requests referred"], rows,
                 chart=[(r[0], r[1]) for r in rows[:-1]], chart_label="Referrals")


def _money(value: float | None, unit: Decimal = TENTH_PENNY) -> Decimal:
    # Twilio reports prices as negative amounts (money spent); reports show what was spent.
    return Decimal(str(value or 0)).quantize(unit, rounding=ROUND_HALF_UP)


def _priced(session: Session, model: type, period: Period) -> dict[str, tuple[int, Decimal]]:
    month = month_bucket(session, Case.created_at).label("month")
    stmt = (select(month, func.count(model.id), cast(func.sum(func.abs(model.price)), Float))
            .join(Case, model.case_id == Case.id)
            .where(period.contains(Case.created_at)).group_by(month))
    return {month_text(m): (int(n), _money(total)) for m, n, total in session.execute(stmt)}


def costs(session: Session, period: Period, today: date) -> Table:
    month = month_bucket(session, Case.created_at).label("month")
    cases = {month_text(m): n for m, n in session.execute(select(month, func.count()).where(
        period.contains(Case.created_at)).group_by(month))}
    sms, calls = _priced(session, Message, period), _priced(session, Call, period)
    rows = []
    for m in [*period.months(), "Total"]:
        if m == "Total":
            n = sum(r[1] for r in rows)
            s = (sum(r[2] for r in rows), sum((r[3] for r in rows), ZERO))
            c = (sum(r[4] for r in rows), sum((r[5] for r in rows), ZERO))
        else:
            none = (0, ZERO)
            n, s, c = int(cases.get(m, 0)), sms.get(m, none), calls.get(m, none)
        total = s[1] + c[1]
        per_case = (total / n).quantize(TENTH_PENNY, rounding=ROUND_HALF_UP) if n else ZERO
        rows.append([m, n, s[0], s[1], c[0], c[1], total, per_case])
    return Table("costs", "SMS and call costs per request (Twilio prices)",
                 ["Month", "Requests", "SMS", "SMS cost", "Calls", "Call cost", "Total cost",
                  "Cost per request"], rows,
                 chart=[(r[0], float(r[7])) for r in rows[:-1]], chart_label="Cost per request",
                 note="Costs in the currency Twilio charges in (price_unit, normally GBP); "
                 "messages and calls linked to the requests made in each month, at Twilio's "
                 "final prices (fetched after each final status)."
                 + _awaiting_words(session, period))


def _awaiting_words(session: Session, period: Period) -> str:
    """How many of the period's messages and calls Twilio has not priced yet (still asked)."""
    waiting = sum(session.scalar(
        select(func.count(model.id)).join(Case, model.case_id == Case.id).where(
            period.contains(Case.created_at), model.price.is_(None),
            model.price_check_due_at.is_not(None))) or 0 for model in (Message, Call))
    return f" {waiting} not priced by Twilio yet: still being asked." if waiting else ""
