"""The one way to get a call's row: an upsert, because Twilio's requests about one call race.

The voice webhook and the call's status callbacks arrive independently and may arrive at the
same moment for a call nobody has stored yet. A plain "look up, insert if missing" then inserts
twice and the loser fails on the unique CallSid with a 500; Twilio never retries a status
callback, so the call's end (and the SMS inviting the caller to finish by text) would be lost.
Here the insert runs in a SAVEPOINT: the loser rolls back only that, and takes the winner's row
(PostgreSQL makes it wait for the winner's commit first, so the row is there to read).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.models.message import Call


def upsert_call(session: Session, call_sid: str, now: datetime, *,
                from_phone: str | None = None, to_phone: str | None = None) -> Call:
    """The call's row, created if missing; known numbers fill in what an earlier insert lacked."""
    call = session.scalar(select(Call).where(Call.call_sid == call_sid))
    if call is None:
        try:
            with session.begin_nested():
                call = Call(call_sid=call_sid, from_phone=from_phone, to_phone=to_phone,
                            created_at=now, updated_at=now)
                session.add(call)
        except IntegrityError:
            call = session.scalar(select(Call).where(Call.call_sid == call_sid))
            if call is None:  # not a twin's insert after all: a real error
                raise
    if from_phone and not call.from_phone:
        call.from_phone = from_phone
    if to_phone and not call.to_phone:
        call.to_phone = to_phone
    return call
