"""How many SQL statements an SMS turn costs, pinned, so a regression shows in CI.

Every statement is a round trip, and each one after the claim runs inside the webhook's write
transaction (on SQLite, while the database's single write lock is held), so the count is the
webhook's throughput; only reads may come before the claim. The pinned numbers are the
minimum the design needs; a change that adds one must say why here.

Transaction control (BEGIN, COMMIT, the tests' SAVEPOINTs) is not counted: it differs between
the tests' rolled-back connection and production.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import event

from tests.conversations.conftest import new_sid

PHONE = "07700900456"
CONTROL = ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT")

#: A resident's first text, on SQLite: ONE SELECT for everything the turn needs to know about
#: the number (the resident's remembered language, whether it opted out, a volunteer with that
#: number and a JOIN sign-up waiting for an answer, the case awaiting a follow-up answer, the
#: open case, the active conversations), read in the write transaction (whose lock serialises
#: the number's turns). Then the writes: the claim with the answer already worked out (INSERT,
#: first, so a duplicate waits or fails on it), the inbound row (INSERT), and the conversation
#: (INSERT, with the reply already on its transcript).
FIRST_TEXT_STATEMENTS = 4
#: Choosing a language: the same, with the conversation UPDATEd instead of INSERTed, plus the
#: language kept on the resident's record (one UPSERT: no read first).
LANGUAGE_TURN_STATEMENTS = 5
#: Any other menu answer: the first text's statements, with the conversation UPDATEd.
TURN_STATEMENTS = 4
#: Of these, this many come before the claim: the first read (only reads may).
READ_BEFORE_CLAIM = 1
#: On PostgreSQL each of these turns is two statements: the same read (with the number's turn
#: count and an id for the inbound row), without waiting for the number's turn, then ONE
#: statement for all the writes (claim first, the inbound row, the conversation, the language)
#: that writes only if no other turn of the number came in between.
POSTGRESQL_TURN_STATEMENTS = 2


def turn_lock(engine) -> int:
    """What a turn that waits for its number's turn adds on PostgreSQL: the UPSERT of the
    number's turn count, after the first read (made without waiting, in case the text was a
    plain answer). On SQLite the write transaction's lock serialises turns already."""
    return 1 if engine.dialect.name == "postgresql" else 0


@pytest.fixture
def statements(engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many) -> None:
        if not statement.lstrip().upper().startswith(CONTROL):
            seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def _text(twilio_post, body: str) -> None:
    response = twilio_post("/twilio/sms", {
        "MessageSid": new_sid(), "From": PHONE, "To": "+441632960000", "Body": body,
        "AccountSid": "AC" + "1" * 32})
    assert response.status_code == 200, response.data


def test_a_first_text_and_a_menu_answer_cost_the_pinned_statements(twilio_post, statements,
                                                                    engine):
    _text(twilio_post, "hi")
    first = list(statements)
    statements.clear()
    _text(twilio_post, "1")
    language = list(statements)
    statements.clear()
    _text(twilio_post, "1")
    turn = list(statements)
    if engine.dialect.name == "postgresql":
        for seen in (first, language, turn):
            assert len(seen) == POSTGRESQL_TURN_STATEMENTS, "\n".join(seen)
            read, write = seen
            assert read.startswith("SELECT") and "sms_turns" in read, read
            assert write.startswith("WITH turn AS (") and \
                "claim AS (INSERT INTO processed_webhooks" in write, write
        assert "language AS (INSERT INTO residents" in language[1]
        assert "INSERT INTO conversations" in first[1] and "UPDATE conversations" in turn[1]
        return
    assert len(first) == FIRST_TEXT_STATEMENTS, "\n".join(first)
    assert len(language) == LANGUAGE_TURN_STATEMENTS, "\n".join(language)
    assert len(turn) == TURN_STATEMENTS, "\n".join(turn)
    for seen in (first, language, turn):
        claim = next(i for i, statement in enumerate(seen)
                     if statement.startswith("INSERT INTO processed_webhooks"))
        assert claim == READ_BEFORE_CLAIM, "\n".join(seen)
        assert all(statement.startswith("SELECT") for statement in seen[:claim]), "\n".join(seen)


#: The answer that opens the case (the walk's last text): the plain turn's read (which finds a
#: case to open, so the full path reads the number again, as ORM objects), claim, inbound row
#: and conversation, then what opening a case needs: the number's open case (none:
#: a new one), the resident (SELECT, then UPDATE with the name and postcode given), the
#: postcode's neighbourhood (ONE SELECT, with whether any lookup is loaded), the case (INSERT),
#: its "opened" event, the consent record and its event (INSERTs), the inbound row linked to
#: the case, the claim's answer (the reply differs from the plain turn's), the case's matching
#: stamp (written with the case, not in a second write transaction after the enqueue) and the
#: conversation linked to the case.
CASE_OPENING_STATEMENTS = 17
WALK = ["hi", "1", "1", "1", "I need bread and milk", "WR1 2NN", "Ann"]


def test_the_answer_that_opens_a_case_costs_the_pinned_statements(twilio_post, statements,
                                                                  engine):
    for body in WALK:
        _text(twilio_post, body)
    statements.clear()
    _text(twilio_post, "yes")
    # The job queue's first use reads the service's instance id, once per process (here, the
    # test's new runtime): not a cost of the turn.
    statements[:] = [s for s in statements if "FROM service_instance" not in s]
    assert len(statements) == CASE_OPENING_STATEMENTS + turn_lock(engine), "\n".join(statements)
    assert any(s.startswith("UPDATE cases SET matching_enqueued_at") for s in statements)
    assert sum(s.startswith("INSERT INTO cases") for s in statements) == 1
