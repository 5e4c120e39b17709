"""Matching a case to volunteers: who to ask next, the offer SMS, and staff's suggestions.

Transactions: these functions only flush; the caller (the `match_case` job, the SMS webhook's
service, the console) commits once, THEN enqueues the outbox ids in `MatchStep.message_ids`.
The database is the source of truth: an offer row with `expires_at` exists before any SMS, the
periodic expiry scan (`expire_due_offers`) ends it when its time is up, and the sweeper heals a
lost job.

Concurrency: `lock_case` takes the case row with SELECT ... FOR UPDATE on PostgreSQL (SQLite
has one writer at a time and ignores the clause); offers are unique per (case, attempt), so
two jobs that race past the lock still create one offer.

The configuration a case is matched under (`MatchingPolicy`: time-out, tries, DBS needs,
signposted needs) is stored on every offer. Paths that have no Settings at hand (a volunteer's
NO arriving by webhook, a failed SMS) continue under the policy the case started with.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Float,
    Integer,
    Select,
    String,
    Update,
    and_,
    bindparam,
    cast,
    func,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from app.domain.enums import (
    ApprovalStatus,
    CaseOutcome,
    CaseStatus,
    Need,
    OfferStatus,
    Urgency,
    VolunteerKind,
)
from app.domain.matching import Candidate, CaseFacts, MatchingPolicy, Ranked, Ranking
from app.domain.matching import rank_volunteers as rank_pure
from app.domain.uk_time import uk_today
from app.models.case import Case
from app.models.volunteer import Offer, Volunteer
from app.repositories.absences import absent_until_column
from app.repositories.offers import OPEN_OFFER_STATUSES
from app.repositories.unique_rows import insert_unless_taken
from app.services.cases.consent import NO_CONSENT
from app.services.cases.safeguarding import close_offer
from app.services.cases.timeline import add_case_event
from app.services.matching import texts as offer_texts
from app.services.matching.repeat_first import helper_first
from app.services.matching.signposting import signpost_case
from app.services.messaging.outbox import queue_sms
from app.settings import Settings

log = logging.getLogger(__name__)
#: A case in these statuses may still be offered (matching has not finished with it).
MATCHABLE_STATUSES = (CaseStatus.NEW, CaseStatus.MATCHING, CaseStatus.OFFERED)
#: The furthest any volunteer may travel (validated on the register); bounds the SQL pre-filter.
MAX_DISTANCE_KM = 50.0
_KM_PER_DEGREE = 111.2


@dataclass
class MatchStep:
    """What one matching step did: `offered`, `signposted`, `needs_staff` or `nothing`."""

    outcome: str
    offer: Offer | None = None
    message_ids: list[int] = field(default_factory=list)
    detail: str = ""


@dataclass(frozen=True)
class Suggestion:
    """One ranked volunteer for the case page (app.services.casework.case_page reads these
    fields)."""

    volunteer: Volunteer
    volunteer_id: int
    name: str
    rank: int
    distance_km: float
    reasons: list[str]
    score: float  # the distance, for sorting displays; lower is better


def policy_from_settings(settings: Settings) -> MatchingPolicy:
    return MatchingPolicy(
        offer_timeout_seconds=settings.offer_timeout_seconds,
        max_offer_attempts=settings.max_offer_attempts,
        dbs_required_needs=tuple(settings.dbs_required_needs),
        signpost_needs=tuple(getattr(settings, "signpost_needs", ("money",))),
        funding_form_url=(f"{settings.public_base_url.rstrip('/')}/community-grants"
                          if settings.public_base_url else None),
    )


def stored_policy(session: Session, case: Case) -> MatchingPolicy | None:
    """The policy of the case's latest offer (what it is being matched under), if any."""
    latest = session.scalar(select(Offer).where(Offer.case_id == case.id)
                            .order_by(Offer.attempt.desc()).limit(1))
    data = (latest.explanation or {}).get("policy") if latest is not None else None
    return MatchingPolicy.from_dict(data) if isinstance(data, dict) else None


def lock_case(session: Session, case_id: int) -> Case | None:
    """The case, row-locked until commit on PostgreSQL, and freshly read from the database."""
    stmt = select(Case).where(Case.id == case_id).with_for_update()
    return session.scalar(stmt.execution_options(populate_existing=True))


def open_offers(session: Session, case_id: int) -> list[Offer]:
    return list(session.scalars(select(Offer).where(
        Offer.case_id == case_id, Offer.status.in_(OPEN_OFFER_STATUSES))))


