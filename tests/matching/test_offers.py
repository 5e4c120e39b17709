"""Matching services against the database: offer, NO, YES, late YES, DONE, expiry, escalation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.matching import MatchingPolicy
from app.models.case import Case, CaseEvent
from app.models.message import Message
from app.models.volunteer import Offer
from app.services.matching import offers
from app.services.matching.matcher import offer_case_to, offer_next, suggest_volunteers
from app.services.matching.offers import handle_offer_undelivered
from app.services.volunteers.sms_replies import handle_volunteer_sms
from tests.matching.conftest import NOW

pytestmark = pytest.mark.clock

POLICY = MatchingPolicy(offer_timeout_seconds=600, max_offer_attempts=3)


def _messages(session: Session, **where: object) -> list[Message]:
    query = select(Message)
    for key, value in where.items():
        query = query.where(getattr(Message, key) == value)
    return list(session.scalars(query.order_by(Message.id)))


def _events(session: Session, case: Case) -> list[str]:
    return list(session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id)
                                .order_by(CaseEvent.id)))


def test_offer_goes_to_nearest_with_area_but_never_the_address(db_session, make_volunteer,
                                                               make_case) -> None:
    far = make_volunteer("Far Away", "WR2 4AA")
    near = make_volunteer("Nina Near", "WR1 3AA")
    case = make_case()
    step = offer_next(db_session, case, NOW, POLICY)
    assert step.outcome == "offered" and step.offer.volunteer_id == near.id
    assert case.status == "offered" and case.offer_attempts == 1
    [sms] = _messages(db_session, purpose="offer")
    assert sms.idempotency_key == f"offer:{step.offer.id}" and sms.to_phone == near.phone
    assert case.reference in sms.body and "WR1 (Worcester)" in sms.body
    assert f"Reply YES {case.reference} to help or NO" in sms.body
    assert "High Street" not in sms.body and "WR1 3AA" not in sms.body
    assert step.offer.expires_at == NOW + timedelta(seconds=600)
    assert step.offer.explanation["rank"] == 1 and step.offer.explanation["eligible"] == 2
    assert step.offer.explanation["policy"]["max_offer_attempts"] == 3
    assert far.id != near.id


def test_no_moves_on_then_yes_assigns_and_texts_both(db_session, make_volunteer,
                                                     make_case) -> None:
    first = make_volunteer("Ann First", "WR1 3AA")
    second = make_volunteer("Bob Second", "WR2 4AA")
    case = make_case()
    offer_next(db_session, case, NOW, POLICY)
    reply = handle_volunteer_sms(db_session, phone=first.phone, text="no thanks", now=NOW)
    assert reply is not None and "No problem" in reply.reply
    assert len(reply.message_ids) == 1  # the offer to the second volunteer
    reply = handle_volunteer_sms(db_session, phone=second.phone,
                                 text=f"Yes! {case.reference.lower()}", now=NOW)
    assert reply is not None and reply.reply == "" and len(reply.message_ids) == 2
    db_session.refresh(case)
    assert case.status == "assigned" and case.assigned_volunteer_id == second.id
    to_volunteer, to_resident = (db_session.get(Message, i) for i in reply.message_ids)
    assert to_volunteer.to_phone == second.phone and "Mary" in to_volunteer.body
    assert "07700 900001" in to_volunteer.body and "1 High Street" in to_volunteer.body
    assert to_resident.to_phone == case.phone and "Bob will contact you" in to_resident.body
    assert _events(db_session, case)[-3:] == ["declined", "offered", "assigned"]


def test_address_is_shared_only_with_consent(db_session, make_volunteer, make_case) -> None:
    volunteer = make_volunteer()
    case = make_case(consent_to_share=True)
    offer_next(db_session, case, NOW, POLICY)
    reply = handle_volunteer_sms(db_session, phone=volunteer.phone, text="YES 👍", now=NOW)
    body = db_session.get(Message, reply.message_ids[0]).body
    assert "Address: 1 High Street, Worcester, WR1 3AA." in body


def test_without_consent_no_volunteer_is_ever_asked(db_session, make_volunteer,
                                                    make_case) -> None:
    make_volunteer()
    case = make_case(consent_to_share=False)
    step = offer_next(db_session, case, NOW, POLICY)
    assert step.outcome == "needs_staff" and step.offer is None
    assert case.status == "needs_staff" and case.needs_staff_reason == "no consent to share"


def test_late_yes_after_another_took_it_is_thanked_not_assigned(db_session, make_volunteer,
                                                                make_case) -> None:
    first = make_volunteer("Ann First", "WR1 3AA")
    second = make_volunteer("Bob Second", "WR2 4AA")
    case = make_case()
    step = offer_next(db_session, case, NOW, POLICY)
    offers.expire(db_session, step.offer.id, NOW + timedelta(seconds=601), POLICY)
    handle_volunteer_sms(db_session, phone=second.phone, text="Y", now=NOW)
    late = handle_volunteer_sms(db_session, phone=first.phone, text=f"YES {case.reference}",
                                now=NOW)
    assert late is not None and "already covered" in late.reply
    db_session.refresh(case)
    assert case.assigned_volunteer_id == second.id
    assert _events(db_session, case)[-1] == "late_yes"


def test_late_yes_after_expiry_is_told_the_request_is_closed(db_session, make_volunteer,
                                                             make_case) -> None:
    first = make_volunteer("Ann First", "WR1 3AA")
    second = make_volunteer("Bob Second", "WR2 4AA")
    case = make_case()
    step = offer_next(db_session, case, NOW, POLICY)
    offers.expire(db_session, step.offer.id, NOW + timedelta(seconds=601), POLICY)
    reply = handle_volunteer_sms(db_session, phone=first.phone, text=f"YES {case.reference}",
                                 now=NOW + timedelta(seconds=700))
    db_session.refresh(case)
    assert reply.reply == (f"Thank you! {case.reference}: this request is now closed, so no "
                           "need to do anything.")
    assert case.assigned_volunteer_id is None and case.status == "offered"
    statuses = {o.volunteer_id: o.status for o in db_session.scalars(select(Offer))}
    assert statuses == {first.id: "expired", second.id: "pending"}  # moved on at expiry


def test_yes_after_the_time_but_before_the_expiry_job_is_closed(db_session, make_volunteer,
                                                                make_case) -> None:
    first = make_volunteer("Ann First", "WR1 3AA")
    case = make_case()
    step = offer_next(db_session, case, NOW, POLICY)
    late = step.offer.expires_at + timedelta(seconds=1)
    reply = handle_volunteer_sms(db_session, phone=first.phone, text="YES", now=late)
    assert "now closed" in reply.reply and case.assigned_volunteer_id is None


@pytest.mark.parametrize("change", ["paused", "rejected", "opted_out", "dbs_lapsed"])
def test_yes_from_a_volunteer_no_longer_eligible_assigns_nothing(
        db_session, make_volunteer, make_case, change) -> None:
    first = make_volunteer("Ann First", "WR1 3AA")
    second = make_volunteer("Bob Second", "WR2 4AA")
    case = make_case()
    offer_next(db_session, case, NOW, POLICY)
    if change == "paused":
        first.active = False
    elif change == "rejected":
        first.approval_status = "rejected"
    elif change == "opted_out":
        first.opted_out = True
    else:
        first.dbs_expires_on = NOW.date()
    db_session.flush()
    reply = handle_volunteer_sms(db_session, phone=first.phone, text="YES", now=NOW)
    db_session.refresh(case)
    assert "cannot pass you" in reply.reply and case.reference in reply.reply
    assert case.assigned_volunteer_id is None
    assert len(reply.message_ids) == 1  # the case moved on: the offer to the next volunteer
    assert db_session.get(Message, reply.message_ids[0]).to_phone == second.phone


def test_yes_on_a_case_raised_to_safeguarding_is_closed(db_session, make_volunteer,
                                                        make_case) -> None:
    first = make_volunteer("Ann First", "WR1 3AA")
    case = make_case()
    offer_next(db_session, case, NOW, POLICY)
    case.urgency = "safeguarding"  # e.g. raised by words in a later SMS
    db_session.flush()
    reply = handle_volunteer_sms(db_session, phone=first.phone, text="YES", now=NOW)
    assert "now closed" in reply.reply and case.assigned_volunteer_id is None


def test_expiry_twice_moves_on_once_and_exhaustion_needs_staff(db_session, make_volunteer,
                                                               make_case) -> None:
    make_volunteer("Only One")
    case = make_case()
    step = offer_next(db_session, case, NOW, POLICY)
    later = NOW + timedelta(seconds=601)
    assert offers.expire(db_session, step.offer.id, NOW, POLICY).detail == "offer not due yet"
    assert offers.expire(db_session, step.offer.id, later, POLICY).outcome == "needs_staff"
    assert offers.expire(db_session, step.offer.id, later, POLICY).outcome == "nothing"
    assert case.status == "needs_staff" and not case.needs_matching
    assert _events(db_session, case).count("needs_staff") == 1


def test_max_attempts_escalates(db_session, make_volunteer, make_case) -> None:
    for i in range(5):
        make_volunteer(f"V{i}", "WR1 3AA")
    case = make_case()
    step = offer_next(db_session, case, NOW, MatchingPolicy(max_offer_attempts=2))
    step = offers.decline(db_session, step.offer, NOW)
    assert step.outcome == "offered"
    step = offers.decline(db_session, step.offer, NOW)
    assert step.outcome == "needs_staff" and "2 volunteers asked" in step.detail


def test_undelivered_offer_moves_to_next(db_session, make_volunteer, make_case) -> None:
    make_volunteer("Ann First", "WR1 3AA")
    second = make_volunteer("Bob Second", "WR2 4AA")
    case = make_case()
    step = offer_next(db_session, case, NOW, POLICY)
    ids = handle_offer_undelivered(db_session, step.offer.id, NOW)
    assert len(ids) == 1 and db_session.get(Message, ids[0]).to_phone == second.phone
    assert handle_offer_undelivered(db_session, step.offer.id, NOW) == []
    assert "offer_undelivered" in _events(db_session, case)


def test_opted_out_volunteer_is_skipped_and_never_texted(db_session, make_volunteer,
                                                         make_case) -> None:
    make_volunteer("Opted Out", "WR1 3AA", opted_out=True)
    other = make_volunteer("Bob Second", "WR2 4AA")
    step = offer_next(db_session, make_case(), NOW, POLICY)
    assert step.offer.volunteer_id == other.id


def test_no_location_goes_to_staff_with_reason(db_session, make_volunteer, make_case) -> None:
    make_volunteer()
    case = make_case(postcode=None, latitude=None, longitude=None)
    step = offer_next(db_session, case, NOW, POLICY)
    assert step.outcome == "needs_staff" and "no location" in step.detail


def test_done_completes_and_thanks_both(db_session, make_volunteer, make_case) -> None:
    volunteer = make_volunteer()
    case = make_case()
    offer_next(db_session, case, NOW, POLICY)
    handle_volunteer_sms(db_session, phone=volunteer.phone, text="yes", now=NOW)
    reply = handle_volunteer_sms(db_session, phone=volunteer.phone, text="Done.", now=NOW)
    assert reply is not None and "Thank you for helping" in reply.reply
    db_session.refresh(case)
    assert case.status == "completed" and case.outcome == "matched"
    [thanks] = _messages(db_session, purpose="completed")
    assert thanks.to_phone == case.phone
    again = handle_volunteer_sms(db_session, phone=volunteer.phone,
                                 text=f"DONE {case.reference}", now=NOW)
    assert "no open request" in again.reply
    assert handle_volunteer_sms(db_session, phone=volunteer.phone, text="done", now=NOW) is None


def test_yes_with_no_offer_is_left_to_the_resident_flow(db_session, make_volunteer) -> None:
    volunteer = make_volunteer()
    assert handle_volunteer_sms(db_session, phone=volunteer.phone, text="yes", now=NOW) is None
    named = handle_volunteer_sms(db_session, phone=volunteer.phone, text="YES H2H-7K3Q",
                                 now=NOW)
    assert named is not None and "no offer waiting" in named.reply


def test_several_offers_need_a_reference(db_session, make_volunteer, make_case) -> None:
    volunteer = make_volunteer()
    one, two = make_case(), make_case(phone="+447700900002")
    offer_next(db_session, one, NOW, POLICY)
    offer_next(db_session, two, NOW, POLICY)
    ask = handle_volunteer_sms(db_session, phone=volunteer.phone, text="yes", now=NOW)
    assert "more than one" in ask.reply and one.reference in ask.reply
    handle_volunteer_sms(db_session, phone=volunteer.phone, text=f"YES {two.reference}", now=NOW)
    db_session.refresh(two)
    db_session.refresh(one)
    assert two.status == "assigned" and one.status == "offered"


@pytest.mark.parametrize("text", ["hello", "I need help", "yes please help me with my shopping"])
def test_other_text_is_left_to_the_resident_flow(db_session, make_volunteer, text) -> None:
    volunteer = make_volunteer()
    assert handle_volunteer_sms(db_session, phone=volunteer.phone, text=text, now=NOW) is None


def test_yes_from_a_non_volunteer_is_left_to_the_resident_flow(db_session) -> None:
    assert handle_volunteer_sms(db_session, phone="+447700900999", text="YES", now=NOW) is None


def test_join_creates_one_pending_volunteer(db_session) -> None:
    reply = handle_volunteer_sms(db_session, phone="+447700900555", text="JOIN Sam Patel",
                                 now=NOW)
    assert reply is not None and reply.reply.endswith("What is your postcode? e.g. WR1 2NN")
    again = handle_volunteer_sms(db_session, phone="+447700900555", text="join", now=NOW)
    assert again.reply == "Welcome back! To finish signing up: What is your postcode? e.g. WR1 2NN"
    from app.models.volunteer import Volunteer

    [pending] = db_session.scalars(select(Volunteer).where(Volunteer.phone == "+447700900555"))
    assert (pending.name, pending.approval_status, pending.source) == (
        "Sam Patel", "pending", "sms_join")
    assert pending.active  # approval is the gate: once approved, offers can go to them


def test_suggestions_and_manual_offer(db_session, make_volunteer, make_case) -> None:
    near = make_volunteer("Nina Near", "WR1 3AA")
    far = make_volunteer("Far Away", "WR2 4AA")
    case = make_case()
    suggestions = suggest_volunteers(db_session, case, NOW)
    assert [s.volunteer_id for s in suggestions] == [near.id, far.id]
    assert suggestions[0].reasons and suggestions[0].distance_km < suggestions[1].distance_km
    step = offer_case_to(db_session, case, far.id, NOW)
    assert step.outcome == "offered" and step.offer.explanation["reasons"] == ["chosen by staff"]


def test_pausing_withdraws_open_offers_and_asks_the_next_volunteer(db_session, make_volunteer,
                                                                    make_case) -> None:
    from app.services.volunteers.admin import set_active
    from app.services.volunteers.eligibility import withdraw_ineligible_offers

    first = make_volunteer("Ann First", "WR1 3AA")
    second = make_volunteer("Bob Second", "WR2 4AA")
    case = make_case()
    step = offer_next(db_session, case, NOW, POLICY)
    set_active(first, False, NOW)
    withdrawn = withdraw_ineligible_offers(db_session, first, NOW, "paused")
    sent = [db_session.get(Message, i) for i in withdrawn.message_ids]
    assert step.offer.status == "withdrawn"
    assert [m.to_phone for m in sent] == [first.phone, second.phone]
    assert "now closed" in sent[0].body and "High Street" not in sent[0].body
    # Resuming changes nothing already withdrawn; a still-eligible holder keeps their offer.
    set_active(first, True, NOW)
    assert withdraw_ineligible_offers(db_session, second, NOW, "edited").message_ids == []


def test_lapsed_dbs_checks_withdraw_their_open_offers(db_session, make_volunteer,
                                                      make_case) -> None:
    from app.services.volunteers.eligibility import withdraw_lapsed_dbs_offers

    first = make_volunteer("Ann First", "WR1 3AA")
    make_volunteer("Bob Second", "WR2 4AA")
    case = make_case()
    step = offer_next(db_session, case, NOW, POLICY)
    assert withdraw_lapsed_dbs_offers(db_session, NOW).message_ids == []  # still valid
    first.dbs_expires_on = NOW.date()
    db_session.flush()
    withdrawn = withdraw_lapsed_dbs_offers(db_session, NOW)
    assert step.offer.status == "withdrawn" and len(withdrawn.message_ids) == 2
