"""Repeat requests (app.services.aftercare.repeats): the same request again, offered first to
the volunteer who helped last time when they still may take it; schedules made once per date."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.models.case import CaseEvent
from app.models.message import Message
from app.models.repeat import RepeatSchedule
from app.models.volunteer import Offer
from app.services.aftercare import repeats
from app.services.matching.matcher import MatchingPolicy, offer_next
from tests import factories
from tests.aftercare.conftest import volunteer

#: Tuesday 2 June 2026, 10:30 UK time.
NOW = datetime(2026, 6, 2, 9, 30, tzinfo=UTC)
POLICY = MatchingPolicy()


def _offers(db_session, case):
    return db_session.scalars(select(Offer).where(Offer.case_id == case.id)
                              .order_by(Offer.id)).all()


def test_offered_first_to_last_helper_though_another_is_nearer(db_session, helped_case):
    case, helper = helped_case(now=NOW)
    nearer = volunteer(db_session, "Bea Nearer", "+447700900651", "WR1 3AA", NOW)
    made = repeats.repeat_case(db_session, case, NOW, source="staff", staff_user_id=None)
    db_session.commit()
    new = made.case
    assert made.last_helper == "Ann Helper" and new.status == "new"
    assert new.needs_matching and new.repeat_of_case_id == case.id
    assert _offers(db_session, new) == []  # nothing ranked here: the match job offers it
    step = offer_next(db_session, new, NOW, POLICY)
    assert new.status == "offered"
    assert (new.need, new.details, new.name, new.address, new.postcode, new.consent_to_share) \
        == (case.need, case.details, case.name, case.address, case.postcode, True)
    [offer] = _offers(db_session, new)
    assert offer.volunteer_id == helper.id != nearer.id
    sms = db_session.scalar(select(Message).where(Message.offer_id == offer.id))
    assert step.message_ids == [sms.id] and sms.to_phone == helper.phone
    assert offer.explanation["reasons"][0] == "helped with this request last time"
    created = db_session.scalar(select(CaseEvent).where(CaseEvent.case_id == new.id,
                                                        CaseEvent.kind == "created"))
    assert created.data["repeat_of"] == case.reference and created.data["consent_carried_over"]


@pytest.mark.parametrize("change", [
    {"away_until": NOW + timedelta(days=3)}, {"active": False},
    {"dbs_expires_on": NOW.date() - timedelta(days=1)}, {"approval_status": "pending"},
    {"opted_out": True}, {"max_open_assignments": 0},
])
def test_helper_no_longer_eligible_means_normal_matching(db_session, helped_case, change):
    case, helper = helped_case(now=NOW)
    for name, value in change.items():
        setattr(helper, name, value)
    db_session.commit()
    made = repeats.repeat_case(db_session, case, NOW, source="staff")
    assert made.case.status == "new" and made.case.needs_matching
    offer_next(db_session, made.case, NOW, POLICY)
    assert helper.id not in [o.volunteer_id for o in _offers(db_session, made.case)]
    kinds = db_session.scalars(select(CaseEvent.kind).where(
        CaseEvent.case_id == made.case.id)).all()
    assert "repeat_helper_unavailable" in kinds


def test_a_repeat_of_a_repeat_goes_to_whoever_helped_most_recently(db_session, helped_case):
    case, first_helper = helped_case(now=NOW)
    second = volunteer(db_session, "Cal Second", "+447700900652", "WR2 4AA", NOW)
    made = repeats.repeat_case(db_session, case, NOW, source="staff")
    made.case.status, made.case.assigned_volunteer_id = "completed", second.id
    made.case.completed_at = NOW + timedelta(days=7)
    db_session.commit()
    later = NOW + timedelta(days=8)
    again = repeats.repeat_case(db_session, made.case, later, source="staff")
    assert again.case.repeat_of_case_id == case.id  # linked to the first of the chain
    assert again.last_helper == "Cal Second"
    offer_next(db_session, again.case, later, POLICY)
    assert [o.volunteer_id for o in _offers(db_session, again.case)] == [second.id]
    assert first_helper.id != second.id


@pytest.mark.parametrize(("fields", "words"), [
    ({"status": "assigned"}, "Only a completed request"),
    ({"urgency": "safeguarding"}, "safeguarding"),
    ({"anonymised_at": NOW}, "removed"),
])
def test_what_cannot_be_repeated(db_session, helped_case, fields, words):
    case, _ = helped_case(now=NOW, **fields)
    with pytest.raises(repeats.RepeatError, match=words):
        repeats.repeat_case(db_session, case, NOW, source="staff")


def test_not_while_the_resident_has_an_open_case(db_session, helped_case):
    case, _ = helped_case(now=NOW)
    factories.make_case(db_session, phone=case.phone, status="needs_staff")
    with pytest.raises(repeats.RepeatError, match="already has an open request"):
        repeats.repeat_case(db_session, case, NOW, source="resident")


def test_weekly_schedule_makes_one_case_per_due_date(db_session, helped_case):
    case, helper = helped_case(now=NOW)
    schedule = repeats.start_schedule(db_session, case, interval="weekly",
                                      first_due_on=date(2026, 6, 5), staff_user_id=None,
                                      now=NOW)
    db_session.commit()
    assert repeats.make_due_repeats(db_session, NOW).cases == []  # not due yet
    friday = datetime(2026, 6, 5, 7, 0, tzinfo=UTC)
    made = repeats.make_due_repeats(db_session, friday)
    db_session.commit()
    [new] = made.cases
    assert (new.repeat_schedule_id, new.repeat_due_on) == (schedule.id, date(2026, 6, 5))
    offer_next(db_session, new, friday, POLICY)
    assert [o.volunteer_id for o in _offers(db_session, new)] == [helper.id]
    assert repeats.make_due_repeats(db_session, friday + timedelta(hours=1)).cases == []
    db_session.refresh(schedule)
    assert schedule.next_due_on == date(2026, 6, 12) and schedule.last_case_id == new.id
    # Still open on the next date: that date is skipped, with a line on the first case.
    skipped = repeats.make_due_repeats(db_session, datetime(2026, 6, 12, 8, tzinfo=UTC))
    assert (skipped.cases, skipped.skipped) == ([], 1)
    line = db_session.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                     CaseEvent.kind == "repeat_skipped"))
    assert "already has an open request" in line.summary
    new.status, new.completed_at = "completed", datetime(2026, 6, 12, 9, tzinfo=UTC)
    repeats.stop_schedule(db_session, case, staff_user_id=None, now=NOW)
    db_session.commit()
    assert repeats.make_due_repeats(db_session, datetime(2026, 6, 19, 8, tzinfo=UTC)).cases == []


def test_missed_dates_make_one_repeat_not_a_burst(db_session, helped_case):
    case, _ = helped_case(now=NOW)
    schedule = repeats.start_schedule(db_session, case, interval="fortnightly",
                                      first_due_on=date(2026, 6, 3), staff_user_id=None,
                                      now=NOW)
    made = repeats.make_due_repeats(db_session, datetime(2026, 7, 20, 9, tzinfo=UTC))
    assert len(made.cases) == 1
    assert schedule.next_due_on == date(2026, 7, 29)


def test_one_case_per_schedule_and_date_even_past_the_claim(db_session, helped_case):
    case, _ = helped_case(now=NOW)
    schedule = repeats.start_schedule(db_session, case, interval="weekly",
                                      first_due_on=date(2026, 6, 5), staff_user_id=None,
                                      now=NOW)
    repeats.make_due_repeats(db_session, datetime(2026, 6, 5, 9, tzinfo=UTC))
    twin = factories.make_case  # a second writer that got past the date check
    with pytest.raises(IntegrityError):
        with db_session.begin_nested():
            twin(db_session, repeat_schedule_id=schedule.id, repeat_due_on=date(2026, 6, 5))


@pytest.mark.parametrize(("interval", "first", "words"), [
    ("monthly", date(2026, 6, 5), "weekly or fortnightly"),
    ("weekly", date(2026, 6, 2), "after today"),
    ("weekly", date(2026, 12, 1), "within three months"),
])
def test_schedule_choices_are_checked(db_session, helped_case, interval, first, words):
    case, _ = helped_case(now=NOW)
    with pytest.raises(repeats.RepeatError, match=words):
        repeats.start_schedule(db_session, case, interval=interval, first_due_on=first,
                               staff_user_id=None, now=NOW)


def test_one_running_schedule_per_request(db_session, helped_case):
    case, _ = helped_case(now=NOW)
    repeats.start_schedule(db_session, case, interval="weekly", first_due_on=date(2026, 6, 5),
                           staff_user_id=None, now=NOW)
    with pytest.raises(repeats.RepeatError, match="already repeats weekly"):
        repeats.start_schedule(db_session, case, interval="fortnightly",
                               first_due_on=date(2026, 6, 6), staff_user_id=None, now=NOW)
    assert db_session.scalar(select(RepeatSchedule.interval_days)) == 7
    with pytest.raises(repeats.RepeatError, match="no repeat schedule"):
        repeats.stop_schedule(db_session, factories.make_case(db_session), staff_user_id=None,
                              now=NOW)


def test_schedule_of_an_anonymised_request_stops(db_session, helped_case):
    case, _ = helped_case(now=NOW)
    schedule = repeats.start_schedule(db_session, case, interval="weekly",
                                      first_due_on=date(2026, 6, 5), staff_user_id=None,
                                      now=NOW)
    case.anonymised_at = NOW + timedelta(days=1)  # retention or erasure removed the details
    made = repeats.make_due_repeats(db_session, datetime(2026, 6, 5, 9, tzinfo=UTC))
    assert made.cases == [] and not schedule.active and schedule.stopped_at is not None
