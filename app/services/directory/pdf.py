"""The whole directory as a PDF for elected members and the mobile library.

Readable at a glance: large type (14 pt body, 26 pt need headings), one column, no tables, the
phone number on its own line, a contents page, and "Correct on <date>" in every page's footer so
a printed copy says how old it is. Grouped by need, then by district ("All districts" first).
"""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer
from reportlab.platypus.tableofcontents import TableOfContents
from sqlalchemy.orm import Session

from app.domain.enums import Need
from app.models.directory import DirectoryService
from app.services.directory.entries import list_services, needs_review, service_districts

ALL_DISTRICTS = "All districts"
NEED_ORDER = [n.value for n in Need]

# Second line of defence behind escaping every text: reportlab may only read `data:` images,
# never a URL (http, https, file) named in markup. Set before reportlab first opens a resource.
rl_config.trustedSchemes = ["data"]
rl_config.trustedHosts = ["no-remote-resources.invalid"]

BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=14, leading=19, spaceAfter=2)
TITLE = ParagraphStyle("title", parent=BODY, fontName="Helvetica-Bold", fontSize=30, leading=36,
                       spaceAfter=10)
H1 = ParagraphStyle("h1", parent=BODY, fontName="Helvetica-Bold", fontSize=26, leading=32,
                    spaceBefore=6, spaceAfter=10, keepWithNext=1)
H2 = ParagraphStyle("h2", parent=BODY, fontName="Helvetica-Bold", fontSize=19, leading=24,
                    spaceBefore=12, spaceAfter=6, textColor=colors.HexColor("#1d3557"),
                    keepWithNext=1)
NAME = ParagraphStyle("name", parent=BODY, fontName="Helvetica-Bold", fontSize=16, leading=21,
                      spaceBefore=10)
FLAG = ParagraphStyle("flag", parent=BODY, fontName="Helvetica-Bold",
                      textColor=colors.HexColor("#8a1c00"))
TOC_STYLES = [
    ParagraphStyle("toc1", parent=BODY, fontName="Helvetica-Bold", fontSize=16, leading=22),
    ParagraphStyle("toc2", parent=BODY, fontSize=14, leading=18, leftIndent=12 * mm),
]


def need_label(need: str) -> str:
    return need.replace("_", " ").capitalize()


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def correct_on(today: date) -> str:
    return f"Correct on {_day(today)}"


class _DirectoryDoc(SimpleDocTemplate):
    """Feeds headings into the contents page (reportlab's two-pass multiBuild)."""

    def afterFlowable(self, flowable: Any) -> None:
        level = getattr(flowable, "toc_level", None)
        if level is not None:
            key = f"h{id(flowable)}"
            self.canv.bookmarkPage(key)
            # The contents page parses its entries as markup again: escape the plain text,
            # or a district named `<img src="http://...">` would be fetched (SSRF).
            self.notify("TOCEntry", (level, escape(flowable.getPlainText()), self.page, key))


def _heading(text: str, style: ParagraphStyle, level: int) -> Paragraph:
    para = Paragraph(escape(text), style)
    para.toc_level = level  # type: ignore[attr-defined]
    return para


Groups = dict[str, dict[str, list[DirectoryService]]]


def group_services(services: list[DirectoryService]) -> Groups:
    """need -> district -> services; a service appears under each of its needs and districts."""
    groups: Groups = defaultdict(lambda: defaultdict(list))
    for service in services:
        for need in service.needs or ["other"]:
            for district in service_districts(service) or [ALL_DISTRICTS]:
                groups[need][district].append(service)
    return groups


def _service_block(service: DirectoryService, today: date, review_months: int) -> list[Any]:
    """One entry's paragraphs, chained with keepWithNext so an entry never splits a page and
    a heading stays with its first entry (a KeepTogether would not join the heading's chain)."""
    lines = [Paragraph(escape(service.name), NAME)]
    if service.organisation and service.organisation.name != service.name:
        lines.append(Paragraph(f"Run by {escape(service.organisation.name)}", BODY))
    if service.phone:
        lines.append(Paragraph(f"<b>Phone: {escape(service.phone)}</b>", BODY))
    if service.description:
        text = service.description if len(service.description) < 400 else (
            service.description[:397].rsplit(" ", 1)[0] + "...")
        lines.append(Paragraph(escape(text).replace("\n", "<br/>"), BODY))
    details = [("Open", service.opening_hours), ("Who can use it", service.eligibility),
               ("E-mail", service.email), ("Website", service.website)]
    address = ", ".join(x for loc in service.locations[:1]
                        for x in (loc.address_1, loc.city, loc.postcode) if x)
    details.append(("Address", address))
    for label, value in details:
        if value:
            lines.append(Paragraph(f"<b>{label}:</b> {escape(value).replace(chr(10), '; ')}",
                                   BODY))
    if service.is_statutory:
        lines.append(Paragraph("Statutory service (run by a public body)", BODY))
    if needs_review(service, today, review_months):
        when = (f"last checked {_day(service.last_reviewed_on)}" if service.last_reviewed_on
                else "never checked")
        lines.append(Paragraph(f"NEEDS REVIEW: {when}; please confirm before referring.", FLAG))
    for para in lines[:-1]:
        para.keepWithNext = True  # type: ignore[attr-defined]
    return lines


def _story(services: list[DirectoryService], today: date, review_months: int) -> list[Any]:
    toc = TableOfContents(levelStyles=TOC_STYLES, dotsMinLevel=0)
    story: list[Any] = [
        Paragraph("Community Services Directory", TITLE),
        Paragraph(escape(correct_on(today)), H2),
        Paragraph(f"{len(services)} services, grouped by need and then by district. Entries "
                  f"marked NEEDS REVIEW have not been checked for {review_months} months or more.",
                  BODY),
        Spacer(1, 6 * mm),
        Paragraph("Contents", H1),
        toc,
        PageBreak(),
    ]
    groups = group_services(services)
    needs = sorted(groups, key=lambda n: (NEED_ORDER.index(n) if n in NEED_ORDER else 99, n))
    for i, need in enumerate(needs):
        if i:
            story.append(PageBreak())
        story.append(_heading(need_label(need), H1, 0))
        districts = sorted(groups[need], key=lambda d: (d != ALL_DISTRICTS, d))
        for district in districts:
            story.append(_heading(f"{need_label(need)}: {district}", H2, 1))
            for service in groups[need][district]:
                story.extend(_service_block(service, today, review_months))
    if not needs:
        story.append(Paragraph("The directory is empty.", BODY))
    return story


def build_directory_pdf(session: Session, *, today: date, review_months: int) -> bytes:
    services = list_services(session, include_inactive=False)
    footer = correct_on(today)

    def on_page(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 12)
        canvas.drawString(18 * mm, 10 * mm, footer)
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"Page {doc.page}")
        canvas.restoreState()

    buffer = io.BytesIO()
    doc = _DirectoryDoc(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                        topMargin=16 * mm, bottomMargin=20 * mm,
                        title="Community Services Directory", author="Here2Help Line")
    doc.multiBuild(_story(services, today, review_months), onFirstPage=on_page,
                   onLaterPages=on_page)
    return buffer.getvalue()
