"""app.services.cases.intake on the real database (SQLite, or PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.domain.enums import CaseStatus, Urgency
from app.models import Case, CaseEvent, Message, Resident, StaffUser
from app.models.base import utcnow
from app.repositories.cases import BadCursor, CaseFilters, list_cases
from app.services.cases import intake as cases_service
from app.services.cases.intake import CaseDraft, create_case, enqueue_matching, stamp_for_matching
from app.services.geo.postcodes import Location

#: Any fixed moment: what these tests check does not depend on the day.
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
PHONE = "07700 900123"
E164 = "+447700900123"


def _draft(**kw) -> CaseDraft:
    base = {"channel": "sms", "category": "other", "need": "food", "details": "Need shopping",
            "phone": PHONE}
    base.update(kw)
    return CaseDraft(**base)


def _coordinator(db_session, email: str, *, on_duty: bool = True, phone: str | None = None):
    user = StaffUser(email=email, role="coordinator", password_hash="x", on_duty=on_duty,
                     phone=phone)
    db_session.add(user)
    db_session.flush()
    return user


def test_new_case_normalises_phone_and_goes_to_matching(db_session, settings):
    result = create_case(db_session, _draft(postcode="wr12nn"), settings=settings, now=NOW)
    case = result.case
    assert not result.joined and not result.safeguarding and result.message_ids == []
    assert re.fullmatch(r"H2H-[34679ACDEFGHJKMNPQRTVWXY]{4}", case.reference)
    assert case.phone == E164
    assert case.postcode == "WR1 2NN"
    assert case.status == CaseStatus.NEW and case.needs_matching is True
    assert case.urgency == Urgency.ROUTINE
    resident = db_session.get(Resident, case.resident_id)
    assert resident.phone == E164
    kinds = [e.kind for e in db_session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == case.id))]
    assert kinds == ["created"]


def test_outward_code_only_is_kept(db_session, settings):
    case = create_case(db_session, _draft(postcode=" wr1 "), settings=settings, now=NOW).case
    assert case.postcode == "WR1"


def test_withheld_number_is_never_stored_and_never_joined(db_session, settings):
    first = create_case(db_session, _draft(phone="anonymous"), settings=settings, now=NOW)
    second = create_case(db_session, _draft(phone="+266696687"), settings=settings, now=NOW)
    assert first.case.phone is None and first.case.resident_id is None
    assert second.case.id != first.case.id and not second.joined


def test_second_contact_joins_the_open_case_and_keeps_the_words(db_session, settings):
    first = create_case(db_session, _draft(), settings=settings, now=NOW)
    second = create_case(db_session, _draft(phone="+44 7700 900123", details="Also my pills",
                                            need="prescriptions"), settings=settings, now=NOW)
    assert second.joined and second.case.id == first.case.id
    assert second.case.details == "Need shopping"
    event = db_session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == first.case.id, CaseEvent.kind == "contact_added")).one()
    assert event.summary == "Also my pills"
    assert event.data["need"] == "prescriptions"
    assert db_session.scalar(select(Resident).where(Resident.phone == E164)) is not None
    assert len(db_session.scalars(select(Resident).where(Resident.phone == E164)).all()) == 1


def test_a_closed_case_does_not_absorb_a_new_contact(db_session, settings):
    first = create_case(db_session, _draft(), settings=settings, now=NOW).case
    first.status = CaseStatus.COMPLETED
    db_session.flush()
    second = create_case(db_session, _draft(details="New need"), settings=settings, now=NOW)
    assert not second.joined and second.case.id != first.id
    assert second.case.resident_id == first.resident_id


def test_needs_staff_draft_is_not_matched(db_session, settings):
    case = create_case(db_session, _draft(needs_staff=True), settings=settings, now=NOW).case
    assert case.status == CaseStatus.NEEDS_STAFF and case.needs_matching is False


def test_safeguarding_alerts_duty_coordinators_without_health_details(db_session, settings):
    on = _coordinator(db_session, "on@example.org", phone="+447700900001")
    _coordinator(db_session, "off@example.org", on_duty=False, phone="+447700900002")
    _coordinator(db_session, "nophone@example.org")
    result = create_case(db_session, _draft(details="I CAN'T breathe, and I have fallen."),
                         settings=settings, now=NOW)
    case = result.case
    assert result.safeguarding
    assert case.urgency == Urgency.SAFEGUARDING
    assert case.status == CaseStatus.NEEDS_STAFF and case.needs_matching is False
    messages = db_session.scalars(select(Message).where(Message.id.in_(result.message_ids))).all()
    assert [m.to_phone for m in messages] == [on.phone]
    assert messages[0].body == f"Safeguarding case {case.reference} needs a coordinator now."
    assert "breathe" not in messages[0].body
    event = db_session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "safeguarding")).one()
    assert set(event.data["phrases"]) == {"cant breathe", "fallen"}


def test_safeguarding_in_a_second_contact_escalates_the_open_case(db_session, settings):
    _coordinator(db_session, "duty@example.org", phone="+447700900003")
    first = create_case(db_session, _draft(), settings=settings, now=NOW)
    second = create_case(db_session, _draft(details="no food for days"), settings=settings, now=NOW)
    assert second.joined and second.safeguarding and len(second.message_ids) == 1
    assert first.case.urgency == Urgency.SAFEGUARDING
    assert first.case.status == CaseStatus.NEEDS_STAFF


def test_safeguarding_without_any_coordinator_still_creates_the_case(db_session, settings):
    result = create_case(db_session, _draft(details="domestic violence"), settings=settings,
                         now=NOW)
    assert result.safeguarding and result.message_ids == []
    assert result.case.id is not None


def test_reference_clash_draws_again(db_session, settings, monkeypatch):
    taken = create_case(db_session, _draft(phone=None), settings=settings, now=NOW).case.reference
    draws = iter([taken, taken, "H2H-7K3Q"])
    monkeypatch.setattr(cases_service, "new_reference", lambda length: next(draws))
    case = create_case(db_session, _draft(phone=None), settings=settings, now=NOW).case
    assert case.reference == "H2H-7K3Q"
    assert db_session.scalar(select(Case).where(Case.reference == "H2H-7K3Q")).id == case.id


def test_reference_falls_back_to_five_characters_when_crowded(db_session, settings, monkeypatch):
    taken = create_case(db_session, _draft(phone=None), settings=settings, now=NOW).case.reference
    lengths: list[int] = []

    def draw(length: int) -> str:
        lengths.append(length)
        return taken if length == 4 else "H2H-7K3QA"

    monkeypatch.setattr(cases_service, "new_reference", draw)
    case = create_case(db_session, _draft(phone=None), settings=settings, now=NOW).case
    assert case.reference == "H2H-7K3QA"
    assert lengths == [4] * cases_service.SHORT_REFERENCE_ATTEMPTS + [5]


def test_postcode_lookup_fills_district_and_coordinates(db_session, settings, monkeypatch):
    monkeypatch.setattr(cases_service, "locate",
                        lambda text: Location(text, "E07000237", "Worcester", 52.19, -2.22,
                                              "postcode"))
    case = create_case(db_session, _draft(postcode="WR1 2NN"), settings=settings, now=NOW).case
    assert (case.district, case.district_code) == ("Worcester", "E07000237")
    assert case.latitude == pytest.approx(52.19)


def test_a_failing_postcode_lookup_does_not_lose_the_case(db_session, settings, monkeypatch):
    import app.services.geo.postcodes as postcodes

    def boom():
        raise OSError("directory unavailable")

    monkeypatch.setattr(postcodes, "directory", boom)
    case = create_case(db_session, _draft(postcode="WR1 2NN"), settings=settings, now=NOW).case
    assert case.id is not None and case.district is None


def test_list_cases_pages_with_a_stable_cursor(db_session, settings):
    made = [create_case(db_session, _draft(phone=None, details=f"n{i}"), settings=settings,
                        now=NOW).case
            for i in range(5)]
    seen: list[int] = []
    cursor = None
    for _ in range(5):
        page = list_cases(db_session, CaseFilters(), cursor, limit=2)
        seen.extend(c.id for c in page.items)
        # A case arriving mid-paging must not shift the pages.
        create_case(db_session, _draft(phone=None, details="late"), settings=settings, now=NOW)
        cursor = page.next_cursor
        if cursor is None:
            break
    mine = [c.id for c in made]
    assert [i for i in seen if i in mine] == sorted(mine, reverse=True)
    assert len(seen) == len(set(seen))


def test_list_cases_filters(db_session, settings, monkeypatch):
    monkeypatch.setattr(cases_service, "locate",
                        lambda text: text and Location(text, None, "Wyre Forest", None, None,
                                                      "postcode"))
    a = create_case(db_session, _draft(phone=None, postcode="DY10 1AA", category="shielding"),
                    settings=settings, now=NOW).case
    b = create_case(db_session, _draft(phone=None, needs_staff=True), settings=settings,
                    now=NOW).case
    ids = {c.id for c in list_cases(db_session, CaseFilters(district="wyre forest"),
                                    limit=100).items}
    assert a.id in ids and b.id not in ids
    ids = {c.id for c in list_cases(db_session, CaseFilters(status="needs_staff"),
                                    limit=100).items}
    assert b.id in ids and a.id not in ids
    ids = {c.id for c in list_cases(db_session, CaseFilters(category="shielding"),
                                    limit=100).items}
    assert a.id in ids and b.id not in ids


@pytest.mark.parametrize("cursor", ["zzz", "aWQ6LTE", "bm9wZTox", "!!!"])
def test_forged_cursor_is_refused(db_session, cursor):
    with pytest.raises(BadCursor):
        list_cases(db_session, CaseFilters(), cursor)


class _Queue:
    def __init__(self, ok: bool) -> None:
        self.ok = ok
        self.calls: list[tuple] = []

    def enqueue(self, func, *ids, job_id, queue="default", delay_seconds=None):
        self.calls.append((func, ids, job_id, queue))
        return self.ok


def test_enqueue_matching_after_the_commit_that_stamped_it(db_session, settings):
    case = create_case(db_session, _draft(), settings=settings, now=NOW).case
    assert stamp_for_matching([case], NOW) == [case]
    db_session.commit()
    queue = _Queue(ok=True)
    assert enqueue_matching(db_session, queue, [case]) == [case.id]
    assert queue.calls == [("workers.matching.match_case", (case.id,), f"match-case:{case.id}",
                            "matching")]
    db_session.refresh(case)
    assert case.matching_enqueued_at == NOW and case.needs_matching


def test_failed_enqueue_leaves_the_case_for_the_sweeper(db_session, settings):
    case = create_case(db_session, _draft(), settings=settings, now=NOW).case
    stamp_for_matching([case], NOW)
    db_session.commit()
    assert enqueue_matching(db_session, _Queue(ok=False), [case]) == []
    db_session.refresh(case)
    assert case.needs_matching and case.matching_enqueued_at is None


def test_created_at_is_the_given_time(db_session, settings):
    when = utcnow() - timedelta(days=3)
    case = create_case(db_session, _draft(phone=None), settings=settings, now=when).case
    db_session.expire(case)
    assert abs((case.created_at - when).total_seconds()) < 1
