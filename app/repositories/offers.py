"""Queries on offers that the jobs need, each taking the Session explicitly."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.enums import OfferStatus
from app.models.message import Message
from app.models.volunteer import Offer

#: An offer still waiting for the volunteer's answer.
OPEN_OFFER_STATUSES = (OfferStatus.PENDING, OfferStatus.SENT)


def open_offer_of_message(session: Session, message_id: int) -> tuple[int, datetime] | None:
    """(offer id, expires_at) when `message_id` is an open offer's SMS, else None."""
    row = session.execute(
        select(Offer.id, Offer.expires_at)
        .join(Message, Message.offer_id == Offer.id)
        .where(Message.id == message_id, Message.purpose == "offer",
               Offer.status.in_(OPEN_OFFER_STATUSES), Offer.expires_at.is_not(None))
    ).first()
    return (row.id, row.expires_at) if row is not None else None