#: The columns ranking reads (a column SELECT: ORM objects for thousands of rows cost ~10x).
_CANDIDATE_COLUMNS = (
    Volunteer.id, Volunteer.name, Volunteer.kind, Volunteer.needs, Volunteer.latitude,
    Volunteer.longitude, Volunteer.max_distance_km, Volunteer.max_open_assignments,
    Volunteer.capacity, Volunteer.approval_status, Volunteer.active, Volunteer.opted_out,
    Volunteer.dbs_status, Volunteer.dbs_expires_on, Volunteer.availability,
    Volunteer.last_offered_at, Volunteer.away_until,
)


def search_radius_km(session: Session) -> float:
    """The furthest any volunteer travels (an index lookup), capped at MAX_DISTANCE_KM."""
    return _reach_km(_furthest_km(session))


def _furthest_km(session: Session) -> float:
    return float(session.scalar(select(func.max(Volunteer.max_distance_km))) or 0.0)


def _reach_km(distance_km: float) -> float:
    """How far from a case to look for volunteers who travel up to `distance_km`."""
    return min(distance_km * 1.02 + 0.5, MAX_DISTANCE_KM)


def candidate_query(case: Case, radius_km: float = MAX_DISTANCE_KM) -> Select:
    """The candidate SELECT: approved, active, not opted out, (probably) offering the need, and
    within their own travel distance by a flat-earth estimate with a safety margin.

    Everything here is a pre-filter in portable SQL (SQLite and PostgreSQL): the index on
    (latitude, longitude) narrows to a box as wide as the furthest any volunteer travels
    (`search_radius_km`, at most MAX_DISTANCE_KM), the arithmetic drops volunteers
    who would not travel this far, and the JSON text test drops those not offering the need.
    The pure ranking (app.domain.matching) then applies every rule exactly (haversine distance,
    DBS, hours, caps), so a pre-filter may let too many through, never too few.
    """
    return select(*_CANDIDATE_COLUMNS).where(*_prefilter(_box(case, radius_km),
                                                         bool(case.need)))


def _box(case: Case, radius_km: float, band: str = "") -> dict[str, Any]:
    """The values `_prefilter` compares with, for this case and search radius (`band` names a
    box of `_bands`)."""
    lat, lon = case.latitude or 0.0, case.longitude or 0.0
    dlat = radius_km / _KM_PER_DEGREE
    km_per_lon = _KM_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01)
    dlon = radius_km / km_per_lon
    box = {f"lat_min{band}": lat - dlat, f"lat_max{band}": lat + dlat,
           f"lon_min{band}": lon - dlon, f"lon_max{band}": lon + dlon}
    if not band:
        box.update(lat=lat, lon=lon, km_per_lon=km_per_lon,
                   need_pattern=f'%"{case.need}"%' if case.need else None)
    return box


#: Travel-distance bands as shares of the furthest any volunteer travels: those who travel at
#: most a quarter of it, at most half, and the rest (see `_bands`).
_BANDS = (("_near", 0.25), ("_mid", 0.5), ("_far", None))


def _bands(case: Case, furthest_km: float) -> dict[str, Any]:
    """`_box` values for the case plus one box per band of `_BANDS`, each as wide as the band's
    furthest traveller goes, and the bands' edges (`edge_near`, `edge_mid`).

    Volunteers who travel 3 km need not be fetched from a 20 km box: the index on (latitude,
    longitude, max_distance_km) finds each band in its own box, so the rows read from the table
    are about a third as many (the heap reads are most of the SELECT's time). The rows are
    the same: the distance test drops anyone outside their band's box anyway.
    """
    values = _box(case, _reach_km(furthest_km))
    for band, share in _BANDS:
        values.update(_box(case, _reach_km(furthest_km * (share or 1.0)), band))
        if share is not None:
            values[f"edge{band}"] = furthest_km * share
    return values


