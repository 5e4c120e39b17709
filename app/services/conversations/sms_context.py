"""What an SMS turn needs to know about the sender's number, read in ONE statement.

Every inbound text asks the same questions before it can choose its answer: the resident's
remembered language (and whether they have a record), whether the number opted out, whether a
volunteer with that number is in the middle of the JOIN sign-up, the case whose follow-up SMS
the text may answer, the number's open case, and its active SMS conversations. Asked one by
one through the ORM they cost six round trips inside the webhook's write transaction (on
SQLite, while the database's single write lock is held); here they are scalar subqueries of one
SELECT, left-joined to the conversations, so a turn pays one. The subqueries are the very
queries the rest of the service asks (`open_case_for_phone`, `outstanding_follow_up_query`,
`opted_out_clause`), so the answers cannot drift apart.

The statement is built once (a statement object keeps its cache key) with the number and the
follow-up window's start as bound parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import (
    Row,
    Select,
    String,
    and_,
    bindparam,
    exists,
    func,
    literal_column,
    select,
)
from sqlalchemy.orm import Session

from app.domain.enums import Channel, ConversationStatus
from app.models.base import UTCDateTime
from app.models.case import Case
from app.models.conversation import Conversation
from app.models.message import Message
from app.models.resident import Resident
from app.models.volunteer import Volunteer
from app.repositories.cases import open_case_for_phone
from app.services.aftercare.follow_up import ANSWER_WINDOW, outstanding_follow_up_query
from app.services.conversations.turns import bucket_of, count_read
from app.services.messaging.outbox import opted_out_clause


@dataclass(frozen=True)
class NumberContext:
    """The sender's number as the turn starts (before anything in the turn has changed it)."""

    #: Whether the number has a resident record, and the language it remembers.
    resident_known: bool
    resident_language: str | None
    #: A resident or volunteer with this number opted out (STOP).
    opted_out: bool
    #: A volunteer has this number; one has a sign-up question waiting (stale or not: the
    #: volunteer handler decides, and ends a stale one).
    volunteer_known: bool
    volunteer_signing_up: bool
    #: The case whose follow-up SMS this text may answer (answered ones too, for AGAIN).
    follow_up_case_id: int | None
    #: The number's most recent open case.
    open_case_id: int | None
    #: The number's active SMS conversations, newest first (loaded, so the turn can update one).
    conversations: list[Conversation]
    #: Read for a turn that writes in one statement (`counted`, PostgreSQL): the number's turn
    #: count (app.services.conversations.turns; None: none counted yet), and an id reserved
    #: for its inbound row (its transcript line names the row written by the same statement).
    turn: int | None = None
    reserved_message_id: int | None = None


def read_number_context(session: Session, phone: str, now: datetime, *,
                        loaded: bool = True, counted: bool = False) -> NumberContext:
    """`loaded`: the conversations come as objects of the session (to be changed and flushed
    like any other); otherwise as plain `Conversation`s outside it, read as rows (cheaper: for
    a turn that writes them itself, see app.services.conversations.sms `_carry_out`).
    `counted` (PostgreSQL, with `loaded` False): the turn count and a reserved message id too.
    """
    if loaded:
        rows = session.execute(_statement(_OBJECTS), _params(phone, now)).all()
        conversations = [row[0] for row in rows if row[0] is not None]
    else:
        params = _params(phone, now)
        if counted:
            params["t_bucket"] = bucket_of(phone)
        rows = session.connection().execute(_statement(_COUNTED if counted else _ROWS),
                                            params).all()
        conversations = [_detached(row) for row in rows if row.c_id is not None]
    first = rows[0]
    return NumberContext(
        resident_known=first.resident_id is not None, resident_language=first.language,
        opted_out=bool(first.opted_out), volunteer_known=bool(first.volunteer_known),
        volunteer_signing_up=bool(first.signing_up), follow_up_case_id=first.follow_up_case_id,
        open_case_id=first.open_case_id, conversations=conversations,
        turn=first.turn if counted else None,
        reserved_message_id=first.reserved_message_id if counted else None,
    )


_CONVERSATIONS = Conversation.__table__
_OBJECTS, _ROWS, _COUNTED = "objects", "rows", "counted"


def _detached(row: Row) -> Conversation:
    return Conversation(**{column.key: row._mapping[f"c_{column.key}"]
                           for column in _CONVERSATIONS.columns})


def _params(phone: str, now: datetime) -> dict[str, object]:
    return {"phone": phone, "since": now - ANSWER_WINDOW}


@cache
def _statement(form: str) -> Select:
    """The active conversations come as `Conversation`s (_OBJECTS) or as all their columns
    (_ROWS, _COUNTED), each labelled `c_<name>`; _COUNTED (PostgreSQL) adds the number's turn
    count and the next message id (a scalar subquery: drawn once, however many rows)."""
    phone = bindparam("phone", type_=String())
    since = bindparam("since", type_=UTCDateTime())
    one_row = select(literal_column("1").label("one")).subquery("one_row")
    table = _CONVERSATIONS.c
    conversation = (Conversation,) if form == _OBJECTS else tuple(
        column.label(f"c_{column.key}") for column in table)
    counted = (
        count_read().label("turn"),
        select(func.nextval(func.pg_get_serial_sequence(Message.__tablename__, "id")))
        .scalar_subquery().label("reserved_message_id"),
    ) if form == _COUNTED else ()
    return (
        select(
            *conversation,
            *counted,
            select(Resident.id).where(Resident.phone == phone).scalar_subquery()
            .label("resident_id"),
            select(Resident.language).where(Resident.phone == phone).scalar_subquery()
            .label("language"),
            opted_out_clause(phone).label("opted_out"),
            exists().where(Volunteer.phone == phone).label("volunteer_known"),
            exists().where(Volunteer.phone == phone, Volunteer.join_step.is_not(None))
            .label("signing_up"),
            outstanding_follow_up_query(phone, since, answered_too=True)
            .with_only_columns(Case.id).scalar_subquery().label("follow_up_case_id"),
            open_case_for_phone(phone).with_only_columns(Case.id).scalar_subquery()
            .label("open_case_id"),
        )
        .select_from(one_row)
        .outerjoin(Conversation, and_(Conversation.phone == phone,
                                      Conversation.channel == str(Channel.SMS),
                                      Conversation.status == str(ConversationStatus.ACTIVE)))
        .order_by(Conversation.id.desc())
    )
