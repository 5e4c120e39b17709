"""Queries on offers that the jobs need, each taking the Session explicitly."""

from __future__ import annotations

from app.domain.enums import OfferStatus

#: An offer still waiting for the volunteer's answer.
OPEN_OFFER_STATUSES = (OfferStatus.PENDING, OfferStatus.SENT)