def _prefilter(box: Mapping[str, Any], with_need: bool,
               banded: bool = False) -> list[ColumnElement[bool]]:
    """The WHERE of `candidate_query`, over `_box`'s values or bound parameters of its names
    (the one definition serves the baseline SELECT and the cached statement of
    `load_candidates`). `banded`: the box is the union of `_bands`' boxes."""
    north = (Volunteer.latitude - box["lat"]) * _KM_PER_DEGREE
    east = (Volunteer.longitude - box["lon"]) * box["km_per_lon"]
    reach = Volunteer.max_distance_km * 1.02 + 0.5  # the flat estimate errs < 1% at 50 km
    where = [
        Volunteer.approval_status == ApprovalStatus.APPROVED, Volunteer.active.is_(True),
        Volunteer.opted_out.is_(False),
        or_(*(_in_box(box, band) & _in_band(box, band) for band, _share in _BANDS))
        if banded else _in_box(box, ""),
        north * north + east * east <= reach * reach,
    ]
    if with_need:
        where.append(cast(Volunteer.needs, String).like(box["need_pattern"]))
    return where


def _in_box(box: Mapping[str, Any], band: str) -> ColumnElement[bool]:
    return and_(Volunteer.latitude.between(box[f"lat_min{band}"], box[f"lat_max{band}"]),
                Volunteer.longitude.between(box[f"lon_min{band}"], box[f"lon_max{band}"]))


def _in_band(box: Mapping[str, Any], band: str) -> ColumnElement[bool]:
    travels = Volunteer.max_distance_km
    if band == "_near":
        return travels <= box["edge_near"]
    if band == "_mid":
        return and_(travels > box["edge_near"], travels <= box["edge_mid"])
    return travels > box["edge_mid"]


def load_candidates(session: Session, case: Case,
                    now: datetime | None = None) -> list[Candidate]:
    """The volunteers that could take this case, with their open assignments, whether they
    were already asked about it and (given `now`) the dated absence they are on today.

    One statement: `candidate_query`'s pre-filter (its box split by travel distance, see
    `_bands`) with those three facts joined in (the open assignments grouped once; the offers
    of the case; the absence by ix_volunteer_absences_volunteer_ends for each row), rather
    than two more statements carrying a list of a few hundred ids. The statement is built
    once and takes the case's values as parameters. The JSON columns come as text: most
    volunteers' hours are `{}`, and the same few lists of needs recur, so neither is parsed
    once per row.
    """
    if case.latitude is None or case.longitude is None:
        return []
    params = _bands(case, _furthest_km(session))
    params["case_id"] = case.id
    if now is not None:
        params["today"] = uk_today(now)
    statement = _candidates_statement(bool(case.need), now is not None)
    need = case.need
    candidates = []
    # Unpacked by position: a Row's attribute access costs ~1.5 µs per name, which over a
    # few hundred rows of twenty columns was a larger share than the SELECT itself. The
    # pre-filter admits only approved, active volunteers who have not opted out.
    for (volunteer_id, name, kind, needs_text, latitude, longitude, max_distance_km,
         max_open_assignments, capacity, dbs_status, dbs_expires_on, availability,
         last_offered_at, away_until, open_count, already_offered,
         absent_until) in session.execute(statement, params).tuples():
        needs = _needs_of(needs_text)
        if need not in needs:
            continue
        candidates.append(Candidate(
            volunteer_id=volunteer_id, name=name, needs=needs, latitude=latitude,
            longitude=longitude, max_distance_km=max_distance_km,
            open_assignments=open_count or 0,
            cap=capacity if kind == VolunteerKind.ORGANISATION and capacity
            else max_open_assignments,
            approved=True, active=True, opted_out=False, dbs_status=dbs_status,
            dbs_expires_on=dbs_expires_on, availability=_availability_of(availability),
            last_offered_at=last_offered_at, already_offered=bool(already_offered),
            away_until=away_until, absent_until=absent_until))
    return candidates


@cache
def _candidates_statement(with_need: bool, with_absence: bool) -> Select:
    """`load_candidates`' SELECT, with the parameters `_box` names plus `case_id` (and `today`
    when `with_absence`). The JSON columns are read as their text."""
    box: dict[str, Any] = {name: bindparam(name, type_=Float())
                           for name in _bands(Case(latitude=0.0, longitude=0.0), 0.0)}
    box["need_pattern"] = bindparam("need_pattern", type_=String())
    # Joined once, grouped: the cases now assigned are few (finished ones move on), and a
    # subquery per row would be planned as a scan of a small cases table for every candidate.
    open_assignments = (select(Case.assigned_volunteer_id.label("volunteer_id"),
                               func.count().label("count"))
                        .where(Case.status == CaseStatus.ASSIGNED,
                               Case.assigned_volunteer_id.is_not(None))
                        .group_by(Case.assigned_volunteer_id)
                        .subquery("open_assignments"))
    offered = Volunteer.id.in_(select(Offer.volunteer_id).where(
        Offer.case_id == bindparam("case_id", type_=Integer())))
    absent = (absent_until_column(Volunteer.id, bindparam("today", type_=Date()))
              if with_absence else null())
    return select(
        Volunteer.id, Volunteer.name, Volunteer.kind, cast(Volunteer.needs, String),
        Volunteer.latitude, Volunteer.longitude, Volunteer.max_distance_km,
        Volunteer.max_open_assignments, Volunteer.capacity, Volunteer.dbs_status,
        Volunteer.dbs_expires_on, cast(Volunteer.availability, String),
        Volunteer.last_offered_at, Volunteer.away_until, open_assignments.c.count,
        offered, absent,
    ).outerjoin(open_assignments, open_assignments.c.volunteer_id == Volunteer.id).where(
        *_prefilter(box, with_need, banded=True))


