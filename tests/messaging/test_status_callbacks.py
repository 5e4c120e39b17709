"""Status callbacks: unordered and duplicated, failures on offers, 21610 (opt-out), and the
/twilio/status webhook end to end (signed, 200 empty TwiML, 400 for malformed)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.domain.enums import MessageStatus
from app.models.base import utcnow
from app.models.message import Message, MessageStatusEvent
from app.services.delivery.status import (
    MalformedCallback,
    apply_message_callback,
    parse_message_callback,
)
from tests.messaging.conftest import VOLUNTEER_PHONE

SID = "SM" + "0123456789abcdef" * 2


def _message(db_session, status: str = "queued", sid: str | None = SID, **kw) -> Message:
    message = Message(
        direction="outbound",
        to_phone=VOLUNTEER_PHONE,
        body="offer",
        status=status,
        twilio_sid=sid,
        idempotency_key=f"k-{sid}",
        **kw,
    )
    db_session.add(message)
    db_session.flush()
    return message


def _apply(db_session, status: str, *, sid: str = SID, query: dict | None = None, **form):
    callback = parse_message_callback(
        {"MessageSid": sid, "MessageStatus": status, **form}, query or {}
    )
    return apply_message_callback(db_session, callback, utcnow())


def _events(db_session, sid: str = SID) -> list[str]:
    return sorted(
        db_session.scalars(
            select(MessageStatusEvent.status).where(MessageStatusEvent.message_sid == sid)
        )
    )


def test_out_of_order_and_duplicated_callbacks_only_move_forward(db_session):
    """Delivered, sent, queued, delivered x3, failed -> delivered; first final state wins."""
    message = _message(db_session)
    history = []
    for status in ["delivered", "sent", "queued", "delivered", "delivered", "delivered", "failed"]:
        _apply(db_session, status, ErrorCode="30003" if status == "failed" else "")
        history.append(message.status)
    assert history == ["delivered"] * 7
    assert message.error_code is None  # the late "failed" is evidence only
    assert _events(db_session) == ["delivered", "failed", "queued", "sent"]


def test_states_move_forward_in_order(db_session):
    message = _message(db_session)
    seen = []
    for status in ["sending", "queued", "sent", "sending", "undelivered", "delivered"]:
        _apply(db_session, status, ErrorCode="30006" if status == "undelivered" else "")
        seen.append(message.status)
    assert seen == ["sending", "sending", "sent", "sent", "undelivered", "undelivered"]
    assert message.error_code == 30006


def test_price_is_recorded(db_session):
    message = _message(db_session)
    _apply(db_session, "delivered", Price="-0.04000", PriceUnit="GBP")
    assert str(message.price) == "-0.04000" and message.price_unit == "GBP"


def test_21610_on_a_callback_opts_the_volunteer_out(db_session, volunteer):
    message = _message(db_session)
    _apply(db_session, "failed", ErrorCode="21610")
    db_session.refresh(volunteer)
    assert message.status == "failed" and volunteer.opted_out is True


def test_an_undelivered_offer_is_handed_to_matching_once(db_session, offer_id, matching_spy):
    _message(db_session, offer_id=offer_id)
    assert _apply(db_session, "undelivered", ErrorCode="30003") == [987]
    assert _apply(db_session, "failed", ErrorCode="30003") == []  # already final
    assert _apply(db_session, "undelivered", ErrorCode="30003") == []  # duplicate
    assert matching_spy == [offer_id]


def test_a_delivered_offer_is_not_handed_to_matching(db_session, offer_id, matching_spy):
    _message(db_session, offer_id=offer_id)
    assert _apply(db_session, "delivered") == []
    assert matching_spy == []


def test_a_callback_names_a_maybe_sent_row_by_its_id(db_session):
    """The send's answer was lost (row `unknown`, no SID): ?m=<id> in our callback URL ties
    Twilio's SID to the row, so it is never sent again."""
    message = _message(db_session, status="unknown", sid=None)
    _apply(db_session, "sent", sid=SID, query={"m": str(message.id)})
    assert (message.twilio_sid, message.status) == (SID, "sent")


def test_a_callback_cannot_steal_a_row_that_has_a_sid(db_session):
    message = _message(db_session, status="queued")
    other = "SM" + "f" * 32
    _apply(db_session, "failed", sid=other, query={"m": str(message.id)})
    assert (message.twilio_sid, message.status) == (SID, "queued")


def test_unknown_message_sid_is_stored_and_ignored(db_session):
    assert _apply(db_session, "delivered", sid="SM" + "e" * 32) == []
    assert _events(db_session, "SM" + "e" * 32) == ["delivered"]


@pytest.mark.parametrize(
    "form",
    [
        {},
        {"MessageStatus": "delivered"},
        {"MessageSid": SID},
        {"MessageSid": SID, "MessageStatus": "exploded"},
        {"MessageSid": "SM" + "x" * 80, "MessageStatus": "sent"},
    ],
)
def test_malformed_callbacks_are_refused(form):
    with pytest.raises(MalformedCallback):
        parse_message_callback(form, {})


def test_no_pii_is_kept_in_the_event(db_session):
    _message(db_session)
    _apply(db_session, "delivered", To=VOLUNTEER_PHONE, From="+441632960000", Body="secret")
    raw = db_session.scalar(select(MessageStatusEvent.raw))
    assert set(raw) == {"MessageSid", "MessageStatus"}


# --- through the webhook -----------------------------------------------------------------------


def test_webhook_applies_callbacks_and_answers_empty_twiml(twilio_post, db_session):
    message = _message(db_session)
    for status in ["delivered", "sent", "delivered"]:
        response = twilio_post(
            "/twilio/status",
            {"MessageSid": SID, "MessageStatus": status, "AccountSid": "AC" + "1" * 32},
        )
        assert response.status_code == 200
        assert response.mimetype == "text/xml"
        assert b"<Response" in response.data and b"<Message" not in response.data
    db_session.expire_all()
    assert db_session.get(Message, message.id).status == MessageStatus.DELIVERED
    count = db_session.scalar(select(func.count()).select_from(MessageStatusEvent))
    assert count == 2


@pytest.mark.parametrize(
    "form",
    [{}, {"MessageSid": SID, "MessageStatus": "exploded"}, {"CallSid": "CA" + "1" * 32}],
)
def test_webhook_answers_400_to_malformed(twilio_post, form):
    assert twilio_post("/twilio/status", form).status_code == 400


def test_webhook_accepts_call_status_callbacks(twilio_post):
    response = twilio_post(
        "/twilio/status",
        {"CallSid": "CA" + "1" * 32, "CallStatus": "completed", "CallDuration": "42"},
    )
    assert response.status_code == 200


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "MessageSid",
                "SmsSid",
                "MessageStatus",
                "SmsStatus",
                "ErrorCode",
                "Price",
                "PriceUnit",
                "To",
                "Body",
            ]
        ),
        st.text(max_size=80),
    ),
    st.dictionaries(st.just("m"), st.text(max_size=15)),
)
def test_any_callback_form_parses_or_is_refused_cleanly(form, query):
    try:
        callback = parse_message_callback(form, query)
    except MalformedCallback:
        return
    assert callback.status and callback.message_sid and len(callback.message_sid) <= 64
    assert callback.error_code is None or callback.error_code >= 0
    assert "To" not in callback.raw and "Body" not in callback.raw
