"""How many SQL statements one matching step and one send cost, pinned, so a regression shows
in CI.

Each statement is a round trip inside the job's transaction (the case row stays locked while
the matching job runs), so the count is much of a worker's throughput. The pinned numbers are
the minimum the design needs; a change that adds one must say why here.

Transaction control (BEGIN, COMMIT, the tests' SAVEPOINTs) is not counted: it differs between
the tests' rolled-back connection and production. So is SQLite's no-op UPDATE that takes its
single write lock before the send job reads its row (PostgreSQL locks the row with the SELECT
itself).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import event, select

from app.models.message import Message
from app.models.volunteer import Offer
from workers import bootstrap
from workers.matching import match_case
from workers.messaging import send_message

CONTROL = ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT")
SQLITE_WRITE_LOCK = "UPDATE messages SET attempts=messages.attempts"

#: `match_case` offering a case: the case row, locked (SELECT ... FOR UPDATE); the case's
#: offers so far (one is open? the next attempt number); the furthest any volunteer travels
#: (the search box); the candidate SELECT (each volunteer's open assignments, whether they were
#: asked about this case and their dated absence ride along as subqueries); the offer (INSERT
#: ... ON CONFLICT DO NOTHING: a concurrent job's offer wins without a SAVEPOINT); the
#: volunteer's last_offered_at (UPDATE ... RETURNING the number and name); whether the number
#: opted out; the offer SMS (INSERT ... ON CONFLICT DO NOTHING on its key); the case (one
#: UPDATE, the matching flag with the rest); the timeline line (INSERT).
MATCH_STATEMENTS = 10
#: `send_message`: the claim reads the row locked, with the opt-out and today's segments in the
#: same SELECT, and UPDATEs it to `sending`; after the provider's answer, one UPDATE records
#: its SID and status.
SEND_STATEMENTS = 3


@pytest.fixture
def statements(engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many) -> None:
        flat = " ".join(statement.split())
        if not flat.upper().startswith(CONTROL) and not flat.startswith(SQLITE_WRITE_LOCK):
            seen.append(flat[:160])

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_a_match_and_its_send_cost_the_pinned_statements(
        db_session, redis_runtime, make_volunteer, make_case, statements):
    volunteers = [make_volunteer(name=f"Volunteer {i}") for i in range(3)]
    case = make_case()
    db_session.commit()
    bootstrap.use_runtime(redis_runtime)
    assert redis_runtime.instance_id  # read from the database once per runtime
    try:
        statements.clear()
        assert match_case(case.id) == "offered"
        matching = list(statements)
        offer = db_session.scalar(select(Offer).where(Offer.case_id == case.id))
        message_id = db_session.scalar(select(Message.id).where(Message.offer_id == offer.id))
        statements.clear()
        assert send_message(message_id) == "sent"
        sending = list(statements)
    finally:
        bootstrap.use_runtime(None)
    assert offer.volunteer_id in {v.id for v in volunteers}
    assert len(matching) == MATCH_STATEMENTS, "\n".join(matching)
    assert len(sending) == SEND_STATEMENTS, "\n".join(sending)
