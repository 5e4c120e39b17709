"""The members' briefing stays on one page however many districts and words there are."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pypdf
import pytest

from app.models.case import Case
from app.services.reports.briefing_pdf import MAX_DISTRICTS, build_briefing_pdf, district_rows
from app.services.reports.tables import Period

pytestmark = pytest.mark.clock

JAN = Period.from_months("2026-01", "2026-01")


def test_district_rows_known_answers(seeded):
    assert district_rows(seeded, JAN) == [
        ["Worcester", 2, 1, 0, 1, 1, 1, 0, 0],
        ["Redditch", 1, 1, 0, 0, 1, 0, 0, 0],
        ["All districts", 3, 2, 0, 1, 2, 1, 0, 0]]


def test_one_page_with_forty_districts_and_long_words(db_session):
    for n in range(200):
        db_session.add(Case(reference=f"H2H-B{n:03d}", category="other", need="other",
                            district=f"District number {n % 40} with a long name",
                            details="supercalifragilistic " * 5 + f"word{n % 17}",
                            created_at=datetime(2026, 1, 1 + n % 28, tzinfo=UTC)))
    db_session.commit()
    rows = district_rows(db_session, JAN)
    assert len(rows) == MAX_DISTRICTS + 1
    assert rows[MAX_DISTRICTS - 1][0] == "27 other districts"
    assert rows[-1][:2] == ["All districts", 200]
    pdf = build_briefing_pdf(db_session, JAN, today=date(2026, 2, 3))
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    assert "Correct on 3 February 2026" in reader.pages[0].extract_text()


def test_empty_month_is_one_page(db_session):
    pdf = build_briefing_pdf(db_session, JAN, today=date(2026, 2, 3))
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    assert "No requests this month." in reader.pages[0].extract_text()
