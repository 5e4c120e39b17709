"""Subject access: everything held about one phone number, as JSON and as a readable PDF.

The rows come from `COVERAGE` (one entry per table that can hold personal data), plus the
fallback journal's files that mention the number. The export itself is recorded in the access
log by ids only, so the log never holds the number.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from app.domain.phone import parse_phone
from app.domain.uk_time import format_uk
from app.models.staff import AccessLogEntry
from app.services.privacy.coverage import COVERAGE, Subject, find_subject

TITLE = ParagraphStyle("title", fontName="Helvetica-Bold", fontSize=16, leading=20)
HEADING = ParagraphStyle("heading", fontName="Helvetica-Bold", fontSize=12, leading=16,
                         spaceBefore=8)
BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=9, leading=12)
JOURNAL_FOLDERS = ("", "replayed", "failed")


class SubjectError(ValueError):
    """The phone number given cannot name anyone (the message is one line)."""


def e164_or_error(raw: str, default_region: str = "GB") -> str:
    parsed = parse_phone(raw, default_region)
    if not parsed.is_number or parsed.e164 is None:
        raise SubjectError(f"{raw[:40]!r} is not a phone number ({parsed.reason})")
    return parsed.e164


@dataclass
class SubjectAccess:
    phone: str
    produced_at: datetime
    subject: Subject
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    journal: list[dict[str, Any]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counts = {table: len(rows) for table, rows in self.tables.items() if rows}
        if self.journal:
            counts["fallback_journal"] = len(self.journal)
        return counts

    def as_json(self) -> dict[str, Any]:
        return {"phone": self.phone, "produced_at": self.produced_at.isoformat(),
                "tables": self.tables, "fallback_journal": self.journal}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _row(obj: Any) -> dict[str, Any]:
    return {attr.key: _plain(getattr(obj, attr.key)) for attr in inspect(obj).mapper.column_attrs}


def journal_mentions(journal_dir: Path, phone: str) -> list[Path]:
    """Journal files (pending, replayed or failed) whose text holds the number."""
    found: list[Path] = []
    for folder in JOURNAL_FOLDERS:
        where = journal_dir / folder if folder else journal_dir
        if where.is_dir():
            found += [p for p in sorted(where.iterdir())
                      if p.is_file() and phone in p.read_text(errors="replace")]
    return found


def collect(session: Session, phone: str, now: datetime, journal_dir: Path) -> SubjectAccess:
    subject = find_subject(session, phone)
    result = SubjectAccess(phone, now, subject)
    for entry in COVERAGE:
        rows = session.scalars(select(entry.model).where(entry.rows(subject))
                               .order_by(entry.model.id))
        result.tables[entry.table] = [_row(row) for row in rows]
    for path in journal_mentions(journal_dir, phone):
        text = path.read_text(errors="replace")
        try:
            content: Any = json.loads(text)
        except ValueError:
            content = text
        result.journal.append({"file": f"{path.parent.name}/{path.name}", "content": content})
    return result


def record_export(session: Session, access: SubjectAccess, user_id: int | None,
                  ip_address: str | None = None) -> None:
    """The export goes on the access log, naming records by id (never the number)."""
    session.add(AccessLogEntry(
        user_id=user_id, action="subject_access", target=", ".join(access.subject.targets())[:120]
        or None, ip_address=ip_address, created_at=access.produced_at,
        detail={"rows": access.counts(), "cases": sorted(access.subject.case_ids)}))


def build_pdf(access: SubjectAccess) -> bytes:
    """A readable copy: one section per kind of record, one paragraph per row (all escaped)."""
    story: list[Any] = [
        Paragraph("Subject access response", TITLE),
        Paragraph(escape(f"Everything Here2Help Line holds about {access.phone}, produced "
                         f"{format_uk(access.produced_at, 'long')}."), BODY),
        Spacer(1, 4 * mm)]
    if not access.counts():
        story.append(Paragraph("No records hold this number.", BODY))
    for table, rows in access.tables.items():
        if not rows:
            continue
        story.append(Paragraph(escape(f"{table.replace('_', ' ').capitalize()} ({len(rows)})"),
                               HEADING))
        for row in rows:
            text = "; ".join(f"{key}: {_show(value)}" for key, value in row.items()
                             if value not in (None, "", {}, []))
            story.append(Paragraph(escape(text), BODY))
    if access.journal:
        story.append(Paragraph(f"Fallback journal ({len(access.journal)})", HEADING))
        story.extend(Paragraph(escape(f"{item['file']}: {_show(item['content'])}"), BODY)
                     for item in access.journal)
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title="Subject access response",
                      leftMargin=15 * mm, rightMargin=15 * mm).build(story)
    return buffer.getvalue()


def _show(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    # NUL and other control characters cannot be drawn; show them rather than fail.
    return "".join(ch if ch.isprintable() or ch in "\n\t" else f"\\x{ord(ch):02x}"
                   for ch in text)


def build_zip(access: SubjectAccess) -> bytes:
    """subject-access.json (complete, for machines) and subject-access.pdf (for the person)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("subject-access.json",
                         json.dumps(access.as_json(), indent=2, ensure_ascii=False))
        archive.writestr("subject-access.pdf", build_pdf(access))
    return buffer.getvalue()