@lru_cache(maxsize=4096)
def _needs_of(text: str | None) -> frozenset[str]:
    """A volunteer's needs from the column's JSON text (few distinct lists: cached)."""
    value = json.loads(text) if text else None
    return frozenset(value) if isinstance(value, list) else frozenset()


def _availability_of(text: str | None) -> dict[str, Any]:
    """A volunteer's weekly hours from the column's JSON text; `{}` (most) is not parsed."""
    if not text or text == "{}" or text == "null":
        return {}
    value = json.loads(text)
    return value if isinstance(value, dict) else {}


def _candidate(v: Any, open_assignments: int, already_offered: bool,
               absent: date | None = None) -> Candidate:
    """A Candidate from a Volunteer or a row of _CANDIDATE_COLUMNS (same attribute names)."""
    cap = v.capacity if v.kind == VolunteerKind.ORGANISATION and v.capacity else (
        v.max_open_assignments)
    return Candidate(
        volunteer_id=v.id, name=v.name, needs=frozenset(v.needs or []), latitude=v.latitude,
        longitude=v.longitude, max_distance_km=v.max_distance_km,
        open_assignments=open_assignments, cap=cap,
        approved=v.approval_status == ApprovalStatus.APPROVED, active=v.active,
        opted_out=v.opted_out, dbs_status=v.dbs_status, dbs_expires_on=v.dbs_expires_on,
        availability=v.availability or {}, last_offered_at=v.last_offered_at,
        already_offered=already_offered, away_until=v.away_until, absent_until=absent,
    )


def rank_case(session: Session, case: Case, now: datetime, policy: MatchingPolicy) -> Ranking:
    facts = CaseFacts(case.need, case.latitude, case.longitude)
    return rank_pure(facts, load_candidates(session, case, now), now, policy)


def suggest_volunteers(session: Session, case: Case, now: datetime,
                       policy: MatchingPolicy | None = None) -> list[Suggestion]:
    """Eligible volunteers for the console, best first, each with plain-words reasons."""
    policy = policy or stored_policy(session, case) or MatchingPolicy()
    ranking = rank_case(session, case, now, policy)
    by_id = {v.id: v for v in session.scalars(select(Volunteer).where(
        Volunteer.id.in_([r.candidate.volunteer_id for r in ranking.ranked])))}
    return [Suggestion(by_id[r.candidate.volunteer_id], r.candidate.volunteer_id,
                       r.candidate.name, r.rank, round(r.distance_km, 2), list(r.reasons),
                       round(r.distance_km, 2)) for r in ranking.ranked]


