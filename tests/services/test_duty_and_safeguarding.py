"""Duty (who is on duty, who may change it) and the safeguarding transition, as services."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.domain.enums import CaseStatus, Urgency
from app.models.case import SafeguardingAlert
from app.models.message import Message
from app.models.volunteer import Offer
from app.services.cases import safeguarding
from app.services.cases.safeguarding import Source, raise_safeguarding
from app.services.casework import actions
from app.services.conversations.handover import on_duty_numbers
from app.services.staff import duty
from tests import factories

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # a Tuesday, 10:00 in London


def _staff(db_session, role="coordinator", **fields):
    return factories.make_staff_user(db_session, role, **fields)


def test_staff_switch_their_own_duty_and_managers_anyones(db_session) -> None:
    handler = _staff(db_session, "call_handler", phone="+447700900011")
    other = _staff(db_session, "call_handler", phone="+447700900012")
    coordinator = _staff(db_session, "coordinator", phone="+447700900013")
    duty.set_duty(db_session, handler, handler, True, NOW)
    assert duty.is_on_duty(handler, NOW)
    with pytest.raises(duty.DutyError, match="someone else"):
        duty.set_duty(db_session, handler, other, True, NOW)
    duty.set_duty(db_session, coordinator, other, True, NOW)
    assert [u.id for u in duty.on_duty_staff(db_session, NOW)] == [handler.id, other.id]


def test_duty_needs_a_phone_and_an_active_staff_account(db_session) -> None:
    no_phone = _staff(db_session, "call_handler")
    partner = _staff(db_session, "partner", phone="+447700900014")
    with pytest.raises(duty.DutyError, match="no mobile"):
        duty.set_duty(db_session, None, no_phone, True, NOW)
    with pytest.raises(duty.DutyError, match="cannot be on duty"):
        duty.set_duty(db_session, None, partner, True, NOW)


def test_only_managers_set_phones_and_clearing_it_ends_duty(db_session) -> None:
    handler = _staff(db_session, "call_handler", phone="+447700900015")
    admin = _staff(db_session, "admin")
    with pytest.raises(duty.DutyError, match="coordinator or an admin"):
        duty.set_phone(db_session, handler, handler, "07700 900016", region="GB", now=NOW)
    assert duty.set_phone(db_session, admin, handler, "07700 900016", region="GB",
                          now=NOW) == "+447700900016"
    duty.set_duty(db_session, None, handler, True, NOW)
    assert duty.set_phone(db_session, admin, handler, "  ", region="GB", now=NOW) is None
    assert not handler.on_duty and not duty.is_on_duty(handler, NOW)
    with pytest.raises(duty.DutyError, match="not a phone number"):
        duty.set_phone(db_session, admin, handler, "call me\x00", region="GB", now=NOW)


def test_the_rota_puts_people_on_duty_and_the_hand_over_rings_them(db_session) -> None:
    handler = _staff(db_session, "call_handler", phone="+447700900017")
    duty.add_rota_slot(db_session, handler, handler, 1, "09:00", "17:00")  # Tuesdays
    assert duty.is_on_duty(handler, NOW)
    assert on_duty_numbers(db_session, NOW) == ["+447700900017"]
    assert on_duty_numbers(db_session, NOW + timedelta(hours=8)) == []
    with pytest.raises(duty.DutyError, match="overlaps"):
        duty.add_rota_slot(db_session, handler, handler, 1, "16:00", "18:00")
    line = next(ln for ln in duty.roster(db_session, NOW) if ln.user.id == handler.id)
    assert line.on_duty and line.by_rota
    window = handler.duty_windows[0]
    duty.remove_rota_slot(db_session, handler, window.id)
    assert not duty.is_on_duty(handler, NOW)


def _alert_phones(db_session, message_ids) -> list[str]:
    rows = db_session.scalars(select(Message).where(Message.id.in_(message_ids))
                              .order_by(Message.id))
    return [m.to_phone for m in rows if m.purpose == "safeguarding_alert"]


def test_staff_raise_withdraws_offers_and_texts_the_on_duty_coordinator(db_session) -> None:
    on = _staff(db_session, phone="+447700900021", on_duty=True, duty_set_at=NOW)
    _staff(db_session, phone="+447700900022")  # off duty: not texted
    handler = _staff(db_session, "call_handler")
    volunteer = factories.make_volunteer(db_session)
    case = factories.make_case(db_session, status=CaseStatus.OFFERED, details="Needs shopping")
    offer = Offer(case_id=case.id, volunteer_id=volunteer.id, attempt=1, status="sent")
    db_session.add(offer)
    db_session.flush()
    result = actions.edit_case(db_session, case, handler.id, category=case.category,
                               need=case.need, urgency=Urgency.SAFEGUARDING,
                               details=case.details, now=NOW)
    assert case.status == CaseStatus.NEEDS_STAFF and case.urgency == Urgency.SAFEGUARDING
    assert offer.status == "withdrawn"
    texts = db_session.scalars(select(Message).where(Message.id.in_(result.message_ids))).all()
    closed = [m for m in texts if m.purpose == "offer_withdrawn"]
    assert [m.to_phone for m in closed] == [volunteer.phone]
    assert "Needs shopping" not in closed[0].body and "closed" in closed[0].body
    assert _alert_phones(db_session, result.message_ids) == [on.phone]
    alert = db_session.scalar(select(SafeguardingAlert).where(SafeguardingAlert.case_id == case.id))
    assert alert.source == Source.STAFF and alert.raised_by_user_id == handler.id
    assert not alert.escalated
    # A second raising while the alert is open texts nobody again.
    again = raise_safeguarding(db_session, case, source=Source.WORDS, now=NOW, phrases=["x"])
    assert again.alert is None and _alert_phones(db_session, again.message_ids) == []


def test_nobody_on_duty_escalates_to_coordinators_and_the_numbers(db_session) -> None:
    a = _staff(db_session, phone="+447700900031")
    b = _staff(db_session, phone="+447700900032")
    _staff(db_session)  # no phone
    case = factories.make_case(db_session)
    raised = raise_safeguarding(db_session, case, source=Source.API, now=NOW,
                                alert_numbers=("+447700900999", a.phone))
    assert raised.alert.escalated
    assert _alert_phones(db_session, raised.message_ids) == [a.phone, b.phone, "+447700900999"]
    bodies = {m.body for m in db_session.scalars(select(Message).where(
        Message.id.in_(raised.message_ids)))}
    assert bodies == {f"Safeguarding case {case.reference} needs a coordinator now."}


def test_acknowledge_contact_and_stand_down(db_session) -> None:
    handler = _staff(db_session, "call_handler")
    coordinator = _staff(db_session)
    case = factories.make_case(db_session)
    raise_safeguarding(db_session, case, source=Source.STAFF, now=NOW, staff_user_id=handler.id)
    assert [c.reference for _, c in safeguarding.open_alerts(db_session)] == [case.reference]
    later = NOW + timedelta(minutes=7)
    assert safeguarding.acknowledge(db_session, case, handler, later) == 1
    assert safeguarding.open_alerts(db_session) == []
    assert safeguarding.record_first_contact(db_session, case, handler,
                                             later + timedelta(minutes=5)) == 1
    with pytest.raises(safeguarding.SafeguardingError, match="Only a coordinator"):
        safeguarding.stand_down(db_session, case, handler, "not needed", later)
    with pytest.raises(safeguarding.SafeguardingError, match="reason"):
        safeguarding.stand_down(db_session, case, coordinator, " \x00 ", later)
    with pytest.raises(actions.ActionError, match="stood down by a coordinator"):
        actions.edit_case(db_session, case, handler.id, category=case.category, need=case.need,
                          urgency="routine", details=None, now=later)
    safeguarding.stand_down(db_session, case, coordinator, "Resident was quoting a film", later)
    alert = db_session.scalar(select(SafeguardingAlert).where(SafeguardingAlert.case_id == case.id))
    assert case.urgency == Urgency.ROUTINE and case.status == CaseStatus.NEEDS_STAFF
    assert alert.stood_down_by_user_id == coordinator.id
    assert alert.stand_down_reason == "Resident was quoting a film"
    assert (alert.acknowledged_at - alert.raised_at) == timedelta(minutes=7)


def test_consent_no_goes_to_staff_withdraws_offers_and_a_later_yes_resumes(db_session) -> None:
    from app.services.cases.consent import ConsentWording, record_consent

    volunteer = factories.make_volunteer(db_session)
    case = factories.make_case(db_session, status=CaseStatus.OFFERED)
    offer = Offer(case_id=case.id, volunteer_id=volunteer.id, attempt=1, status="sent")
    db_session.add(offer)
    db_session.flush()
    wording = ConsentWording("flow@1:consent:en", "May we?", "en")
    refused = record_consent(db_session, case, answer=False, channel="sms", now=NOW,
                             wording=wording)
    assert case.status == CaseStatus.NEEDS_STAFF
    assert case.needs_staff_reason == "no consent to share"
    assert offer.status == "withdrawn" and len(refused.message_ids) == 1
    assert refused.record.wording_sha256 == hashlib.sha256(b"May we?").hexdigest()
    with pytest.raises(actions.ActionError, match="not agreed"):
        actions.assign_volunteer(db_session, case, 1, volunteer.id, NOW)
    handler = _staff(db_session, "call_handler")
    with pytest.raises(actions.ActionError, match="how and when"):
        actions.record_consent_by_staff(db_session, case, handler.id, True, " ", NOW)
    result, rematch = actions.record_consent_by_staff(db_session, case, handler.id, True,
                                                      "Said yes on the phone", NOW)
    assert rematch and case.status == CaseStatus.NEW and case.needs_matching
    assert case.consent_to_share and case.needs_staff_reason is None


def test_staff_cannot_offer_a_case_to_a_volunteer_who_is_away(db_session) -> None:
    volunteer = factories.make_volunteer(db_session)
    case = factories.make_case(db_session, status=CaseStatus.NEW)
    handler = _staff(db_session, "call_handler")
    volunteer.away_until = NOW + timedelta(days=3)
    db_session.flush()
    with pytest.raises(actions.ActionError, match="is away"):
        actions.assign_volunteer(db_session, case, handler.id, volunteer.id, NOW)
    assert db_session.scalar(select(Offer.id).where(Offer.case_id == case.id)) is None
    volunteer.away_until = NOW - timedelta(minutes=1)  # back: the offer goes
    result = actions.assign_volunteer(db_session, case, handler.id, volunteer.id, NOW)
    assert result.summary == f"Offer sent to {volunteer.name}."
