"""An assignment with no DONE: one check-in SMS to the volunteer after the first period, then
the staff queue (needs_staff, with the reason) after the further one; `now` is passed in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.models.base import utcnow
from app.models.case import Case, CaseEvent
from app.models.message import Message
from app.services.casework.worklist import QueueFilters, load_queue
from app.services.volunteers.checkins import check_assignments
from app.services.volunteers.sms_replies import handle_volunteer_sms
from tests import factories
from tests.matching.conftest import NOW
from tests.signin import login

pytestmark = pytest.mark.clock
PERIODS = {"checkin_after": timedelta(hours=48), "escalate_after": timedelta(hours=24)}


def _assigned(make_case, volunteer, hours_ago: float) -> Case:
    return make_case(status="assigned", assigned_volunteer_id=volunteer.id,
                     assigned_at=NOW - timedelta(hours=hours_ago))


def _checkins(db_session, case: Case) -> list[Message]:
    return list(db_session.scalars(select(Message).where(
        Message.case_id == case.id, Message.purpose == "checkin").order_by(Message.id)))


def test_a_silent_assignment_gets_one_check_in_then_goes_to_the_staff_queue(
        db_session, make_volunteer, make_case):
    sam = make_volunteer(name="Sam Quiet")
    quiet = _assigned(make_case, sam, 49)
    recent = _assigned(make_case, sam, 10)
    db_session.commit()

    result = check_assignments(db_session, NOW, **PERIODS)
    db_session.commit()
    assert result.checked_in == [quiet.id] and result.escalated == []
    [sms] = _checkins(db_session, quiet)
    assert sms.to_phone == sam.phone and sms.id in result.message_ids
    assert sms.body == (f"Here2Help: did you manage to help with {quiet.reference}? Reply DONE "
                        f"{quiet.reference} when finished, or call us if there is a problem.")
    assert _checkins(db_session, recent) == []
    assert db_session.scalar(select(func.count()).select_from(CaseEvent).where(
        CaseEvent.case_id == quiet.id, CaseEvent.kind == "checkin")) == 1

    # Once: later runs before the further period send nothing more and escalate nothing.
    for hours in (1, 23):
        again = check_assignments(db_session, NOW + timedelta(hours=hours), **PERIODS)
        db_session.commit()
        assert again.checked_in == [] and again.escalated == []
    assert len(_checkins(db_session, quiet)) == 1
    assert quiet.status == "assigned"

    later = NOW + timedelta(hours=24)
    result = check_assignments(db_session, later, **PERIODS)
    db_session.commit()
    assert result.escalated == [quiet.id]
    db_session.refresh(quiet)
    assert quiet.status == "needs_staff" and quiet.assigned_volunteer_id == sam.id
    assert quiet.needs_staff_reason.startswith("no DONE from Sam after the check-in SMS")
    queue = load_queue(db_session, QueueFilters(status="needs_staff"), later)
    assert quiet.id in [row.case.id for row in queue.rows]
    assert check_assignments(db_session, later + timedelta(hours=1), **PERIODS).escalated == []

    # The volunteer's late DONE still closes it.
    reply = handle_volunteer_sms(db_session, phone=sam.phone, text=f"DONE {quiet.reference}",
                                 now=later + timedelta(hours=2))
    db_session.commit()
    assert reply is not None and "Thank you for helping" in reply.reply
    db_session.refresh(quiet)
    assert quiet.status == "completed"


def test_done_before_the_check_in_means_no_check_in(db_session, make_volunteer, make_case):
    sam = make_volunteer()
    case = _assigned(make_case, sam, 47)
    db_session.commit()
    handle_volunteer_sms(db_session, phone=sam.phone, text="DONE", now=NOW)
    db_session.commit()
    assert check_assignments(db_session, NOW + timedelta(hours=5), **PERIODS).checked_in == []
    assert _checkins(db_session, case) == []


def test_a_reassigned_case_checks_in_with_its_new_volunteer(db_session, make_volunteer,
                                                            make_case):
    first, second = make_volunteer(name="First One"), make_volunteer(name="Second Two")
    case = _assigned(make_case, first, 49)
    db_session.commit()
    check_assignments(db_session, NOW, **PERIODS)
    case.assigned_volunteer_id, case.assigned_at = second.id, NOW + timedelta(hours=1)
    db_session.commit()
    assert check_assignments(db_session, NOW + timedelta(hours=30), **PERIODS).escalated == []
    result = check_assignments(db_session, NOW + timedelta(hours=50), **PERIODS)
    db_session.commit()
    assert result.checked_in == [case.id]
    assert [m.to_phone for m in _checkins(db_session, case)] == [first.phone, second.phone]


def test_the_escalated_case_is_in_the_console_queue_with_its_reason(
        client, db_session, make_volunteer, make_case):
    now = utcnow()
    sam = make_volunteer(name="Sam Silent")
    case = make_case(status="assigned", assigned_volunteer_id=sam.id,
                     assigned_at=now - timedelta(hours=80))
    handler = factories.make_staff_user(db_session, "call_handler")
    db_session.commit()
    check_assignments(db_session, now - timedelta(hours=30), **PERIODS)
    check_assignments(db_session, now, **PERIODS)
    db_session.commit()
    login(client, handler.email)
    assert case.reference in client.get("/queue").get_data(as_text=True)
    page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "no DONE from Sam after the check-in SMS" in page
    assert f"did you manage to help with {case.reference}?" in page  # the SMS, on the timeline
