"""Signposting, the sweeper's finders, DBS expiry reminders and the demo volunteers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.domain.matching import MatchingPolicy
from app.models.base import utcnow
from app.models.directory import DirectoryOrganisation, DirectoryService
from app.models.message import Message
from app.models.staff import StaffUser
from app.models.volunteer import Volunteer
from app.services.matching.matcher import offer_next
from app.services.recovery import sweeper
from app.services.volunteers.dbs_reminders import WINDOW_DAYS, send_dbs_reminders
from app.services.volunteers.demo import seed_demo_volunteers
from tests.matching.conftest import NOW

pytestmark = pytest.mark.clock

POLICY = MatchingPolicy(offer_timeout_seconds=600)


def _service(session, name: str, needs: list[str], districts: list[str]) -> DirectoryService:
    org = DirectoryOrganisation(hsds_id=f"org-{name}", name=name)
    session.add(org)
    session.flush()
    service = DirectoryService(hsds_id=f"svc-{name}", organisation_id=org.id, name=name,
                               needs=needs, districts=districts, phone="01632 960111",
                               opening_hours="Mon-Fri 9am-5pm")
    session.add(service)
    session.flush()
    return service


def test_money_is_signposted_to_the_district_service(db_session, make_case,
                                                     make_volunteer) -> None:
    make_volunteer()  # offers money, but money goes to an advice service first
    _service(db_session, "Advice Everywhere", ["money"], [])
    local = _service(db_session, "Worcester Advice", ["money"], ["Worcester"])
    _service(db_session, "Malvern Advice", ["money"], ["Malvern Hills"])
    case = make_case(need="money")
    step = offer_next(db_session, case, NOW, POLICY)
    assert step.outcome == "signposted"
    assert case.status == "signposted" and case.directory_service_id == local.id
    [sms] = db_session.scalars(select(Message).where(Message.purpose == "signpost"))
    assert "Worcester Advice" in sms.body and "01632 960111" in sms.body
    assert "Mon-Fri 9am-5pm" in sms.body and case.reference in sms.body


def test_any_need_without_a_volunteer_is_signposted_else_needs_staff(db_session,
                                                                      make_case) -> None:
    _service(db_session, "Food Bank", ["food"], [])
    fed = make_case(need="food")
    assert offer_next(db_session, fed, NOW, POLICY).outcome == "signposted"
    lonely = make_case(need="befriending", phone="+447700900002")
    step = offer_next(db_session, lonely, NOW, POLICY)
    assert step.outcome == "needs_staff" and lonely.status == "needs_staff"


def test_sweeper_finds_stale_cases_and_lost_messages(db_session, make_case,
                                                     make_volunteer) -> None:
    make_volunteer()
    fresh = make_case(created_at=NOW, updated_at=NOW)
    never = make_case(phone="+447700900002")
    stale = make_case(phone="+447700900003", matching_enqueued_at=NOW - timedelta(minutes=10))
    found = sweeper.stale_matching_cases(db_session, NOW)
    assert never.id in found and stale.id in found and fresh.id not in found
    step = offer_next(db_session, never, NOW - timedelta(minutes=2), POLICY)
    [offer_sms] = step.message_ids
    db_session.get(Message, offer_sms).created_at = NOW - timedelta(minutes=2)
    assert offer_sms in sweeper.lost_messages(db_session, NOW)
    db_session.get(Message, offer_sms).send_enqueued_at = NOW - timedelta(seconds=30)
    assert offer_sms not in sweeper.lost_messages(db_session, NOW)


def test_sweeper_expires_overdue_offers_once(db_session, make_case, make_volunteer) -> None:
    make_volunteer("A", "WR1 3AA")
    make_volunteer("B", "WR2 4AA")
    case = make_case()
    step = offer_next(db_session, case, NOW, POLICY)
    later = NOW + timedelta(seconds=700)
    assert sweeper.overdue_offer_ids(db_session, later) == [step.offer.id]
    result = sweeper.expire_overdue_offers(db_session, later, POLICY)
    assert result.expired_offers == 1 and len(result.new_offer_ids) == 1
    assert sweeper.expire_overdue_offers(db_session, later, POLICY).expired_offers == 0


def test_dbs_reminders_once_per_volunteer_per_expiry(db_session, make_volunteer) -> None:
    soon = make_volunteer("Soon Expiring", dbs_expires_on=NOW.date() + timedelta(days=10))
    make_volunteer("Later", dbs_expires_on=NOW.date() + timedelta(days=90))
    coordinator = StaffUser(email="c@example.org", role="coordinator", password_hash="x",
                            phone="+447700900400", on_duty=True)
    db_session.add(coordinator)
    db_session.flush()
    result = send_dbs_reminders(db_session, NOW)
    assert result.volunteer_ids == [soon.id] and len(result.message_ids) == 1
    body = db_session.get(Message, result.message_ids[0]).body
    assert "Soon Expiring (12 Jun)" in body and soon.phone not in body
    assert send_dbs_reminders(db_session, NOW + timedelta(days=1)).volunteer_ids == []
    soon.dbs_expires_on = date(2026, 6, 20)  # renewed date changes: remind again
    assert send_dbs_reminders(db_session, NOW).volunteer_ids == [soon.id]


def test_no_coordinator_on_duty_marks_nothing(db_session, make_volunteer) -> None:
    soon = make_volunteer(dbs_expires_on=NOW.date() + timedelta(days=3))
    assert send_dbs_reminders(db_session, NOW).message_ids == []
    assert soon.dbs_reminder_sent_for is None


def test_demo_volunteers_are_idempotent_and_marked(db_session) -> None:
    today = utcnow().date()
    added = seed_demo_volunteers(db_session, today)
    assert added == 8 and seed_demo_volunteers(db_session, today) == 0
    demo = list(db_session.scalars(select(Volunteer).where(Volunteer.is_demo.is_(True))))
    assert all(v.phone.startswith("+447700900") and "(demo)" in v.name for v in demo)
    assert any(v.kind == "organisation" and v.capacity for v in demo)
    # Loaded on any day, the demo's DBS checks are current, and one is due for a reminder.
    expiries = [v.dbs_expires_on for v in demo if v.dbs_expires_on is not None]
    assert len(expiries) == 7 and min(expiries) > today
    assert [d for d in expiries if d <= today + timedelta(days=WINDOW_DAYS)] == [
        today + timedelta(days=28)]
