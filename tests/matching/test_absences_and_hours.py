"""Weekly hours and dated absences keep a volunteer out of matching (and out of a YES), at a
fixed time; the hours are validated the same way by the API, the CSV import and the console."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.domain.matching import MatchingPolicy
from app.domain.volunteer_signup import (
    availability_text,
    describe_availability,
    parse_availability,
    parse_needs,
)
from app.models.base import utcnow
from app.models.staff import StaffUser
from app.models.volunteer import Offer, Volunteer
from app.services.matching import offers
from app.services.matching.matcher import offer_next, rank_case
from app.services.staff import accounts as staff
from app.services.volunteers import absences
from app.services.volunteers.csv_import import import_volunteers_csv
from app.services.volunteers.eligibility import withdraw_ineligible_offers
from app.services.volunteers.register import VolunteerInvalid, validate
from tests.matching.conftest import NOW

pytestmark = pytest.mark.clock
TODAY = date(2026, 6, 2)  # NOW's UK date (a Tuesday)


def _why_out(db_session, case, volunteer, now=NOW) -> str | None:
    ranking = rank_case(db_session, case, now, MatchingPolicy())
    if any(r.candidate.volunteer_id == volunteer.id for r in ranking.ranked):
        return None
    return next(e.reason for e in ranking.excluded if e.candidate.volunteer_id == volunteer.id)


def test_a_dated_absence_excludes_a_volunteer_from_its_first_to_its_last_day(
        db_session, make_volunteer, make_case):
    sam = make_volunteer()
    case = make_case()
    absences.add_absence(db_session, sam, TODAY + timedelta(days=1), TODAY + timedelta(days=3),
                         "holiday", NOW)
    db_session.commit()
    assert _why_out(db_session, case, sam) is None  # not yet
    for days in (1, 3):
        assert _why_out(db_session, case, sam, NOW + timedelta(days=days)) == \
            "on a dated absence (until 05 Jun 2026)"
    assert _why_out(db_session, case, sam, NOW + timedelta(days=4)) is None  # back


def test_an_absence_ends_at_uk_midnight_not_utc(db_session, make_volunteer, make_case):
    sam = make_volunteer()
    case = make_case()
    absences.add_absence(db_session, sam, TODAY, TODAY, None, NOW)
    db_session.commit()
    # 23:30 UTC on 2 June is 00:30 on 3 June in London (BST): the absence is over.
    assert _why_out(db_session, case, sam, datetime(2026, 6, 2, 22, 30, tzinfo=UTC)) \
        == "on a dated absence (until 02 Jun 2026)"
    assert _why_out(db_session, case, sam, datetime(2026, 6, 2, 23, 30, tzinfo=UTC)) is None


def test_weekly_hours_exclude_a_volunteer_outside_them(db_session, make_volunteer, make_case):
    evenings = make_volunteer(availability=validate(
        {"availability": "mon-fri 17:00-21:00"}, partial=True)["availability"])
    case = make_case()
    db_session.commit()
    assert _why_out(db_session, case, evenings) == "not available at this time"  # 10:30 BST
    six_pm = datetime(2026, 6, 2, 17, 0, tzinfo=UTC)  # 18:00 BST
    assert _why_out(db_session, case, evenings, six_pm) is None
    saturday_evening = datetime(2026, 6, 6, 17, 0, tzinfo=UTC)
    assert _why_out(db_session, case, evenings, saturday_evening) == "not available at this time"


def test_an_absence_starting_today_withdraws_offers_and_refuses_a_yes(
        db_session, make_volunteer, make_case):
    sam = make_volunteer(name="Sam Absent")
    other = make_volunteer(name="Olly Other", postcode="WR1 3AA")
    case = make_case()
    db_session.commit()
    step = offer_next(db_session, case, NOW, MatchingPolicy())
    db_session.commit()
    holder = sam if step.offer.volunteer_id == sam.id else other
    absences.add_absence(db_session, holder, TODAY, TODAY + timedelta(days=7), None, NOW)
    withdrawn = withdraw_ineligible_offers(db_session, holder, NOW, "absent")
    db_session.commit()
    assert withdrawn.message_ids
    assert db_session.get(Offer, step.offer.id).status == "withdrawn"
    [latest] = db_session.scalars(select(Offer).where(Offer.case_id == case.id,
                                                      Offer.status == "pending")).all()
    assert latest.volunteer_id != holder.id
    # A YES to an offer made before the absence was recorded assigns nothing.
    later = NOW + timedelta(minutes=1)
    absences.add_absence(db_session, db_session.get(Volunteer, latest.volunteer_id), TODAY,
                         TODAY, None, later)
    result = offers.accept(db_session, latest, later)
    assert result.refused == "ineligible"


@pytest.mark.parametrize(("starts", "ends", "message"), [
    (None, TODAY, "Give both"),
    (TODAY + timedelta(days=2), TODAY + timedelta(days=1), "on or after the first day"),
    (TODAY - timedelta(days=3), TODAY - timedelta(days=1), "already over"),
    (TODAY, TODAY + timedelta(days=400), "at most 366 days"),
    (TODAY + timedelta(days=800), TODAY + timedelta(days=801), "two years ahead"),
])
def test_bad_absences_are_refused_with_a_reason(db_session, make_volunteer, starts, ends,
                                                message):
    sam = make_volunteer()
    with pytest.raises(absences.AbsenceInvalid, match=message):
        absences.add_absence(db_session, sam, starts, ends, None, NOW)


def test_absences_can_be_removed_only_from_their_own_volunteer(db_session, make_volunteer):
    sam, kim = make_volunteer(), make_volunteer(name="Kim Other")
    absence = absences.add_absence(db_session, sam, TODAY, TODAY, "x" * 200, NOW)
    with pytest.raises(absences.AbsenceInvalid, match="plain text"):
        absences.add_absence(db_session, sam, TODAY, TODAY, "bad\x00note", NOW)
    assert absences.remove_absence(db_session, kim, absence.id, NOW) is None
    assert absences.remove_absence(db_session, sam, 2**40, NOW) is None
    assert absences.remove_absence(db_session, sam, absence.id, NOW) is not None
    assert absences.upcoming(db_session, sam, NOW) == []


@pytest.mark.parametrize(("text", "hours"), [
    ("mon 09:00-12:00; sat 10:00-16:00", {"mon": [["09:00", "12:00"]],
                                          "sat": [["10:00", "16:00"]]}),
    ("Monday-Wednesday 9.30-12:00", {d: [["09:30", "12:00"]] for d in ("mon", "tue", "wed")}),
    ("fri 20:00-02:00", {"fri": [["20:00", "02:00"]]}),
    ("", {}),
])
def test_weekly_hours_text(text, hours):
    assert validate({"availability": text}, partial=True)["availability"] == hours


@pytest.mark.parametrize("text", ["sun-mon 09:00-10:00", "someday 09:00-10:00",
                                  "mon 24:00-25:00", "mon 09:00-09:00", "mon 9-5",
                                  "mon 09:00-10:00;" * 60])
def test_bad_weekly_hours_are_refused(text):
    with pytest.raises(VolunteerInvalid) as caught:
        validate({"availability": text}, partial=True)
    assert "availability" in caught.value.errors


def test_hours_through_the_api_are_validated_the_same_way(client, db_session):
    user = StaffUser(email="coord-hours@example.org", role="coordinator", password_hash="x")
    db_session.add(user)
    db_session.commit()
    token = staff.create_api_token(db_session, user.email, name="tests", now=utcnow())
    headers = {"Authorization": f"Bearer {token}"}
    body = {"name": "Sam Hours", "phone": "07700 900471", "postcode": "WR1 2NN",
            "needs": ["food"], "availability": {"mon": [["09:00", "12:00"]] * 7}}
    refused = client.post("/api/v1/volunteers", json=body, headers=headers)
    assert refused.status_code == 422 and "availability" in str(refused.get_json())
    body["availability"] = {"sat": [["10:00", "16:00"]], "sun": []}
    created = client.post("/api/v1/volunteers", json=body, headers=headers)
    assert created.status_code == 201
    assert created.get_json()["availability"] == {"sat": [["10:00", "16:00"]]}


def test_sign_up_answers_and_hours_in_words():
    assert parse_needs("1 4") == ["food", "transport"]
    assert parse_needs("Shopping and phone calls please") == ["food", "befriending"]
    assert parse_needs("all") == ["food", "prescriptions", "befriending", "transport",
                                  "money", "wellbeing", "other"]
    assert parse_needs("8") is None and parse_needs("gardening") is None
    assert parse_needs("1" * 200) is None
    assert parse_availability("weekends") == {"sat": [["09:00", "18:00"]],
                                              "sun": [["09:00", "18:00"]]}
    assert parse_availability("Any time") == {}
    assert parse_availability("4") is None
    hours = parse_availability("1 2")
    assert describe_availability(hours) == "Mon-Fri 09:00-17:00; Mon-Fri 17:00-21:00"
    assert availability_text({"mon": [["09:00", "12:00"]]}) == "mon 09:00-12:00"
    assert describe_availability({}) == "Any time"


def test_hours_through_the_csv_import_are_validated_the_same_way(db_session):
    rows = ("name,phone,postcode,needs,availability\n"
            "Eve Evenings,07700 900472,WR1 2NN,food,mon-fri 18:00-21:00; sat 10:00-16:00\n"
            "Bad Hours,07700 900473,WR1 2NN,food,whenever suits\n")
    report = import_volunteers_csv(db_session, rows.splitlines(keepends=True), NOW)
    assert report.created == 1 and [line for line, _ in report.errors] == [3]
    assert "Write hours like" in report.errors[0][1]
    eve = db_session.scalar(select(Volunteer).where(Volunteer.phone == "+447700900472"))
    assert eve.availability["fri"] == [["18:00", "21:00"]] and "sun" not in eve.availability
