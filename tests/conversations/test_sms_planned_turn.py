"""A plain menu answer is worked out from one read and written by plain statements
(app.services.conversations.sms `answer_sms`); any other text takes the full path. Either way a
walk leaves the same rows and gets the same replies. (The number's turns cannot interleave:
tests/platform/test_turn_lock.py.)
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.models.conversation import Conversation
from app.models.message import Message
from app.models.resident import Resident
from app.services.conversations import sms as sms_service

PHONE = "07700900789"
E164 = "+447700900789"


@pytest.fixture
def planned_turns(monkeypatch) -> list[str]:
    """Records each text that took the planned path (`_carry_out`)."""
    taken: list[str] = []
    real_carry_out = sms_service._carry_out

    def carry_out(*args, **kwargs):
        taken.append("planned")
        return real_carry_out(*args, **kwargs)

    monkeypatch.setattr(sms_service, "_carry_out", carry_out)
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
