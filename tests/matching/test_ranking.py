"""Pure ranking rules (no database): eligibility, order and the words staff read."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from app.domain.matching import (
    Candidate,
    CaseFacts,
    MatchingPolicy,
    available_at,
    rank_volunteers,
)

NOW = datetime(2026, 6, 2, 9, 30, tzinfo=UTC)  # Tuesday 10:30 in the UK (BST)
CASE = CaseFacts("food", 52.196712, -2.22355)  # WR1 3AA


def cand(vid: int, lat: float = 52.1894, lon: float = -2.2179, **kw: object) -> Candidate:
    base = Candidate(volunteer_id=vid, name=f"V{vid}", needs=frozenset({"food"}), latitude=lat,
                     longitude=lon, max_distance_km=5.0, open_assignments=0, cap=3,
                     dbs_status="clear", dbs_expires_on=date(2027, 1, 1))
    return replace(base, **kw)  # type: ignore[arg-type]


def test_nearest_first_then_fewest_open_then_least_recently_asked() -> None:
    near = cand(1, 52.1967, -2.2230)
    far = cand(2, 52.17, -2.20)
    busy_near = cand(3, 52.1967, -2.2230, open_assignments=2)
    asked_recently = cand(4, 52.1967, -2.2230, last_offered_at=datetime(2026, 6, 1, tzinfo=UTC))
    asked_long_ago = cand(5, 52.1967, -2.2230, last_offered_at=datetime(2026, 1, 1, tzinfo=UTC))
    ranking = rank_volunteers(CASE, [far, busy_near, asked_recently, near, asked_long_ago], NOW)
    assert [r.candidate.volunteer_id for r in ranking.ranked] == [1, 5, 4, 3, 2]
    assert [r.rank for r in ranking.ranked] == [1, 2, 3, 4, 5]
    assert ranking.ranked[0].reasons[0].endswith("km away (goes up to 5 km)")
    assert "never asked before" in ranking.ranked[0].reasons


@pytest.mark.parametrize(("change", "reason"), [
    ({"approved": False}, "not approved yet"),
    ({"active": False}, "paused"),
    ({"opted_out": True}, "opted out of SMS"),
    ({"needs": frozenset({"befriending"})}, "does not offer food"),
    ({"dbs_status": "pending"}, "food needs a clear, unexpired DBS check (theirs: pending)"),
    ({"dbs_expires_on": date(2026, 6, 1)}, "food needs a clear, unexpired DBS check"),
    ({"dbs_expires_on": None}, "no expiry date recorded"),
    ({"availability": {"sat": [["09:00", "12:00"]]}}, "not available at this time"),
    ({"latitude": None}, "has no location"),
    ({"latitude": 52.30}, "too far"),
    ({"open_assignments": 3}, "at their limit: 3 of 3 open assignments"),
    ({"already_offered": True}, "already asked about this case"),
])
def test_each_rule_excludes_with_its_reason(change: dict, reason: str) -> None:
    ranking = rank_volunteers(CASE, [cand(1, **change)], NOW)
    assert ranking.ranked == ()
    assert reason in ranking.excluded[0].reason


def test_dbs_rule_applies_only_to_configured_needs() -> None:
    no_dbs = cand(1, dbs_status="none", needs=frozenset({"money"}))
    case = CaseFacts("money", CASE.latitude, CASE.longitude)
    assert rank_volunteers(case, [no_dbs], NOW).ranked
    strict = MatchingPolicy(dbs_required_needs=("money",))
    assert not rank_volunteers(case, [no_dbs], NOW, strict).ranked


def test_case_without_location_excludes_everyone_with_that_reason() -> None:
    ranking = rank_volunteers(CaseFacts("food", None, None), [cand(1), cand(2)], NOW)
    assert {e.reason for e in ranking.excluded} == {"the case has no location"}
    assert ranking.summary() == {"the case has no location": 2}


def test_summary_groups_reasons_by_rule() -> None:
    ranking = rank_volunteers(CASE, [cand(1, latitude=52.4), cand(2, latitude=52.5),
                                     cand(3, dbs_status="expired")], NOW)
    assert ranking.summary() == {"too far": 2, "DBS rule": 1}


@pytest.mark.parametrize(("when", "hours", "expected"), [
    (NOW, {}, True),
    (NOW, {"tue": [["09:00", "12:00"]]}, True),  # 10:30 BST
    (NOW, {"tue": [["11:00", "12:00"]]}, False),
    (NOW, {"tue": [["09:30", "10:30"]]}, False),  # end is exclusive
    (datetime(2026, 6, 2, 23, 30, tzinfo=UTC), {"tue": [["20:00", "02:00"]]}, True),
    (datetime(2026, 6, 3, 0, 30, tzinfo=UTC), {"tue": [["20:00", "02:00"]]}, True),  # Wed 01:30
    (datetime(2026, 6, 3, 2, 30, tzinfo=UTC), {"tue": [["20:00", "02:00"]]}, False),
    (datetime(2026, 1, 6, 10, 30, tzinfo=UTC), {"tue": [["10:00", "11:00"]]}, True),  # GMT
    (NOW, {"tue": [["bad", "12:00"]]}, False),
])
def test_weekly_availability_in_uk_local_time(when: datetime, hours: dict,
                                              expected: bool) -> None:
    assert available_at(hours, when) is expected


def test_policy_round_trips_through_a_dict() -> None:
    policy = MatchingPolicy(60, 2, ("food",), ())
    assert MatchingPolicy.from_dict(policy.as_dict()) == policy
