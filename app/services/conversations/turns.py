"""One number's SMS turns take turns: how a turn makes sure no other turn of its number
interleaves with it.

A turn reads the number's state (its conversation, the opt-out, the open case...) and then
writes the next step; two texts sent together must be answered one after the other, or one of
the writes is lost and the replies answer out of order.

- SQLite: the turn's write transaction holds the database's one write lock (`BEGIN
  IMMEDIATE`), so beginning it is enough (`take_turn`).
- PostgreSQL, a turn that waits (`take_turn`, before its first read): it counts itself in the
  number's `sms_turns` row by an UPSERT, which holds that row's lock until the commit, so the
  next turn of the number waits for it.
- PostgreSQL, a plain menu answer (app.services.conversations.sms `answer_sms`): it reads the
  count with the rest of the number's state, without waiting, and makes all its writes in one
  statement that first counts itself only if the count is still the one it read
  (`guard_sql`). When another turn of the number counted itself in between, nothing is
  written and the turn is taken again, waiting. Most texts are plain answers: two statements,
  each committing by itself (`begin_without_waiting`), instead of a lock, a read, three
  writes, BEGIN and COMMIT.

The rows are kept per bucket of numbers (a 20-bit hash of the number, `bucket_of`), never per
number: no phone number is stored here, and the table holds at most a million rows. Numbers
that share a bucket only wait for each other now and then.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import BigInteger, Engine, Integer, bindparam, select, text
from sqlalchemy.orm import Session

from app.db import is_writing, start_writing
from app.models.conversation import SmsTurn

BUCKETS = 1 << 20
_TURNS = SmsTurn.__table__


def bucket_of(phone: str) -> int:
    """The `sms_turns` row that counts `phone`'s turns."""
    digest = hashlib.blake2b(phone.encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") % BUCKETS


def waits_for_turn(session: Session) -> bool:
    """Whether a turn on this database must wait for its number's turn before reading
    (SQLite); on PostgreSQL a plain menu answer checks its count when it writes instead."""
    return session.get_bind().dialect.name != "postgresql"


def begin_without_waiting(session: Session) -> None:
    """For a plain answer on PostgreSQL: each of its two statements is a transaction of its own
    (autocommit). Its read needs no snapshot kept, and its one write statement is atomic by
    itself, so the BEGIN and COMMIT round trips are saved. A session bound to a connection
    already in a transaction (the tests' rolled-back one) stays in that transaction."""
    if isinstance(session.get_bind(), Engine) and not session.in_transaction():
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def end_without_waiting(session: Session) -> None:
    """Before the turn waits after all: the autocommit transaction of `begin_without_waiting`
    (which wrote nothing) ends, so the waiting turn is one transaction again."""
    if session.in_transaction() and \
            session.connection().get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        session.commit()


def take_turn(session: Session, phone: str) -> None:
    """Wait for the number's turn and hold it until the transaction ends (see the module)."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        if not is_writing(session):
            start_writing(session)
        return
    connection.execute(_TAKE_TURN, {"t_bucket": bucket_of(phone)})


#: Written as text: SQLAlchemy's `on_conflict_do_update` cannot be cached, so it would be
#: compiled afresh on every turn.
_TAKE_TURN = text(
    "INSERT INTO sms_turns (bucket, turn) VALUES (:t_bucket, 1) "
    "ON CONFLICT (bucket) DO UPDATE SET turn = sms_turns.turn + 1"
).bindparams(bindparam("t_bucket", type_=Integer()))


def count_read():
    """The number's count as a scalar subquery, for the turn's one read (None: no row yet);
    its parameter is `t_bucket`, as `guard_params` gives it."""
    return select(_TURNS.c.turn).where(
        _TURNS.c.bucket == bindparam("t_bucket", type_=Integer())).scalar_subquery()


def guard_sql(first: bool) -> str:
    """The CTE body (named `turn` by the caller) that counts the turn only if the count is the
    one read: `:t_seen` (`first`: no row was read, so the row must still not exist). It
    returns one row when the turn was counted, none when another turn came in between."""
    if first:
        return ("INSERT INTO sms_turns (bucket, turn) VALUES (:t_bucket, 1) "
                "ON CONFLICT (bucket) DO NOTHING RETURNING turn")
    return ("UPDATE sms_turns SET turn = turn + 1 "
            "WHERE bucket = :t_bucket AND turn = :t_seen RETURNING turn")


def guard_params(phone: str, seen: int | None) -> dict[str, int]:
    params = {"t_bucket": bucket_of(phone)}
    if seen is not None:
        params["t_seen"] = seen
    return params


GUARD_BINDS = (bindparam("t_bucket", type_=Integer()), bindparam("t_seen", type_=BigInteger()))
