"""Withdrawing the offers a volunteer can no longer take.

Pausing, rejecting, an opt-out (STOP), a dated absence covering today or a lapsed DBS check
(where the need requires one) makes a volunteer ineligible; every open offer they hold that
they could no longer accept is withdrawn at once, they are told it is closed (with no
details), and the next volunteer is asked, as after a NO. `accept` re-checks the same rules at
YES time, so an offer the change missed still cannot assign. Flushes; the caller commits,
then enqueues the returned sends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.domain.enums import CaseStatus, DbsStatus
from app.models.volunteer import Offer, Volunteer
from app.services.cases.safeguarding import close_offer
from app.services.matching.matcher import (
    OPEN_OFFER_STATUSES,
    MatchingPolicy,
    lock_case,
    offer_next,
    open_offers,
    stored_policy,
)
from app.services.matching.offers import on_absence, refusal

__all__ = ["Withdrawn", "withdraw_ineligible_offers",
           "withdraw_lapsed_dbs_offers"]


@dataclass
class Withdrawn:
    # The "closed" SMS and the offers to the next volunteers (whose time-outs, like every
    # offer's, are enforced by the periodic expiry scan).
    message_ids: list[int] = field(default_factory=list)


def withdraw_ineligible_offers(session: Session, volunteer: Volunteer, now: datetime,
                               why: str) -> Withdrawn:
    """Withdraw the volunteer's open offers they may no longer accept (see the docstring)."""
    result = Withdrawn()
    offers = list(session.scalars(select(Offer).where(
        Offer.volunteer_id == volunteer.id, Offer.status.in_(OPEN_OFFER_STATUSES))
        .order_by(Offer.id)))
    for offer in offers:
        case = lock_case(session, offer.case_id)
        if case is None:
            continue
        policy = stored_policy(session, case) or MatchingPolicy()
        if refusal(case, offer, volunteer, now, tuple(policy.dbs_required_needs),
                   on_absence(session, volunteer.id, now)) != "ineligible":
            continue
        result.message_ids += close_offer(session, case, offer, now, f"volunteer {why}")
        if case.status == CaseStatus.OFFERED and not open_offers(session, case.id):
            step = offer_next(session, case, now, policy)  # the next volunteer, as after a NO
            result.message_ids += step.message_ids
    return result


def withdraw_lapsed_dbs_offers(session: Session, now: datetime) -> Withdrawn:
    """Daily: open offers held by volunteers whose DBS check is no longer clear and unexpired
    are withdrawn where the need requires one."""
    result = Withdrawn()
    # Ids first: PostgreSQL cannot compare the JSON columns a DISTINCT over whole rows needs.
    holding = select(Offer.volunteer_id).where(Offer.status.in_(OPEN_OFFER_STATUSES))
    holders = session.scalars(
        select(Volunteer).where(Volunteer.id.in_(holding),
                                or_(Volunteer.dbs_status != DbsStatus.CLEAR,
                                    Volunteer.dbs_expires_on.is_(None),
                                    Volunteer.dbs_expires_on <= now.date()))
        .order_by(Volunteer.id)).all()
    for volunteer in holders:
        done = withdraw_ineligible_offers(session, volunteer, now, "DBS check lapsed")
        result.message_ids += done.message_ids
    return result