def offer_next(session: Session, case: Case, now: datetime, policy: MatchingPolicy) -> MatchStep:
    """Offer the case to the best volunteer not yet asked, or signpost, or hand it to staff."""
    if case.status not in MATCHABLE_STATUSES or case.assigned_volunteer_id is not None:
        return MatchStep("nothing", detail=f"case is {case.status}")
    held = staff_only_reason(case)
    if held is not None:
        return escalate(session, case, now, held)
    made = session.execute(select(Offer.status, Offer.attempt)
                           .where(Offer.case_id == case.id)).all()
    if any(status in OPEN_OFFER_STATUSES for status, _attempt in made):
        return MatchStep("nothing", detail="an offer is still open")
    attempts_made = max((attempt for _status, attempt in made), default=0)
    ranking = None
    if case.repeat_of_case_id is not None and not case.offer_attempts:
        ranking = rank_case(session, case, now, policy)
        first = helper_first(session, case, ranking, now)
        if first is not None:
            return make_offer(session, case, first, ranking, now, policy,
                              attempts_made=attempts_made)
    if (case.need in policy.signpost_needs or case.need == Need.FUNDING) \
            and not case.offer_attempts:
        step = _signpost(session, case, now, "a directory service answers this need best",
                         policy)
        if step is not None:
            return step
    if case.offer_attempts >= policy.max_offer_attempts:
        return exhausted(session, case, now,
                         f"{case.offer_attempts} volunteers asked, none took it")
    if ranking is None:
        ranking = rank_case(session, case, now, policy)
    if not ranking.ranked:
        if not case.offer_attempts:
            step = _signpost(session, case, now, "no volunteer could take it", policy)
            if step is not None:
                return step
            return escalate(session, case, now, _no_one_words(case, ranking))
        return exhausted(session, case, now, f"{case.offer_attempts} volunteers asked, none "
                         f"took it, and nobody else fits ({_no_one_words(case, ranking)})")
    return make_offer(session, case, ranking.ranked[0], ranking, now, policy,
                      attempts_made=attempts_made)


