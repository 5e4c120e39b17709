"""A repeat request goes first to the volunteer who helped last time.

A repeat (aftercare.repeats) is a new case linked to the first case of its chain
(`repeat_of_case_id`). Its first matching step asks the volunteer who completed the latest
request of that chain, when every matching rule still lets them take it (they are in the
case's ranking); otherwise, or after their NO or silence, matching goes on as usual. Done in
the match job like any offer, so nothing is ranked inside a webhook or a console request.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.domain.enums import CaseStatus
from app.domain.matching import Ranked, Ranking
from app.models.case import Case
from app.models.volunteer import Volunteer
from app.services.cases.timeline import add_case_event

REASON = "helped with this request last time"


def last_helper(session: Session, root_id: int) -> Volunteer | None:
    """The volunteer who completed the latest request of the chain that hangs from `root_id`."""
    volunteer_id = session.scalar(
        select(Case.assigned_volunteer_id).where(
            or_(Case.id == root_id, Case.repeat_of_case_id == root_id),
            Case.status == CaseStatus.COMPLETED, Case.assigned_volunteer_id.is_not(None))
        .order_by(Case.completed_at.desc(), Case.id.desc()).limit(1))
    return session.get(Volunteer, volunteer_id) if volunteer_id else None


def helper_first(session: Session, case: Case, ranking: Ranking, now: datetime) -> Ranked | None:
    """Last time's volunteer as the first choice for a repeat's first offer, or None (then a
    line on the timeline says why matching goes on as usual)."""
    if case.repeat_of_case_id is None or case.offer_attempts:
        return None
    helper = last_helper(session, case.repeat_of_case_id)
    if helper is None:
        return None
    for ranked in ranking.ranked:
        if ranked.candidate.volunteer_id == helper.id:
            return Ranked(ranked.candidate, 1, ranked.distance_km, (REASON, *ranked.reasons))
    add_case_event(session, case, "repeat_helper_unavailable",
                   f"{helper.name}, who helped last time, cannot take it now: matching as usual",
                   now=now, volunteer_id=helper.id)
    return None
