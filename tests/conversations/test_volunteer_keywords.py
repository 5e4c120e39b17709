"""AWAY / BACK / MYJOBS from a volunteer, through the signed POST /twilio/sms webhook."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.domain.matching import MatchingPolicy
from app.domain.volunteer_words import away_days
from app.models.base import utcnow
from app.models.case import Case
from app.models.volunteer import Offer, Volunteer
from app.services.matching.matcher import offer_next, rank_case
from app.services.volunteers.sms_replies import back_at
from tests import factories

UK = ZoneInfo("Europe/London")
PHONE, E164 = "07700900123", "+447700900123"


def _volunteer(db_session, name: str = "Val Jones", phone: str = E164) -> Volunteer:
    volunteer = factories.make_volunteer(db_session, name=name, phone=phone, postcode="WR1 2NN",
                                         needs=["food"], max_distance_km=5.0,
                                         dbs_status="clear",
                                         dbs_expires_on=(utcnow() + timedelta(days=365)).date())
    db_session.commit()
    return volunteer


def _case(db_session, **fields) -> Case:
    case = factories.make_case(db_session, need="food", postcode="WR1 3AA", phone="+447700900001",
                               name="Mary Jones", needs_matching=True, **fields)
    db_session.commit()
    return case


def _ranked_ids(db_session, case: Case) -> list[int]:
    ranking = rank_case(db_session, case, utcnow(), MatchingPolicy())
    return [r.candidate.volunteer_id for r in ranking.ranked]


def test_away_pauses_offers_until_the_day_named_and_back_resumes_them(send_sms, db_session):
    volunteer = _volunteer(db_session)
    case = _case(db_session)
    assert _ranked_ids(db_session, case) == [volunteer.id]
    [reply] = send_sms(PHONE, "away 3 days")
    db_session.refresh(volunteer)
    back_on = utcnow().astimezone(UK).date() + timedelta(days=3)
    assert volunteer.away_until.astimezone(UK) == datetime(
        back_on.year, back_on.month, back_on.day, tzinfo=UK)
    assert f"until {back_on:%a} {back_on.day} {back_on:%b}" in reply and "BACK" in reply
    assert _ranked_ids(db_session, case) == []
    ranking = rank_case(db_session, case, utcnow(), MatchingPolicy())
    assert [e.reason for e in ranking.excluded] == ["away"]
    [reply] = send_sms(PHONE, "BACK")
    assert "Welcome back" in reply
    db_session.refresh(volunteer)
    assert volunteer.away_until is None and _ranked_ids(db_session, case) == [volunteer.id]


def test_away_without_days_is_a_week_and_bad_days_are_explained(send_sms, db_session):
    volunteer = _volunteer(db_session)
    for text in ("AWAY 0", "AWAY 91", "away forever", "AWAY 5 weeks"):
        [reply] = send_sms(PHONE, text)
        assert "AWAY and a number of days from 1 to 90" in reply
        db_session.refresh(volunteer)
        assert volunteer.away_until is None
    send_sms(PHONE, "Away.")
    db_session.refresh(volunteer)
    week = utcnow().astimezone(UK).date() + timedelta(days=7)
    assert volunteer.away_until.astimezone(UK).date() == week
    [reply] = send_sms(PHONE, "back")
    assert "Welcome back" in reply
    [reply] = send_sms(PHONE, "back")
    assert "not paused" in reply


def test_going_away_withdraws_open_offers_and_asks_the_next_volunteer(send_sms, db_session):
    away = _volunteer(db_session)
    other = _volunteer(db_session, name="Olly Other", phone="+447700900124")
    case = _case(db_session)
    step = offer_next(db_session, case, utcnow(), MatchingPolicy())
    db_session.commit()
    first = step.offer
    holder = away if first.volunteer_id == away.id else other
    holder_phone = "0" + holder.phone[3:]
    send_sms(holder_phone, "AWAY 2")
    db_session.expire_all()
    assert db_session.get(Offer, first.id).status == "withdrawn"
    offers = db_session.scalars(select(Offer).where(Offer.case_id == case.id)
                                .order_by(Offer.id)).all()
    next_one = ({away.id, other.id} - {holder.id}).pop()
    assert [o.volunteer_id for o in offers] == [holder.id, next_one]
    assert offers[-1].status == "pending"


def test_myjobs_lists_open_assignments_with_references(send_sms, db_session):
    volunteer = _volunteer(db_session)
    [reply] = send_sms(PHONE, "MYJOBS")
    assert reply == "You have no open Here2Help requests."
    mine = _case(db_session, status="assigned", assigned_volunteer_id=volunteer.id)
    _case(db_session, status="closed", assigned_volunteer_id=volunteer.id)
    [reply] = send_sms(PHONE, "myjobs")
    assert reply.startswith("Your open requests: ") and mine.reference in reply
    assert send_sms(PHONE, "My jobs?") == [reply]
    assert "food shopping" in reply and "WR1 (" in reply and "DONE" in reply
    assert "1 High Street" not in reply and "Mary" not in reply


def test_keywords_from_a_non_volunteer_stay_with_the_resident_conversation(send_sms, db_session):
    reply = send_sms(PHONE, "AWAY 3")
    assert any("Welcome to Here2Help" in text for text in reply)


@pytest.mark.parametrize(("rest", "days"), [("", 7), ("5", 5), ("10 days", 10), ("1 day", 1),
                                            ("90", 90), ("0", None), ("91", None),
                                            ("soon", None), ("2 weeks", None), ("9999", None)])
def test_away_days(rest, days):
    assert away_days(rest) == days


def test_back_at_is_uk_midnight_across_the_clock_change():
    # 9:30 UTC on Friday 23 Oct 2026 (BST) + 3 days: Monday 26 Oct, midnight GMT.
    now = datetime(2026, 10, 23, 9, 30, tzinfo=UTC)
    assert back_at(now, 3) == datetime(2026, 10, 26, 0, 0, tzinfo=UTC)
    assert back_at(now, 1) == datetime(2026, 10, 23, 23, 0, tzinfo=UTC)
    assert back_at(now, 1).astimezone(UK).date() == date(2026, 10, 24)
