"""The follow-up rate: of the residents asked "did you get the help you needed?" (one SMS after
a volunteer's help), how many answered, and what they said, by district and month.

A follow-up belongs to the month it was sent (UTC). "Not asked" counts the cases whose number
could not be texted (a landline, an opted-out or unusable number): no SMS went to them.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app.models.case import Case
from app.services.reports.tables import NOT_RECORDED, Period, Table, month_bucket, month_text

COLUMNS = ["Month", "District", "Sent", "Not asked (landline or opted out)", "Answered",
           "Yes", "Partly", "No", "Answered (%)", "Help arrived (% of answers)"]


def _percent(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def follow_ups(session: Session, period: Period, today: date) -> Table:
    month = month_bucket(session, Case.follow_up_at).label("month")
    sent = Case.follow_up_state == "sent"

    def count_when(condition: object) -> object:
        return func.sum(case((condition, 1), else_=0))

    stmt = (select(month, Case.district, count_when(sent),
                   count_when(Case.follow_up_state == "skipped"),
                   count_when(sent & Case.follow_up_answer.is_not(None)),
                   count_when(Case.follow_up_answer == "yes"),
                   count_when(Case.follow_up_answer == "partly"),
                   count_when(Case.follow_up_answer == "no"))
            .where(Case.follow_up_state.is_not(None), period.contains(Case.follow_up_at))
            .group_by(month, Case.district))
    rows = []
    for m, district, *counts in session.execute(stmt):
        n_sent, skipped, answered, yes, partly, no = (int(c or 0) for c in counts)
        rows.append([month_text(m), district or NOT_RECORDED, n_sent, skipped, answered, yes,
                     partly, no, _percent(answered, n_sent), _percent(yes, answered)])
    rows.sort(key=lambda r: (r[0], r[1]))
    totals = [sum(r[i] for r in rows) for i in range(2, 8)]
    rows.append(["Total", "", *totals, _percent(totals[2], totals[0]),
                 _percent(totals[3], totals[2])])
    return Table("follow-ups", "Follow-up after help: sent, answered, and what residents said",
                 COLUMNS, rows,
                 chart=[(f"{r[0]} {r[1]}", float(r[8])) for r in rows[:-1]],
                 chart_label="Follow-ups answered (%)",
                 note="One SMS per request after the volunteer's DONE (or FOLLOW_UP_AFTER_HOURS "
                 "after the assignment), counted in the month it was sent. 'Partly' and 'no' "
                 "send the request back to staff.")
