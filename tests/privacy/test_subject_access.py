"""Subject access and erasure cover every table that can hold personal data.

The tables come from the models: one that is neither covered (app/services/privacy/coverage.py)
nor listed as holding no personal data fails here, and so does a covered table the planting
does not reach.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime

import pytest
from sqlalchemy import String, Text, cast, literal, select

from app.models import Base
from app.models.case import Case
from app.models.staff import AccessLogEntry
from app.services.privacy.coverage import COVERAGE, NO_PERSONAL_DATA
from app.services.privacy.erasure import ErasureRefused, erase_subject
from app.services.privacy.subject_access import (
    SubjectError,
    build_zip,
    collect,
    e164_or_error,
    record_export,
)
from tests.factories import make_case
from tests.privacy.planting import (
    BYSTANDER,
    MESSAGE_SID,
    PHONE,
    PLANTED_VALUES,
    PLANTERS,
    journal_mentioning,
    marker,
    plant,
)

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
COVERED = [entry.table for entry in COVERAGE]


def test_every_table_is_covered_or_declared_free_of_personal_data():
    tables = set(Base.metadata.tables)
    assert len(COVERED) == len(set(COVERED)), "one coverage entry per table"
    assert not set(COVERED) & NO_PERSONAL_DATA
    assert tables - set(COVERED) - NO_PERSONAL_DATA == set(), "tables without SAR coverage"
    assert set(COVERED) | NO_PERSONAL_DATA <= tables, "coverage of tables that do not exist"
    assert set(PLANTERS) == set(COVERED), "every covered table is planted by the tests"


def test_export_finds_the_planted_value_in_every_table(db_session, tmp_path):
    world = plant(db_session, COVERED)
    journal_mentioning(tmp_path, PHONE, MESSAGE_SID)
    access = collect(db_session, PHONE, NOW, tmp_path)
    for table in COVERED:
        text = json.dumps(access.tables[table])
        planted = PLANTED_VALUES.get(table, (marker(table),))
        assert all(value in text for value in planted), f"{table}: planted value missing"
    assert "journal text" in json.dumps(access.journal)
    assert BYSTANDER not in json.dumps(access.as_json())

    archive = zipfile.ZipFile(io.BytesIO(build_zip(access)))
    assert sorted(archive.namelist()) == ["subject-access.json", "subject-access.pdf"]
    assert json.loads(archive.read("subject-access.json"))["phone"] == PHONE
    assert archive.read("subject-access.pdf").startswith(b"%PDF")

    record_export(db_session, access, user_id=world["staff"].id)
    db_session.flush()
    row = db_session.scalars(select(AccessLogEntry).where(
        AccessLogEntry.action == "subject_access")).one()
    assert row.detail["rows"]["cases"] == 1 and PHONE not in json.dumps(row.detail)
    assert PHONE not in (row.target or "")


def test_export_text_with_markup_and_control_characters_makes_a_pdf(db_session, tmp_path):
    make_case(db_session, phone=PHONE, details="<b>bold & </para> \x07 \u202e مرحبا")
    access = collect(db_session, PHONE, NOW, tmp_path)
    assert build_zip(access)


@pytest.mark.parametrize("raw", ["", "anonymous", "x" * 100, "12\x00"])
def test_a_number_that_is_not_one_is_refused(raw):
    with pytest.raises(SubjectError):
        e164_or_error(raw)


def _holding(session, needle: str) -> list[str]:
    """Every table.column whose value (as text) holds `needle`."""
    found = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            hit = session.execute(select(literal(1)).select_from(table).where(
                cast(column, Text if not isinstance(column.type, String) else column.type)
                .contains(needle, autoescape=True)).limit(1)).first()
            if hit:
                found.append(f"{table.name}.{column.name}")
    return found


def test_erasure_leaves_no_trace_but_the_statistics(db_session, tmp_path):
    world = plant(db_session, COVERED)
    journal_mentioning(tmp_path, PHONE, MESSAGE_SID)
    other = journal_mentioning(tmp_path, BYSTANDER, "SM" + "d4" * 16)
    assert _holding(db_session, PHONE)
    deleted = []
    result = erase_subject(db_session, PHONE, NOW, journal_dir=tmp_path,
                           delete_recording=lambda call: deleted.append(call.id) or True,
                           user_id=world["staff"].id)
    db_session.flush()
    assert _holding(db_session, PHONE) == []
    assert _holding(db_session, "7700900123") == []
    for table in ("residents", "cases", "case_events", "messages", "conversations",
                  "volunteers", "grant_applications", "processed_webhooks"):
        assert _holding(db_session, marker(table)) == [], table
    assert deleted and result.counts["fallback_journal"] == 1
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == [other.name]
    case = db_session.get(Case, world["case"].id)
    assert (case.category, case.need, case.status, case.anonymised_at) == \
        ("other", "food", "closed", NOW)
    assert _holding(db_session, BYSTANDER)  # somebody else's data stays
    audit = db_session.scalars(select(AccessLogEntry).where(
        AccessLogEntry.action == "erasure")).one()
    assert audit.detail["rows"]["cases"] == 1 and audit.user_id == world["staff"].id
    again = erase_subject(db_session, PHONE, NOW, journal_dir=tmp_path,
                          delete_recording=lambda call: True)
    assert again.line() == "nothing held about that number"


def test_erasure_is_refused_while_a_safeguarding_case_is_open(db_session, tmp_path):
    case = make_case(db_session, phone=PHONE, urgency="safeguarding", status="needs_staff",
                     name="Kept")
    with pytest.raises(ErasureRefused, match=f"case {case.reference} is an open safeguarding"):
        erase_subject(db_session, PHONE, NOW, journal_dir=tmp_path,
                      delete_recording=lambda call: True)
    assert case.name == "Kept"


def test_erasure_stops_before_changing_anything_if_twilio_keeps_a_recording(db_session,
                                                                            tmp_path):
    world = plant(db_session, COVERED)
    with pytest.raises(ErasureRefused, match="Twilio did not delete"):
        erase_subject(db_session, PHONE, NOW, journal_dir=tmp_path,
                      delete_recording=lambda call: False)
    assert world["case"].name == "Ada Subject"
