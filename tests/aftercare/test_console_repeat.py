"""The case page's "Repeat this request" (once, weekly, fortnightly) and "Stop repeating"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.domain.matching import UK
from app.models.base import utcnow
from app.models.case import Case
from app.models.repeat import RepeatSchedule
from app.models.staff import AccessLogEntry
from app.models.volunteer import Offer
from app.services.matching.matcher import MatchingPolicy, offer_next
from tests.signin import post_form, sign_in_as

pytestmark = pytest.mark.clock  # schedules start after "today" (UK)


def _page(client, case):
    return client.get(f"/cases/{case.reference}").get_data(as_text=True)


def test_repeat_once_offers_it_to_last_time_volunteer(client, db_session, helped_case):
    case, helper = helped_case()
    user = sign_in_as(client, db_session, "call_handler")
    assert "Repeat this request" in _page(client, case)
    response = post_form(client, f"/cases/{case.reference}", f"/cases/{case.reference}/repeat",
                         {"repeat-how": "once"})
    assert response.status_code == 302
    new = db_session.scalar(select(Case).where(Case.repeat_of_case_id == case.id))
    assert new.needs_matching and db_session.scalar(
        select(Offer).where(Offer.case_id == new.id)) is None  # the match job offers it
    offer_next(db_session, new, utcnow(), MatchingPolicy())
    offer = db_session.scalar(select(Offer).where(Offer.case_id == new.id))
    assert offer.volunteer_id == helper.id and new.channel == "staff"
    page = _page(client, case)
    assert (f"Repeated as {new.reference}: it goes first to Ann Helper, who helped last time, "
            "if they can take it.") in page
    assert db_session.scalar(select(AccessLogEntry).where(
        AccessLogEntry.user_id == user.id, AccessLogEntry.action == "case_repeat")) is not None


def test_weekly_schedule_then_stop(client, db_session, helped_case):
    case, _ = helped_case()
    sign_in_as(client, db_session, "coordinator")
    first = utcnow().astimezone(UK).date() + timedelta(days=3)
    response = post_form(client, f"/cases/{case.reference}", f"/cases/{case.reference}/repeat",
                         {"repeat-how": "weekly", "repeat-first_due_on": first.isoformat()})
    assert response.status_code == 302
    schedule = db_session.scalar(select(RepeatSchedule).where(RepeatSchedule.case_id == case.id))
    assert (schedule.interval_days, schedule.next_due_on, schedule.active) == (7, first, True)
    page = _page(client, case)
    assert f"Repeats weekly; next on {first:%a %d %b %Y}" in page and "Stop repeating" in page
    post_form(client, f"/cases/{case.reference}", f"/cases/{case.reference}/repeat/stop", {})
    db_session.refresh(schedule)
    assert not schedule.active and schedule.stopped_at is not None
    assert "Stopped repeating this request." in _page(client, case)


def test_a_reopened_case_keeps_its_stop_repeating_button(client, db_session, helped_case):
    case, _ = helped_case()
    sign_in_as(client, db_session, "coordinator")
    first = utcnow().astimezone(UK).date() + timedelta(days=3)
    post_form(client, f"/cases/{case.reference}", f"/cases/{case.reference}/repeat",
              {"repeat-how": "fortnightly", "repeat-first_due_on": first.isoformat()})
    post_form(client, f"/cases/{case.reference}", f"/cases/{case.reference}/reopen",
              {"reopen-reason": "The resident rang: the shop was short"})
    db_session.expire_all()
    assert db_session.get(Case, case.id).status == "needs_staff"
    page = _page(client, case)
    assert "Stop repeating" in page and "Repeat this request" not in page
    post_form(client, f"/cases/{case.reference}", f"/cases/{case.reference}/repeat/stop", {})
    schedule = db_session.scalar(select(RepeatSchedule).where(RepeatSchedule.case_id == case.id))
    db_session.refresh(schedule)
    assert not schedule.active


@pytest.mark.parametrize(("data", "message"), [
    ({"repeat-how": "weekly"}, "Enter the date of the first repeat"),
    ({"repeat-how": "weekly", "repeat-first_due_on": "2020-01-01"}, "after today"),
    ({"repeat-how": "hourly"}, "Not a valid choice"),
    ({"repeat-how": "weekly", "repeat-first_due_on": "not a date\x00"}, "Not a valid date"),
])
def test_bad_choices_are_refused_with_a_reason(client, db_session, helped_case, data, message):
    case, _ = helped_case()
    sign_in_as(client, db_session, "call_handler")
    response = post_form(client, f"/cases/{case.reference}", f"/cases/{case.reference}/repeat",
                         data)
    assert response.status_code == 302
    assert message in _page(client, case)
    assert db_session.scalar(select(RepeatSchedule)) is None
    assert db_session.scalar(select(Case).where(Case.repeat_of_case_id == case.id)) is None


def test_open_case_is_not_offered_for_repeat_and_refused(client, db_session, helped_case):
    case, _ = helped_case(status="assigned")
    sign_in_as(client, db_session, "call_handler")
    assert "Repeat this request" not in _page(client, case)
    post_form(client, f"/cases/{case.reference}", f"/cases/{case.reference}/repeat",
              {"repeat-how": "once"})
    assert "Only a completed request can be repeated." in _page(client, case)


def test_partner_cannot_repeat(client, db_session, helped_case):
    case, _ = helped_case()
    sign_in_as(client, db_session, "partner")
    response = client.post(f"/cases/{case.reference}/repeat", data={"repeat-how": "once"})
    assert response.status_code in (400, 403, 404)
    assert db_session.scalar(select(Case).where(Case.repeat_of_case_id == case.id)) is None
