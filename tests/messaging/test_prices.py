"""Twilio's final prices (app.services.delivery.pricing), with the real `twilio` client against
the fake REST server: null at first, priced on a later fetch; checks armed by the final status
callback only with the Twilio backend; given up at the cap."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app import create_app
from app.adapters.twilio.prices import TwilioPriceSource
from app.models.message import Call, Message
from app.services.delivery import pricing
from app.services.messaging.outbox import queue_sms
from tests.messaging.conftest import RESIDENT_PHONE
from tests.plugins.twilio_webhooks import BASE_URL, sign

NOW = datetime(2026, 6, 2, 9, 30, tzinfo=UTC)
POLICY = pricing.PricePolicy(first_delay_seconds=30, max_attempts=3)


@pytest.fixture
def source(twilio_settings) -> TwilioPriceSource:
    return TwilioPriceSource(account_sid=twilio_settings.twilio_account_sid,
                             auth_token=twilio_settings.twilio_auth_token,
                             api_base_url=twilio_settings.twilio_api_base_url, timeout=2.0)


@pytest.fixture
def sent(db_session, twilio_sender) -> Message:
    """An SMS Twilio has delivered (its price not known yet)."""
    message = queue_sms(db_session, to_phone=RESIDENT_PHONE, body="Your volunteer is on the way",
                        purpose="reply", idempotency_key="price-1", now=NOW)
    message.twilio_sid = twilio_sender.send(RESIDENT_PHONE, message.body,
                                            idempotency_key="price-1").sid
    message.status = "delivered"
    db_session.commit()
    return message


def _post_status(app, settings, form):
    """Signed as Twilio signs it: the public URL when one is set, else the request's."""
    client = app.test_client()
    url = (settings.public_base_url or BASE_URL) + "/twilio/status"
    return client.post("/twilio/status", data=form,
                       headers={"X-Twilio-Signature": sign(settings.twilio_auth_token, url, form)})


def test_null_on_the_first_fetch_priced_on_a_later_one(db_session, session_factory, sent,
                                                       source, fake_twilio):
    fake_twilio.price_after(gets=1, price="-0.0400")
    check = pricing.arm_after_final_status(db_session, "message", sent.twilio_sid, NOW, POLICY)
    db_session.commit()
    assert check == pricing.PriceCheck("message", sent.id, 0, 30)
    first = pricing.check_price(session_factory, source, "message", sent.id, NOW, POLICY)
    assert first.outcome == "retry"
    assert first.next_check == pricing.PriceCheck("message", sent.id, 1, 60)  # doubled
    db_session.refresh(sent)
    assert sent.price is None and sent.price_checks == 1
    assert sent.price_check_due_at == NOW + timedelta(seconds=60)
    second = pricing.check_price(session_factory, source, "message", sent.id, NOW, POLICY)
    assert second == pricing.Priced("priced")
    db_session.refresh(sent)
    assert (sent.price, sent.price_unit, sent.price_check_due_at) == (
        Decimal("-0.04000"), "GBP", None)
    assert fake_twilio.fetches(sent.twilio_sid) == 2
    # Priced: a late twin run asks Twilio nothing.
    assert pricing.check_price(session_factory, source, "message", sent.id, NOW,
                               POLICY).outcome == "nothing"
    assert fake_twilio.fetches(sent.twilio_sid) == 2


def test_gives_up_at_the_cap(db_session, session_factory, sent, source, fake_twilio):
    fake_twilio.price_after(gets=10)
    pricing.arm_after_final_status(db_session, "message", sent.twilio_sid, NOW, POLICY)
    db_session.commit()
    outcomes = [pricing.check_price(session_factory, source, "message", sent.id, NOW,
                                    POLICY).outcome for _ in range(4)]
    assert outcomes == ["retry", "retry", "gave_up", "nothing"]
    assert fake_twilio.fetches(sent.twilio_sid) == 3
    db_session.refresh(sent)
    assert sent.price is None and sent.price_check_due_at is None


def test_unknown_sid_gives_up_at_once(db_session, session_factory, source, fake_twilio):
    message = queue_sms(db_session, to_phone=RESIDENT_PHONE, body="hi", purpose="reply",
                        idempotency_key="price-404", now=NOW)
    message.twilio_sid, message.status = "SM" + "0" * 32, "delivered"
    pricing.arm_after_final_status(db_session, "message", message.twilio_sid, NOW, POLICY)
    db_session.commit()
    assert pricing.check_price(session_factory, source, "message", message.id, NOW,
                               POLICY).outcome == "gave_up"


def test_a_call_is_priced_too(db_session, session_factory, source, fake_twilio):
    fake_twilio.price_after(gets=0, price="-0.0150")
    sid = fake_twilio.add_call()
    db_session.add(Call(call_sid=sid, status="completed"))
    db_session.flush()
    check = pricing.arm_after_final_status(db_session, "call", sid, NOW, POLICY)
    db_session.commit()
    assert pricing.check_price(session_factory, source, "call", check.row_id, NOW,
                               POLICY).outcome == "priced"
    call = db_session.scalar(select(Call).where(Call.call_sid == sid))
    assert (call.price, call.price_unit) == (Decimal("-0.01500"), "GBP")


def test_final_status_callback_arms_a_check_only_with_twilio(db_session, runtime, settings,
                                                             twilio_runtime, sent, redis_conn):
    runtime.use_redis(redis_conn)
    form = {"MessageSid": sent.twilio_sid, "MessageStatus": "delivered",
            "AccountSid": settings.twilio_account_sid}
    record_app = create_app(runtime=runtime)  # SMS_BACKEND=record: no Twilio to ask
    sent.status = "sent"
    db_session.commit()
    assert _post_status(record_app, settings, form).status_code == 200
    db_session.refresh(sent)
    assert sent.status == "delivered" and sent.price_check_due_at is None
    other = dataclasses.replace(twilio_runtime, _redis=redis_conn)
    sent.status = "sent"
    db_session.commit()
    form["MessageStatus"] = "undelivered"  # another final status, stored once more
    assert _post_status(create_app(runtime=other), other.settings, form).status_code == 200
    db_session.refresh(sent)
    assert sent.price_check_due_at is not None and sent.price_checks == 0
    from rq.registry import ScheduledJobRegistry
    from rq.serializers import JSONSerializer

    scheduled = ScheduledJobRegistry("default", connection=redis_conn,
                                     serializer=JSONSerializer).get_job_ids()
    assert scheduled == [f"{other.instance_id}-price-message-{sent.id}-0"]


def test_a_lost_check_is_found_by_the_sweeper_query(db_session, sent):
    pricing.arm_after_final_status(db_session, "message", sent.twilio_sid, NOW, POLICY)
    db_session.commit()
    assert pricing.overdue_checks(db_session, NOW + timedelta(seconds=31)) == []
    late = NOW + timedelta(seconds=30) + pricing.STALE + timedelta(seconds=1)
    assert pricing.overdue_checks(db_session, late) == [pricing.PriceCheck("message", sent.id,
                                                                           0, 0)]
