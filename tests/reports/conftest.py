"""Seeded cases with known answers for the report tests (see test_reports.py for the sums)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from app.models.case import Case
from app.models.directory import DirectoryOrganisation, DirectoryService
from app.models.message import Call, Message
from app.models.volunteer import Volunteer


def at(y: int, m: int, d: int, h: int = 10, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=UTC)


def _volunteers(s) -> list[Volunteer]:
    rows = [
        ("V1", "staff", at(2026, 1, 3), "clear", date(2027, 6, 1), date(2026, 1, 3), 1800, True),
        ("V2", "web", at(2026, 1, 4), "clear", date(2026, 4, 1), date(2025, 4, 1), 1800, True),
        ("V3", "web", at(2026, 2, 10), "pending", None, None, None, True),
        ("V4", "staff", at(2025, 11, 1), "expired", date(2025, 12, 1), None, None, True),
        ("V5", "staff", at(2025, 11, 2), "clear", date(2028, 1, 1), date(2026, 2, 1), 5000, False),
    ]
    out = []
    for i, (name, source, created, dbs, expires, checked, cost, active) in enumerate(rows):
        v = Volunteer(name=name, phone=f"+4477009001{i:02d}", source=source, created_at=created,
                      dbs_status=dbs, dbs_expires_on=expires, dbs_checked_on=checked,
                      dbs_cost_pence=cost, active=active)
        s.add(v)
        out.append(v)
    s.flush()
    return out


def _case(s, ref, created, category, need, district=None, **kw) -> Case:
    case = Case(reference=ref, created_at=created, category=category, need=need,
                district=district, **kw)
    s.add(case)
    s.flush()
    return case


@pytest.fixture
def seeded(db_session):
    """Six cases in Jan-Feb 2026, two outside, volunteers, services, SMS and calls."""
    s = db_session
    v1, v2, *_ = _volunteers(s)
    org = DirectoryOrganisation(hsds_id="org-1", name="Council", description="")
    statutory = DirectoryService(hsds_id="svc-1", organisation=org, name="Adult Social Care",
                                 is_statutory=True, needs=["other"], districts=[], extra={})
    other = DirectoryService(hsds_id="svc-2", organisation=org, name="Garden Club",
                             is_statutory=False, needs=["other"], districts=[], extra={})
    s.add_all([org, statutory, other])
    s.flush()
    h = timedelta(hours=1)
    c1 = _case(s, "H2H-0001", at(2026, 1, 5), "shielding", "food", "Worcester", outcome="matched",
               first_offer_at=at(2026, 1, 5) + h, assigned_at=at(2026, 1, 5) + 2 * h,
               completed_at=at(2026, 1, 5) + 24 * h, assigned_volunteer_id=v1.id)
    c2 = _case(s, "H2H-0002", at(2026, 1, 10), "shielding", "prescriptions", "Redditch",
               outcome="matched", first_offer_at=at(2026, 1, 10) + 2 * h,
               assigned_at=at(2026, 1, 10) + 4 * h, completed_at=at(2026, 1, 10) + 48 * h,
               assigned_volunteer_id=v2.id)
    c3 = _case(s, "H2H-0003", at(2026, 1, 20), "other", "befriending", "Worcester",
               outcome="signposted", directory_service_id=statutory.id,
               details="I feel lonely and would like someone to talk to on the phone")
    _case(s, "H2H-0004", at(2026, 2, 2), "other", "other", "Worcester",
          outcome="handled_by_staff", directory_service_id=other.id,
          details="Need help with my garden and my dog walking; the dog is old")
    c5 = _case(s, "H2H-0005", at(2026, 2, 14), "self_isolation", "food", "Bromsgrove",
               outcome="unmet", first_offer_at=at(2026, 2, 14) + 3 * h)
    _case(s, "H2H-0006", at(2026, 2, 28, 23, 30), "other", "money", None,
          directory_service_id=statutory.id, details="Lonely, money worries, phone bill")
    c7 = _case(s, "H2H-0007", at(2026, 3, 1, 0, 0), "shielding", "food", "Worcester")
    _case(s, "H2H-0008", at(2025, 12, 31, 23, 59), "other", "other", "Worcester")
    priced = [(c1, "-0.04"), (c1, "-0.04"), (c2, "-0.04"), (c5, "-0.0790"), (c7, "-0.04")]
    for n, (case, price) in enumerate(priced):
        s.add(Message(direction="outbound", case_id=case.id, price=Decimal(price),
                      price_unit="GBP", body="x", twilio_sid=f"SM{n:032d}"))
    s.add(Call(call_sid="CA" + "0" * 32, case_id=c3.id, price=Decimal("-0.15"), price_unit="GBP"))
    s.commit()
    return s

