"""The members' briefing: one A4 page per month, by district, for elected members.

One page is a promise: the district table shows the busiest districts (at most MAX_DISTRICTS)
and folds the rest into one row, and free text is cut short, so the page never runs over.
"""

from __future__ import annotations

import io
from collections import Counter
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.case import Case
from app.services.directory.pdf import correct_on
from app.services.reports.catalogue import build_report
from app.services.reports.grants import briefing_lines
from app.services.reports.tables import NOT_RECORDED, Period

MAX_DISTRICTS = 14
BODY = ParagraphStyle("b", fontName="Helvetica", fontSize=12, leading=16, spaceAfter=4)
TITLE = ParagraphStyle("t", parent=BODY, fontName="Helvetica-Bold", fontSize=22, leading=27)
H2 = ParagraphStyle("h", parent=BODY, fontName="Helvetica-Bold", fontSize=15, leading=19,
                    spaceBefore=8)
COLUMNS = ["District", "Requests", "Shielding", "Self-isolation", "Other", "Matched",
           "Signposted", "Staff", "Unmet"]


def district_rows(session: Session, period: Period) -> list[list[Any]]:
    stmt = (select(Case.district, Case.category, Case.outcome, func.count())
            .where(period.contains(Case.created_at))
            .group_by(Case.district, Case.category, Case.outcome))
    cells: dict[str, Counter[str]] = {}
    for district, category, outcome, n in session.execute(stmt):
        c = cells.setdefault(district or NOT_RECORDED, Counter())
        c["total"] += n
        c[category or ""] += n
        c[outcome or ""] += n
    keys = ["total", "shielding", "self_isolation", "other", "matched", "signposted",
            "handled_by_staff", "unmet"]
    rows = sorted(([d, *[c[k] for k in keys]] for d, c in cells.items()),
                  key=lambda r: (-r[1], r[0]))
    if len(rows) > MAX_DISTRICTS:
        rest = rows[MAX_DISTRICTS - 1:]
        rows = rows[:MAX_DISTRICTS - 1] + [
            [f"{len(rest)} other districts", *[sum(r[i] for r in rest) for i in range(1, 9)]]]
    if rows:
        rows.append(["All districts", *[sum(r[i] for r in rows) for i in range(1, 9)]])
    return rows


def _headline(session: Session, period: Period, today: date) -> list[str]:
    cat = build_report(session, "requests-by-category", period, today).rows[-1]
    out = dict(build_report(session, "outcomes", period, today).rows)
    statutory = build_report(session, "statutory-referrals", period, today).rows[-1][1]
    signups = sum(r[2] for r in build_report(session, "volunteers", period, today).rows)
    cost = build_report(session, "costs", period, today).rows[-1]
    return [
        f"<b>{cat[-1]} requests for help</b>: shielding {cat[1]}, self-isolation {cat[2]}, "
        f"other {cat[3]}.",
        f"Outcomes: {out['Matched with a volunteer']} matched with a volunteer, "
        f"{out['Signposted']} signposted, {out['Handled by staff']} handled by staff, "
        f"{out['Unmet']} unmet, {out['Withdrawn by the resident']} withdrawn by the resident, "
        f"{out['No outcome yet']} still open.",
        f"Referrals to statutory services: {statutory}. New volunteers: {signups}.",
        f"SMS and call costs: £{cost[6]:.2f} in total, £{cost[7]:.4f} per request.",
    ]


def _table(rows: list[list[Any]]) -> Table:
    table = Table([COLUMNS, *rows], repeatRows=1, hAlign="LEFT")
    style = [
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 10.5),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 10.5),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("LINEBELOW", (0, 0), (-1, 0), 1.2, colors.black),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f3f2f1")]),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
    ]
    if rows:
        style += [("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 10.5),
                  ("LINEABOVE", (0, -1), (-1, -1), 1.2, colors.black)]
    table.setStyle(TableStyle(style))
    return table


def build_briefing_pdf(session: Session, period: Period, *, today: date) -> bytes:
    month = period.start.strftime("%B %Y")
    words = build_report(session, "other-terms", period, today).rows[:8]
    story: list[Any] = [
        Paragraph(f"Members' briefing: {escape(month)}", TITLE),
        Paragraph("Here2Help Line. " + escape(correct_on(today)) + ". Requests count in the "
                  "month they were made.", BODY),
        Spacer(1, 3 * mm),
        *[Paragraph(line, BODY) for line in _headline(session, period, today)],
        Paragraph("Requests by district", H2),
    ]
    rows = district_rows(session, period)
    story.append(_table(rows) if rows else Paragraph("No requests this month.", BODY))
    story.append(Paragraph("The \"other\" category in residents' own words", H2))
    story.append(Paragraph(
        escape(", ".join(f"{w[:20]} ({n})" for w, n in words)) or "No free-text requests.",
        BODY))
    story.append(Paragraph("Community grants", H2))
    story.extend(Paragraph(escape(line), BODY)
                 for line in briefing_lines(session, period, today))

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 10)
        canvas.drawString(18 * mm, 10 * mm, f"{correct_on(today)} · Here2Help Line")
        canvas.restoreState()

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                            topMargin=15 * mm, bottomMargin=18 * mm,
                            title=f"Members' briefing {month}", author="Here2Help Line")
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
