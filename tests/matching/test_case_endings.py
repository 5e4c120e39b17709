"""Casework that cannot lie: every way a case ends records its outcome, an outcome must agree
with the case, and an ended case changes only after it is reopened with a reason."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.case_outcomes import close_refusal, offer_refusal
from app.domain.matching import MatchingPolicy
from app.models.case import Case, CaseEvent
from app.models.directory import DirectoryOrganisation, DirectoryService
from app.models.message import Message
from app.models.volunteer import Offer
from app.services.casework import actions
from app.services.delivery.sending import (
    ALWAYS_SENT_PURPOSES,
    RESERVED_BUDGET_PURPOSES,
    within_daily_budget,
)
from app.services.matching import offers
from app.services.matching.matcher import offer_next
from app.services.reports.outcomes import outcomes
from app.services.reports.tables import Period
from app.services.volunteers.sms_replies import handle_volunteer_sms
from tests import factories
from tests.matching.conftest import NOW

pytestmark = pytest.mark.clock

POLICY = MatchingPolicy(offer_timeout_seconds=600, max_offer_attempts=2)
STAFF = None  # the acting staff id: these tests need no account


@pytest.fixture
def make_staff(db_session: Session):
    return lambda: factories.make_staff_user(db_session)


def _service(session: Session, key: str, **fields: object) -> DirectoryService:
    organisation = DirectoryOrganisation(hsds_id=f"org-{key}", name=f"Org {key}")
    service = DirectoryService(hsds_id=f"svc-{key}", organisation=organisation,
                               name="Worcester Food Bank", status="active", needs=["food"],
                               **fields)
    session.add(service)
    session.flush()
    return service


def _events(session: Session, case: Case) -> list[CaseEvent]:
    return list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                .order_by(CaseEvent.id)))


def _outcome_rows(session: Session) -> dict[str, int]:
    period = Period(NOW.date() - timedelta(days=1), NOW.date() + timedelta(days=1))
    return dict(outcomes(session, period, NOW.date()).rows)


# --- the rules themselves ------------------------------------------------------------------


@pytest.mark.parametrize(("status", "outcome", "reason", "volunteer", "refused"), [
    ("new", "", None, None, "Choose the outcome"),
    ("new", "made_up", None, None, "Choose the outcome"),
    ("offered", "matched", None, None, "cannot be closed as matched"),
    ("assigned", "matched", None, 7, None),
    ("new", "unmet", "  ", None, "why the need was not met"),
    ("new", "unmet", "Nobody in range", None, None),
    ("needs_staff", "handled_by_staff", None, None, None),
    ("closed", "handled_by_staff", None, None, "Reopen it"),
    ("completed", "matched", None, 7, "Reopen it"),
    ("cancelled", "unmet", "x", None, "Reopen it"),
])
def test_close_refusal(status, outcome, reason, volunteer, refused):
    answer = close_refusal(status, outcome, reason, volunteer)
    assert (answer is None) if refused is None else (refused in answer)


@pytest.mark.parametrize(("status", "volunteer", "allowed"), [
    ("new", None, True), ("offered", None, True), ("needs_staff", None, True),
    ("signposted", None, True), ("assigned", 3, False), ("closed", None, False),
    ("completed", 3, False), ("cancelled", None, False),
])
def test_offer_refusal(status, volunteer, allowed):
    assert (offer_refusal(status, volunteer) is None) is allowed


# --- closing -------------------------------------------------------------------------------


def test_matched_is_refused_without_a_volunteer_and_nothing_changes(db_session, make_case):
    case = make_case(status="offered")
    with pytest.raises(actions.ActionError, match="cannot be closed as matched"):
        actions.close_case(db_session, case, STAFF, "matched", None, NOW)
    assert case.status == "offered" and case.outcome is None


def test_closing_withdraws_the_open_offer_and_tells_the_volunteer(db_session, make_volunteer,
                                                                 make_case):
    volunteer = make_volunteer()
    case = make_case()
    offer_next(db_session, case, NOW, POLICY)
    result = actions.close_case(db_session, case, STAFF, "handled_by_staff", None, NOW)
    [told] = [db_session.get(Message, i) for i in result.message_ids]
    assert told.to_phone == volunteer.phone and told.purpose == "offer_withdrawn"
    assert case.reference in told.body and "Mary" not in told.body
    assert (case.status, case.outcome) == ("closed", "handled_by_staff")


# --- ended cases cannot be changed; reopening --------------------------------------------


@pytest.mark.parametrize("ended", ["closed", "completed", "cancelled"])
def test_an_ended_case_refuses_every_change_until_reopened(db_session, make_volunteer,
                                                           make_case, ended):
    volunteer = make_volunteer()
    service = _service(db_session, ended)
    case = make_case(status=ended, outcome="handled_by_staff", need="other")
    db_session.flush()
    changes = [
        lambda: actions.edit_case(db_session, case, STAFF, category="other", need="food",
                                  urgency="urgent", details="x", now=NOW),
        lambda: actions.recode_other(db_session, case, STAFF, "food", NOW),
        lambda: actions.assign_volunteer(db_session, case, STAFF, volunteer.id, NOW),
        lambda: actions.signpost(db_session, case, STAFF, service.id, NOW),
        lambda: actions.record_callback(db_session, case, STAFF, NOW + timedelta(hours=1),
                                        None, NOW),
        lambda: actions.close_case(db_session, case, STAFF, "unmet", "again", NOW),
    ]
    for change in changes:
        with pytest.raises(actions.ActionError, match="Reopen it"):
            change()
    assert (case.status, case.outcome, case.urgency) == (ended, "handled_by_staff", "routine")
    assert db_session.scalar(select(Offer).where(Offer.case_id == case.id)) is None
    # A note changes nothing but the timeline: allowed.
    actions.add_note(db_session, case, STAFF, "Daughter rang to say thanks", NOW)
    assert case.status == ended


def test_reopen_needs_a_reason_records_who_and_why_and_goes_to_staff(db_session, make_case,
                                                                       make_staff):
    user = make_staff()
    case = make_case(status="closed", outcome="unmet", outcome_reason="No one free",
                     closed_at=NOW)
    with pytest.raises(actions.ActionError, match="Enter why"):
        actions.reopen_case(db_session, case, user.id, " \x00 ", NOW)
    actions.reopen_case(db_session, case, user.id, "She rang back: still no food", NOW)
    assert (case.status, case.outcome, case.closed_at) == ("needs_staff", None, None)
    assert case.needs_staff_reason == "reopened: She rang back: still no food"
    event = _events(db_session, case)[-1]
    assert event.kind == "reopened" and event.staff_user_id == user.id
    assert event.data == {"reason": "She rang back: still no food",
                          "before": {"status": "closed", "outcome": "unmet",
                                     "outcome_reason": "No one free"}}
    with pytest.raises(actions.ActionError, match="Only a closed"):
        actions.reopen_case(db_session, case, user.id, "again", NOW)
    # Open again: it can be worked and closed again.
    actions.close_case(db_session, case, user.id, "handled_by_staff", None, NOW)
    assert case.status == "closed"


def test_raising_safeguarding_on_an_ended_case_reopens_it(db_session, make_case, make_staff):
    user = make_staff()
    case = make_case(status="completed", outcome="matched")
    result = actions.raise_safeguarding_concern(db_session, case, user.id, NOW)
    assert result.summary.startswith("Case reopened.")
    assert (case.status, case.urgency, case.outcome) == ("needs_staff", "safeguarding", None)
    kinds = [e.kind for e in _events(db_session, case)]
    assert kinds.index("reopened") < kinds.index("staff_edit")
    assert _events(db_session, case)[kinds.index("reopened")].data["reason"] == \
        "safeguarding raised"


def test_an_assigned_case_is_not_offered_again(db_session, make_volunteer, make_case):
    first, second = make_volunteer("Ann First"), make_volunteer("Bob Second", "WR2 4AA")
    case = make_case()
    offer_next(db_session, case, NOW, POLICY)
    handle_volunteer_sms(db_session, phone=first.phone, text="YES", now=NOW)
    assert case.status == "assigned"
    with pytest.raises(actions.ActionError, match="already taken"):
        actions.assign_volunteer(db_session, case, STAFF, second.id, NOW)
    assert case.assigned_volunteer_id == first.id


def test_a_reopened_case_can_be_offered_again_and_keeps_who_helped(db_session, make_volunteer,
                                                                  make_case, make_staff):
    first, second = make_volunteer("Ann First"), make_volunteer("Bob Second", "WR2 4AA")
    case = make_case()
    offer_next(db_session, case, NOW, POLICY)
    handle_volunteer_sms(db_session, phone=first.phone, text="YES", now=NOW)
    handle_volunteer_sms(db_session, phone=first.phone, text="DONE", now=NOW)
    assert (case.status, case.outcome) == ("completed", "matched")
    actions.reopen_case(db_session, case, make_staff().id, "The shop was never delivered", NOW)
    assert (case.status, case.assigned_volunteer_id) == ("needs_staff", None)
    event = _events(db_session, case)[-1]
    assert event.volunteer_id == first.id and event.data["before"]["volunteer_id"] == first.id
    assert offer_refusal(case.status, case.assigned_volunteer_id) is None
    actions.assign_volunteer(db_session, case, STAFF, second.id, NOW)
    handle_volunteer_sms(db_session, phone=second.phone, text="YES", now=NOW)
    assert (case.status, case.assigned_volunteer_id) == ("assigned", second.id)


def test_merging_needs_both_cases_open_and_says_which_has_ended(db_session, make_case):
    from app.services.casework.merge import merge_referral

    referral = make_case(referred_by_user_id=None, referrer_organisation="Age UK Example")
    target = make_case(status="closed", outcome="handled_by_staff")
    with pytest.raises(actions.ActionError, match=f"{target.reference} has ended: reopen it"):
        merge_referral(db_session, referral, target.reference, STAFF, NOW)
    referral.status, target.status = "cancelled", "needs_staff"
    with pytest.raises(actions.ActionError, match="This case is cancelled. Reopen it"):
        merge_referral(db_session, referral, target.reference, STAFF, NOW)
    with pytest.raises(actions.ActionError, match="This case is cancelled. Reopen it"):
        actions.record_consent_by_staff(db_session, referral, STAFF, True, "rang", NOW)


def test_the_offer_list_leaves_out_who_would_be_refused(db_session):
    from app.models.volunteer import VolunteerAbsence
    from app.services.casework.case_page import assignable_volunteers

    free = factories.make_volunteer(db_session, name="Ann Free")
    away = factories.make_volunteer(db_session, name="Bob Away",
                                    away_until=NOW + timedelta(days=2))
    back = factories.make_volunteer(db_session, name="Cal Back",
                                    away_until=NOW - timedelta(hours=1))
    absent = factories.make_volunteer(db_session, name="Dee Absent")
    db_session.add(VolunteerAbsence(volunteer_id=absent.id, starts_on=NOW.date(),
                                    ends_on=NOW.date() + timedelta(days=3), created_at=NOW))
    paused = factories.make_volunteer(db_session, name="Eve Paused", active=False)
    db_session.flush()
    listed = {v.id for v in assignable_volunteers(db_session, NOW)}
    assert {free.id, back.id} <= listed
    assert not listed & {away.id, absent.id, paused.id}
    case = factories.make_case(db_session)
    for volunteer, words in ((away, "is away"), (absent, "dated absence"), (paused, "paused")):
        with pytest.raises(actions.ActionError, match=words):
            actions.assign_volunteer(db_session, case, STAFF, volunteer.id, NOW)


# --- a manual offer tells the volunteer whose offer it withdraws ------------------------


def test_manual_offer_tells_the_withdrawn_volunteer_without_details(db_session, make_volunteer,
                                                                    make_case):
    auto = make_volunteer("Ann Auto", "WR1 3AA")
    chosen = make_volunteer("Bob Chosen", "WR2 4AA")
    case = make_case()
    first = offer_next(db_session, case, NOW, POLICY).offer
    assert first.volunteer_id == auto.id
    result = actions.assign_volunteer(db_session, case, STAFF, chosen.id, NOW)
    sent = [db_session.get(Message, i) for i in result.message_ids]
    assert [(m.to_phone, m.purpose) for m in sent] == [(auto.phone, "offer_withdrawn"),
                                                       (chosen.phone, "offer")]
    assert sent[0].body == (f"Thanks - {case.reference} has been arranged another way, no need "
                            "to reply.")
    assert first.status == "withdrawn"
    # The withdrawn volunteer's late YES assigns nothing.
    reply = handle_volunteer_sms(db_session, phone=auto.phone, text="YES", now=NOW)
    assert case.assigned_volunteer_id is None and reply is not None


def test_a_withdrawal_is_kept_within_the_reserved_budget_like_the_offer():
    assert "offer_withdrawn" in RESERVED_BUDGET_PURPOSES
    assert "offer_withdrawn" not in ALWAYS_SENT_PURPOSES  # not a safety alert
    # Past the ordinary share of the budget, offers and their withdrawals still go.
    assert within_daily_budget("offer_withdrawn", 1, 95, 100)
    assert within_daily_budget("offer", 1, 95, 100)
    assert not within_daily_budget("reply", 1, 95, 100)


# --- every ending records an outcome ------------------------------------------------------


def test_staff_signpost_records_the_outcome(db_session, make_volunteer, make_case):
    volunteer = make_volunteer()
    service = _service(db_session, "signpost", phone="01632 960100")
    case = make_case()
    offer_next(db_session, case, NOW, POLICY)
    result = actions.signpost(db_session, case, STAFF, service.id, NOW)
    assert (case.status, case.outcome) == ("signposted", "signposted")
    purposes = [(db_session.get(Message, i).purpose, db_session.get(Message, i).to_phone)
                for i in result.message_ids]
    assert purposes == [("offer_withdrawn", volunteer.phone), ("signpost", case.phone)]


def test_volunteer_done_records_matched_even_after_matching_gave_up(db_session, make_volunteer,
                                                                     make_case):
    volunteer = make_volunteer()
    case = make_case(outcome="unmet", outcome_reason="2 volunteers asked, none took it")
    actions.assign_volunteer(db_session, case, STAFF, volunteer.id, NOW)
    handle_volunteer_sms(db_session, phone=volunteer.phone, text="YES", now=NOW)
    handle_volunteer_sms(db_session, phone=volunteer.phone, text="DONE", now=NOW)
    assert (case.status, case.outcome, case.outcome_reason) == ("completed", "matched", None)


def test_offers_exhausted_records_unmet_and_hands_to_staff(db_session, make_volunteer,
                                                           make_case):
    for i in range(3):
        make_volunteer(f"V{i}", "WR1 3AA")
    case = make_case()
    step = offer_next(db_session, case, NOW, POLICY)
    step = offers.decline(db_session, step.offer, NOW)
    step = offers.decline(db_session, step.offer, NOW)
    assert step.outcome == "needs_staff"
    assert (case.status, case.outcome) == ("needs_staff", "unmet")
    assert case.outcome_reason == "2 volunteers asked, none took it"
    assert "offers_exhausted" in [e.kind for e in _events(db_session, case)]
    assert _outcome_rows(db_session)["Unmet"] == 1


def test_everyone_asked_and_nobody_else_fits_is_unmet_too(db_session, make_volunteer,
                                                          make_case):
    only = make_volunteer("Only One")
    case = make_case()
    step = offer_next(db_session, case, NOW, MatchingPolicy(max_offer_attempts=5))
    assert step.offer.volunteer_id == only.id
    step = offers.decline(db_session, step.offer, NOW)
    assert step.outcome == "needs_staff" and case.outcome == "unmet"
    assert case.outcome_reason.startswith("1 volunteers asked, none took it, and nobody else")


def test_no_volunteer_at_all_is_not_called_unmet(db_session, make_case):
    case = make_case(postcode=None, latitude=None, longitude=None)
    assert offer_next(db_session, case, NOW, POLICY).outcome == "needs_staff"
    assert case.outcome is None  # nobody was asked: staff decide


def test_a_staff_offer_after_exhaustion_clears_the_provisional_unmet(db_session,
                                                                     make_volunteer, make_case):
    volunteer = make_volunteer()
    case = make_case(status="needs_staff", outcome="unmet", outcome_reason="nobody took it")
    actions.assign_volunteer(db_session, case, STAFF, volunteer.id, NOW)
    assert (case.status, case.outcome, case.outcome_reason) == ("offered", None, None)


def test_the_outcome_report_counts_every_ending(db_session, make_case):
    for outcome in ("matched", "signposted", "handled_by_staff", "unmet", "withdrawn",
                    "merged"):
        make_case(status="closed", outcome=outcome, created_at=NOW)
    make_case(created_at=NOW)
    rows = _outcome_rows(db_session)
    assert rows["Withdrawn by the resident"] == 1 and rows["Merged into another request"] == 1
    assert rows["No outcome yet"] == 1 and rows["Total"] == 7
