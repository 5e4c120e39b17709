"""Who should be asked to help with a case, in what order, and why: pure ranking, no I/O.

The rules (the README's "How matching works"), applied in this order so that the explanation
names the FIRST rule a volunteer fails:

1. approved by a coordinator, active (not paused), not opted out of SMS, not away (AWAY by SMS)
   and not on a dated absence staff recorded (UK local dates, both ends included);
2. offers this need;
3. the DBS rule: a need listed in DBS_REQUIRED_NEEDS needs a `clear` DBS check whose expiry
   date is still in the future;
4. available now: inside their weekly hours, when they gave any (UK local time);
5. within their own `max_distance_km` of the case (great-circle, from postcode centroids);
6. under their cap of open assignments (an organisation's `capacity`, when set);
7. not already asked about this case.

Eligible volunteers are ranked by distance, then fewest open assignments, then least recently
asked (never asked first), then id (so the order is stable). Staff see the explanation on the
case page and on each offer, so it is written in plain words.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from app.domain.geo import distance_km
from app.domain.uk_time import LONDON, uk_today

UK = LONDON  # the help line's clock: availability hours and absences are in UK time
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_DBS_NEEDS = ("food", "prescriptions", "befriending", "transport")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class MatchingPolicy:
    """The configuration matching runs under (from Settings; stored on each offer it makes)."""

    offer_timeout_seconds: int = 900
    max_offer_attempts: int = 5
    dbs_required_needs: tuple[str, ...] = DEFAULT_DBS_NEEDS
    signpost_needs: tuple[str, ...] = ("money",)
    # Where a community group applies for a grant (PUBLIC_BASE_URL + /community-grants).
    funding_form_url: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {"offer_timeout_seconds": self.offer_timeout_seconds,
                "max_offer_attempts": self.max_offer_attempts,
                "dbs_required_needs": list(self.dbs_required_needs),
                "signpost_needs": list(self.signpost_needs),
                "funding_form_url": self.funding_form_url}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> MatchingPolicy:
        get = data.get
        return cls(
            offer_timeout_seconds=int(get("offer_timeout_seconds", 900)),  # type: ignore[call-overload]
            max_offer_attempts=int(get("max_offer_attempts", 5)),  # type: ignore[call-overload]
            dbs_required_needs=tuple(get("dbs_required_needs", DEFAULT_DBS_NEEDS)),  # type: ignore[arg-type]
            signpost_needs=tuple(get("signpost_needs", ("money",))),  # type: ignore[arg-type]
            funding_form_url=str(get("funding_form_url") or "") or None,
        )


@dataclass(frozen=True)
class CaseFacts:
    need: str | None
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True)
class Candidate:
    """What ranking needs to know about one volunteer (plain data, read from the register)."""

    volunteer_id: int
    name: str
    needs: frozenset[str]
    latitude: float | None
    longitude: float | None
    max_distance_km: float
    open_assignments: int
    cap: int
    approved: bool = True
    active: bool = True
    opted_out: bool = False
    dbs_status: str = "none"
    dbs_expires_on: date | None = None
    availability: Mapping[str, Sequence[Sequence[str]]] = field(default_factory=dict)
    last_offered_at: datetime | None = None
    already_offered: bool = False
    away_until: datetime | None = None
    # The last day of a dated absence that covers today (UK local date), if any.
    absent_until: date | None = None


@dataclass(frozen=True)
class Ranked:
    candidate: Candidate
    rank: int
    distance_km: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Excluded:
    candidate: Candidate
    reason: str


@dataclass(frozen=True)
class Ranking:
    ranked: tuple[Ranked, ...]
    excluded: tuple[Excluded, ...]

    def summary(self) -> dict[str, int]:
        """How many volunteers each rule excluded (for the offer's explanation)."""
        return dict(Counter(_rule_of(e.reason) for e in self.excluded))


def available_at(availability: Mapping[str, Sequence[Sequence[str]]] | None,
                 now: datetime) -> bool:
    """True when `now` falls in one of the weekly windows (UK local time); no windows: any time.

    Windows are `{"mon": [["09:00", "12:00"], ...], ...}`; an end before its start runs past
    midnight into the next day (an evening volunteer 20:00-02:00).
    """
    if not availability:
        return True
    local = now.astimezone(UK)
    today, clock = DAYS[local.weekday()], local.time()
    yesterday = DAYS[(local.weekday() - 1) % 7]
    for start, end in _windows(availability.get(today, ())):
        if (start <= clock < end) or (end <= start and clock >= start):
            return True
    overnight = _windows(availability.get(yesterday, ()))
    return any(end <= start and clock < end for start, end in overnight)


def _windows(raw: Iterable[Sequence[str]]) -> list[tuple[time, time]]:
    windows = []
    for pair in raw or ():
        try:
            windows.append((time.fromisoformat(pair[0]), time.fromisoformat(pair[1])))
        except (ValueError, TypeError, IndexError):
            continue  # validated on the way in; a bad stored window is ignored, not fatal
    return windows


def dbs_ok(candidate: Candidate, today: date) -> bool:
    return (candidate.dbs_status == "clear" and candidate.dbs_expires_on is not None
            and candidate.dbs_expires_on > today)


def is_away(away_until: datetime | None, now: datetime) -> bool:
    """A volunteer who texted AWAY is offered nothing until the moment they are back."""
    return away_until is not None and away_until > now


def exclusion_reason(case: CaseFacts, c: Candidate, now: datetime,
                     policy: MatchingPolicy) -> str | None:
    """The first rule this volunteer fails for this case, in plain words; None if eligible."""
    if not c.approved:
        return "not approved yet"
    if not c.active:
        return "paused"
    if c.opted_out:
        return "opted out of SMS"
    if is_away(c.away_until, now):
        return "away"
    if c.absent_until is not None and c.absent_until >= uk_today(now):
        return f"on a dated absence (until {c.absent_until:%d %b %Y})"
    if case.need not in c.needs:
        return f"does not offer {case.need or 'this need'}"
    if case.need in policy.dbs_required_needs and not dbs_ok(c, now.date()):
        return f"{case.need} needs a clear, unexpired DBS check (theirs: {_dbs_words(c)})"
    if not available_at(c.availability, now):
        return "not available at this time"
    if case.latitude is None or case.longitude is None:
        return "the case has no location"
    if c.latitude is None or c.longitude is None:
        return "has no location"
    km = distance_km(case.latitude, case.longitude, c.latitude, c.longitude)
    if km > c.max_distance_km:
        return f"too far: {km:.1f} km (goes up to {c.max_distance_km:g} km)"
    if c.open_assignments >= c.cap:
        return f"at their limit: {c.open_assignments} of {c.cap} open assignments"
    if c.already_offered:
        return "already asked about this case"
    return None


def rank_volunteers(case: CaseFacts, candidates: Iterable[Candidate], now: datetime,
                    policy: MatchingPolicy = MatchingPolicy()) -> Ranking:
    """Eligible volunteers best first, each with its reasons; the rest with why they are out."""
    eligible: list[tuple[float, Candidate]] = []
    excluded: list[Excluded] = []
    for c in candidates:
        reason = exclusion_reason(case, c, now, policy)
        if reason is None:
            km = distance_km(case.latitude, case.longitude, c.latitude, c.longitude)  # type: ignore[arg-type]
            eligible.append((km, c))
        else:
            excluded.append(Excluded(c, reason))
    eligible.sort(key=lambda item: (round(item[0], 3), item[1].open_assignments,
                                    item[1].last_offered_at or _EPOCH, item[1].volunteer_id))
    ranked = tuple(
        Ranked(c, i, km, _reasons(case, c, km, now, policy))
        for i, (km, c) in enumerate(eligible, start=1)
    )
    return Ranking(ranked, tuple(excluded))


def _reasons(case: CaseFacts, c: Candidate, km: float, now: datetime,
             policy: MatchingPolicy) -> tuple[str, ...]:
    reasons = [f"{km:.1f} km away (goes up to {c.max_distance_km:g} km)",
               f"{c.open_assignments} of {c.cap} open assignments",
               _asked_words(c.last_offered_at, now), f"offers {case.need}"]
    if case.need in policy.dbs_required_needs:
        reasons.append(f"DBS clear until {c.dbs_expires_on:%d %b %Y}")
    reasons.append("available now" if c.availability else "available any time")
    return tuple(reasons)


def _asked_words(last: datetime | None, now: datetime) -> str:
    if last is None:
        return "never asked before"
    hours = (now - last).total_seconds() / 3600
    if hours < 1:
        return "last asked under an hour ago"
    if hours < 48:
        return f"last asked {int(hours)} hours ago"
    return f"last asked {int(hours // 24)} days ago"


def _dbs_words(c: Candidate) -> str:
    if c.dbs_status == "clear" and c.dbs_expires_on is not None:
        return f"clear, expired {c.dbs_expires_on:%d %b %Y}"
    if c.dbs_status == "clear":
        return "clear, no expiry date recorded"
    return c.dbs_status


def _rule_of(reason: str) -> str:
    """Group reasons by rule for the summary ("too far: 7.1 km ..." -> "too far")."""
    head = reason.split(":")[0].split(" (")[0]
    if head.startswith("does not offer"):
        return "does not offer the need"
    if "DBS" in head:
        return "DBS rule"
    return head
