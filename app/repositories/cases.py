"""Queries on cases, each taking the Session explicitly (the caller decides when to commit).

Lists are paged with a keyset cursor on the primary key, newest first: unlike OFFSET, a page
never repeats or skips a case when new cases arrive while someone is paging, and every page
costs the same however deep it is.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, literal, or_, select
from sqlalchemy.orm import Session

from app.domain.enums import OPEN_CASE_STATUSES
from app.models.case import Case, CaseEvent
from app.models.message import Message

T = TypeVar("T")
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 25


class BadCursor(ValueError):
    """A `cursor` that this service did not hand out."""


@dataclass(frozen=True)
class CaseFilters:
    status: str | None = None
    category: str | None = None
    need: str | None = None
    urgency: str | None = None
    district: str | None = None  # matched case-insensitively
    referred_by_user_id: int | None = None  # partners see only the cases they referred
    include_demo: bool = True


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    """The id to continue below, None for the first page; BadCursor for anything forged."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadCursor("cursor is not one this API returned") from None
    kind, _, number = raw.partition(":")
    if kind != "id" or not number.isdigit() or len(number) > 18:
        raise BadCursor("cursor is not one this API returned")
    return int(number)


def paginate(session: Session, query: Select[Any], id_column: Any,
                cursor: str | None, limit: int) -> Page[Any]:
    """Run `query` newest-first from `cursor`; one extra row tells whether there is a next page."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    after = decode_cursor(cursor)
    if after is not None:
        query = query.where(id_column < after)
    rows = list(session.scalars(query.order_by(id_column.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1].id) if more and rows else None
    return Page(rows, next_cursor)


def list_cases(session: Session, filters: CaseFilters, cursor: str | None = None,
               limit: int = DEFAULT_PAGE_SIZE) -> Page[Case]:
    query = select(Case)
    for column, value in (
        (Case.status, filters.status),
        (Case.category, filters.category),
        (Case.need, filters.need),
        (Case.urgency, filters.urgency),
        (Case.referred_by_user_id, filters.referred_by_user_id),
    ):
        if value is not None:
            query = query.where(column == value)
    if filters.district:
        query = query.where(func.lower(Case.district) == filters.district.strip().lower())
    if not filters.include_demo:
        query = query.where(Case.is_demo.is_(False))
    return paginate(session, query, Case.id, cursor, limit)


def get_case_by_reference(session: Session, reference: str) -> Case | None:
    return session.scalar(select(Case).where(Case.reference == reference))


def reference_exists(session: Session, reference: str) -> bool:
    return session.scalar(select(Case.id).where(Case.reference == reference)) is not None


def find_open_case_for_phone(session: Session, phone_e164: str | None) -> Case | None:
    """The most recent case still being worked on for this number (None for no number)."""
    if not phone_e164:
        return None
    return session.scalar(open_case_for_phone(phone_e164))


#: One bound value each, not an "expanding" list: a statement built once and run on every text
#: then needs no re-rendering of its IN clause at each execution.
_OPEN_STATUS_VALUES = tuple(literal(status) for status in sorted(map(str, OPEN_CASE_STATUSES)))


def open_case_for_phone(phone: Any) -> Select[tuple[Case]]:
    """The query behind `find_open_case_for_phone`; `phone` may be a bound parameter, so the
    SMS turn can ask it as a subquery of its one read (app.services.conversations.sms_context)."""
    return (
        select(Case)
        .where(Case.phone == phone, Case.status.in_(_OPEN_STATUS_VALUES))
        .order_by(Case.id.desc())
        .limit(1)
    )


def list_case_events(session: Session, case_id: int) -> Sequence[CaseEvent]:
    return session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
    ).all()


def list_case_messages(session: Session, case_id: int, limit: int = 200,
                       also: Collection[int] = ()) -> Sequence[Message]:
    """The case's SMS, plus `also` (texts of its conversation sent before the case existed)."""
    wanted = Message.case_id == case_id
    if also:
        wanted = or_(wanted, Message.id.in_(list(also)))
    return session.scalars(select(Message).where(wanted).order_by(Message.id).limit(limit)).all()


def list_messages(session: Session, *, direction: str | None = None,
                  to_phone: str | None = None, from_phone: str | None = None,
                  phone: str | None = None, cursor: str | None = None,
                  limit: int = DEFAULT_PAGE_SIZE) -> Page[Message]:
    """The SMS log, newest first; `phone` matches the recipient or the sender."""
    query = select(Message)
    if direction:
        query = query.where(Message.direction == direction)
    if to_phone:
        query = query.where(Message.to_phone == to_phone)
    if from_phone:
        query = query.where(Message.from_phone == from_phone)
    if phone:
        query = query.where((Message.to_phone == phone) | (Message.from_phone == phone))
    return paginate(session, query, Message.id, cursor, limit)
