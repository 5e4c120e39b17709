"""A plain menu answer is worked out from one read and written by plain statements
(app.services.conversations.sms `answer_sms`); any other text takes the full path. Either way a
walk leaves the same rows and gets the same replies. (The number's turns cannot interleave:
tests/platform/test_turn_lock.py.)
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.models.conversation import Conversation, SmsTurn
from app.models.message import Message
from app.models.resident import Resident
from app.services.conversations import sms as sms_service
from app.services.conversations import turns

PHONE = "07700900789"
E164 = "+447700900789"


@pytest.fixture
def planned_turns(monkeypatch) -> list[str]:
    """Records each text that took the planned path (`_carry_out`, or on PostgreSQL
    `_write_at_once` when it wrote)."""
    taken: list[str] = []
    real_carry_out, real_at_once = sms_service._carry_out, sms_service._write_at_once

    def carry_out(*args, **kwargs):
        taken.append("planned")
        return real_carry_out(*args, **kwargs)

    def at_once(*args, **kwargs):
        outcome = real_at_once(*args, **kwargs)
        if outcome is not None:
            taken.append("planned")
        return outcome

    monkeypatch.setattr(sms_service, "_carry_out", carry_out)
    monkeypatch.setattr(sms_service, "_write_at_once", at_once)
    return taken


def test_a_plain_answer_takes_the_planned_path(send_sms, planned_turns):
    send_sms(PHONE, "hi")
    assert send_sms(PHONE, "1")[0].startswith("Privacy")
    assert planned_turns == ["planned", "planned"]


def test_a_keyword_takes_the_full_path(send_sms, planned_turns):
    send_sms(PHONE, "hi")
    assert send_sms(PHONE, "HELP")
    assert planned_turns == ["planned"]


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


def test_a_turn_of_the_number_in_between_sends_the_text_round_again(send_sms, db_session,
                                                                      planned_turns, engine,
                                                                      monkeypatch):
    """PostgreSQL: a plain answer reads without waiting for its number's turn; when another
    turn of the number is counted between its read and its write, its one statement writes
    nothing and the text is planned again, waiting: answered once, nothing lost or doubled."""
    if engine.dialect.name != "postgresql":
        pytest.skip("on SQLite every turn waits for the write lock before it reads")
    real_plan, interleaved = sms_service._plan, []

    def plan_then_another_turn(session, *args, counted=False, **kwargs):
        planned = real_plan(session, *args, counted=counted, **kwargs)
        if counted:  # as if another text from the number had been answered meanwhile
            turns.take_turn(session, E164)
            interleaved.append(planned.context.turn)
        return planned

    monkeypatch.setattr(sms_service, "_plan", plan_then_another_turn)
    assert send_sms(PHONE, "hi")[0].startswith("Welcome to Here2Help")
    assert send_sms(PHONE, "1")[0].startswith("Privacy")
    assert interleaved == [None, 2]  # no count yet, then the first text's and the intruder's
    assert planned_turns == ["planned", "planned"]  # each written once, after waiting
    inbound = db_session.scalars(select(Message).where(Message.from_phone == E164)).all()
    assert [m.body for m in inbound] == ["hi", "1"]
    conversation = db_session.scalars(select(Conversation)
                                      .where(Conversation.phone == E164)).one()
    said = [line["text"] for line in conversation.state["transcript"] if line["who"] != "line"]
    assert said == ["hi", "1"]
    assert db_session.scalar(select(SmsTurn.turn).where(
        SmsTurn.bucket == turns.bucket_of(E164))) == 4
