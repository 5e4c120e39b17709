"""A plain menu answer is worked out before the write transaction (app.services.conversations.sms
`answer_sms`); when the number changed in between, the text is handled afresh inside it. Either
way a walk leaves the same rows and gets the same replies.

The change is made between the plan and the write transaction, committed as a parallel text
from the same number would commit it.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select, update

from app.domain.enums import ConversationStatus
from app.models.conversation import Conversation
from app.models.message import Message
from app.models.resident import Resident
from app.services.conversations import sms as sms_service

PHONE = "07700900789"
E164 = "+447700900789"


@pytest.fixture
def between_plan_and_write(monkeypatch):
    """`between_plan_and_write(change)`: run `change(session)` (and commit) once, after the
    next text's plan is made; records whether that text took the planned path."""
    taken: list[str] = []

    def install(change) -> list[str]:
        real_plan, real_carry_out = sms_service._plan, sms_service._carry_out

        def plan(session, *args, **kwargs):
            made = real_plan(session, *args, **kwargs)
            change(session)
            session.commit()
            return made

        def carry_out(*args, **kwargs):
            taken.append("planned")
            return real_carry_out(*args, **kwargs)

        monkeypatch.setattr(sms_service, "_plan", plan)
        monkeypatch.setattr(sms_service, "_carry_out", carry_out)
        return taken

    return install


def test_a_plain_answer_takes_the_planned_path(send_sms, between_plan_and_write):
    send_sms(PHONE, "hi")
    taken = between_plan_and_write(lambda session: None)
    assert send_sms(PHONE, "1")[0].startswith("Privacy")
    assert taken == ["planned"]


def test_a_conversation_ended_meanwhile_is_not_advanced(send_sms, db_session,
                                                        between_plan_and_write):
    send_sms(PHONE, "hi")
    taken = between_plan_and_write(lambda session: session.execute(
        update(Conversation).where(Conversation.phone == E164)
        .values(status=ConversationStatus.ABANDONED)))
    reply = send_sms(PHONE, "1")
    assert taken == []
    assert reply[0].startswith("Welcome to Here2Help"), reply  # a new conversation, not step 2
    statuses = db_session.scalars(select(Conversation.status).order_by(Conversation.id)).all()
    assert statuses == ["abandoned", "active"]
    assert db_session.scalar(select(func.count(Message.id))) == 2


def test_an_opt_out_meanwhile_drops_the_reply(send_sms, db_session, between_plan_and_write):
    send_sms(PHONE, "hi")
    taken = between_plan_and_write(lambda session: session.add(
        Resident(phone=E164, phone_valid=True, opted_out=True)))
    assert send_sms(PHONE, "1") == []
    assert taken == []
    inbound = db_session.scalars(select(Message).order_by(Message.id)).all()
    assert [m.body for m in inbound] == ["hi", "1"]


WALK = ["hi", "2", "1", "1", "Potrzebuję chleba", "WR1 2NN", "Anna", "tak"]
REFERENCE = re.compile(r"H2H-\w+")


def _rows(session, e164: str) -> dict:
    """What a walk left, without its times and case references (random)."""
    conversation = session.scalars(select(Conversation).where(Conversation.phone == e164)).one()
    state = dict(conversation.state)
    lines = [(line["who"], line["kind"], line["channel"], "message_id" in line,
              REFERENCE.sub("H2H-?", line["text"])) for line in state.pop("transcript")]
    inbound = session.scalars(select(Message).where(Message.from_phone == e164)
                              .order_by(Message.id)).all()
    return {"state": state, "transcript": lines, "node": conversation.node,
            "status": conversation.status, "with_case": conversation.case_id is not None,
            "inbound": [(m.body, m.case_id is not None) for m in inbound],
            "language": session.scalar(select(Resident.language)
                                       .where(Resident.phone == e164))}


def test_the_planned_path_leaves_what_the_full_path_leaves(send_sms, db_session, monkeypatch):
    planned = [send_sms("07700900111", text) for text in WALK]
    monkeypatch.setattr(sms_service, "_plan", lambda *args, **kwargs: None)
    full = [send_sms("07700900222", text) for text in WALK]
    masked = [[REFERENCE.sub("H2H-?", text) for text in reply] for reply in planned]
    assert masked == [[REFERENCE.sub("H2H-?", text) for text in reply] for reply in full]
    assert _rows(db_session, "+447700900111") == _rows(db_session, "+447700900222")