def make_offer(session: Session, case: Case, chosen: Ranked, ranking: Ranking | None,
               now: datetime, policy: MatchingPolicy, *,
               attempts_made: int | None = None) -> MatchStep:
    """Create Offer(attempt n+1) and its SMS (key `offer:<id>`); mark the case offered.

    `attempts_made`: the highest attempt among the case's offers, when the caller has just
    read them under the case lock (else it is read here). Either way the unique (case,
    attempt) key decides: an offer a concurrent job made first means this one is not made.
    """
    volunteer_id = chosen.candidate.volunteer_id
    if attempts_made is None:
        attempts_made = session.scalar(select(func.max(Offer.attempt))
                                       .where(Offer.case_id == case.id)) or 0
    attempt = attempts_made + 1
    explanation = {
        "rank": chosen.rank, "eligible": len(ranking.ranked) if ranking else None,
        "distance_km": round(chosen.distance_km, 2), "reasons": list(chosen.reasons),
        "excluded": ranking.summary() if ranking else {}, "policy": policy.as_dict(),
    }
    offer = insert_unless_taken(session, Offer, {
        "case_id": case.id, "volunteer_id": volunteer_id, "attempt": attempt,
        "status": OfferStatus.PENDING, "rank": chosen.rank, "explanation": explanation,
        "created_at": now,
        "expires_at": now + timedelta(seconds=policy.offer_timeout_seconds)},
        [Offer.case_id, Offer.attempt])
    if offer is None:
        log.info("case %s: attempt %d was offered concurrently", case.reference, attempt)
        return MatchStep("nothing", detail="offered concurrently")
    phone, name = _mark_offered(session, volunteer_id, now)
    body = offer_texts.offer_text(case, max(1, policy.offer_timeout_seconds // 60))
    message = queue_sms(session, to_phone=phone, body=body, purpose="offer",
                        idempotency_key=f"offer:{offer.id}", now=now, case_id=case.id,
                        volunteer_id=volunteer_id, offer_id=offer.id)
    case.status, case.offer_attempts, case.updated_at = CaseStatus.OFFERED, attempt, now
    case.first_offer_at = case.first_offer_at or now
    # The offer's expiry (or its answer) moves the case on from here, not the matching job;
    # cleared now, the flag is written in the same UPDATE as the rest.
    case.needs_matching = False
    add_case_event(session, case, "offered", f"Offered to {name} (try {attempt}, "
                   f"rank {chosen.rank}): " + "; ".join(chosen.reasons[:3]), now=now,
                   data=explanation, volunteer_id=volunteer_id, offer_id=offer.id)
    ids = [message.id] if message is not None and message.status == "pending" else []
    if not ids:  # suppressed or no number: it can never arrive, so move on now
        return _offer_cannot_arrive(session, case, offer, now, policy)
    return MatchStep("offered", offer, ids)


def _mark_offered(session: Session, volunteer_id: int, now: datetime) -> tuple[str, str]:
    """Stamp the volunteer's last_offered_at; their (phone, name). A volunteer the session
    holds already (staff chose them) is changed in place; otherwise one UPDATE ... RETURNING
    stands for reading the row and writing it back."""
    held = session.identity_map.get(session.identity_key(Volunteer, volunteer_id))
    if isinstance(held, Volunteer):
        held.last_offered_at = now
        return held.phone, held.name
    phone, name = session.execute(_mark_offered_statement(),
                                  {"volunteer_id": volunteer_id, "now": now}).one()
    return phone, name


@cache
def _mark_offered_statement() -> Update:
    return (update(Volunteer).where(Volunteer.id == bindparam("volunteer_id"))
            .values(last_offered_at=bindparam("now"))
            .returning(Volunteer.phone, Volunteer.name)
            .execution_options(synchronize_session=False))


def _offer_cannot_arrive(session: Session, case: Case, offer: Offer, now: datetime,
                         policy: MatchingPolicy) -> MatchStep:
    offer.status, offer.answered_at = OfferStatus.UNDELIVERED, now
    add_case_event(session, case, "offer_undelivered", "The offer SMS cannot be sent",
                   now=now, offer_id=offer.id, volunteer_id=offer.volunteer_id)
    return offer_next(session, case, now, policy)


def offer_case_to(session: Session, case: Case, volunteer_id: int, now: datetime,
                  policy: MatchingPolicy | None = None) -> MatchStep:
    """Staff chose this volunteer: withdraw any open offer and offer it to them (same SMS).

    The volunteer whose offer is withdrawn is texted that it was arranged another way (the
    reference only), so nobody answers YES to, or sets out for, a request that is not theirs.
    """
    policy = policy or stored_policy(session, case) or MatchingPolicy()
    volunteer = session.get(Volunteer, volunteer_id)
    if volunteer is None:
        return MatchStep("nothing", detail="no such volunteer")
    told: list[int] = []
    for offer in open_offers(session, case.id):
        told += close_offer(session, case, offer, now, "staff offered it to someone else",
                            body=offer_texts.offer_rearranged_text(case))
    if case.status == CaseStatus.NEEDS_STAFF:
        case.status = CaseStatus.MATCHING
    if case.outcome == CaseOutcome.UNMET and case.closed_at is None:
        # Matching had given up; staff found someone, so the request is not unmet (yet).
        case.outcome, case.outcome_reason = None, None
    chosen = Ranked(_candidate(volunteer, 0, False), 1, 0.0, ("chosen by staff",))
    step = make_offer(session, case, chosen, None, now, policy)
    step.message_ids[:0] = told
    return step


def staff_only_reason(case: Case) -> str | None:
    """Why no volunteer may be offered this case at all (None: matching may go on).

    Safeguarding cases are for staff; a resident who has not said yes to sharing their details
    is never offered to a volunteer.
    """
    if case.urgency == Urgency.SAFEGUARDING:
        return "safeguarding"
    if not case.consent_to_share:
        return NO_CONSENT
    return None


def escalate(session: Session, case: Case, now: datetime, reason: str) -> MatchStep:
    """Hand the case to staff (`needs_staff`), with the reason on its timeline."""
    case.status, case.needs_matching, case.updated_at = CaseStatus.NEEDS_STAFF, False, now
    case.needs_staff_reason = reason[:120]
    add_case_event(session, case, "needs_staff", f"Needs staff: {reason}", now=now,
                   data={"reason": reason})
    log.info("case %s needs staff", case.reference)
    return MatchStep("needs_staff", detail=reason)


def exhausted(session: Session, case: Case, now: datetime, reason: str) -> MatchStep:
    """Every volunteer who could be asked was asked and none took it: the request is recorded
    as unmet (reports count it) and handed to staff, who may still help and close it otherwise.
    """
    case.outcome, case.outcome_reason = CaseOutcome.UNMET, reason[:2000]
    add_case_event(session, case, "offers_exhausted", f"Unmet: {reason}", now=now,
                   data={"outcome": CaseOutcome.UNMET.value, "reason": reason})
    return escalate(session, case, now, reason)


def _signpost(session: Session, case: Case, now: datetime, why: str,
              policy: MatchingPolicy) -> MatchStep | None:
    result = signpost_case(session, case, now, why, funding_form_url=policy.funding_form_url)
    if result is None:
        return None
    return MatchStep("signposted", message_ids=result.message_ids, detail=result.service_name)


def _no_one_words(case: Case, ranking: Ranking) -> str:
    if case.latitude is None:
        return "no location for the case (postcode missing or unknown)"
    if not ranking.excluded:
        return f"no volunteer nearby offers {case.need or 'this need'}"
    counts = ", ".join(f"{rule} ({n})" for rule, n in sorted(ranking.summary().items()))
    return f"no eligible volunteer: {counts}"
