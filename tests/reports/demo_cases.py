"""Plausible demo cases, volunteers, SMS and calls for the browser tests and the screenshot.

Deterministic (a seeded Random), so the screenshot shows the same figures every time.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from app.models.case import Case
from app.models.message import Message
from app.models.volunteer import Volunteer

DISTRICTS = ["Worcester", "Redditch", "Bromsgrove", "Wychavon", "Wyre Forest", "Malvern Hills"]
NEEDS = {"shielding": ["food", "prescriptions", "food", "befriending"],
         "self_isolation": ["food", "prescriptions", "transport"],
         "other": ["money", "wellbeing", "befriending", "other", "transport"]}
WORDS = ["lonely since my husband died", "help with my electric bill and the meter",
         "need someone to walk my dog", "boiler broken and no money for repairs",
         "lonely and would like a chat", "forms for pension credit", "dog food and cat litter",
         "lift to the hospital for my eye appointment"]


def seed_demo_cases(session, today: date, count: int = 240, since: date | None = None) -> int:
    """`count` closed cases made between `since` (default: 170 days before `today`) and the
    end of the day before `today`, with 30 volunteers; everything relative to `today`, so the
    figures look the same whatever day it is."""
    rnd = random.Random(42)
    since = since or today - timedelta(days=170)
    start = datetime(since.year, since.month, since.day, tzinfo=UTC)
    minutes = (today - since).days * 24 * 60 - 1
    volunteers = [Volunteer(name=f"Demo volunteer {i}", phone=f"+447700900{960 + i:03d}",
                            source=rnd.choice(["staff", "web", "sms"]), is_demo=True,
                            created_at=start + timedelta(days=rnd.randint(0, 150)),
                            dbs_status=rnd.choice(["clear", "clear", "pending", "none"]),
                            dbs_expires_on=today + timedelta(days=rnd.randint(-30, 700)),
                            dbs_checked_on=today - timedelta(days=rnd.randint(0, 150)),
                            dbs_cost_pence=1800) for i in range(30)]
    session.add_all(volunteers)
    session.flush()
    for n in range(count):
        created = start + timedelta(minutes=rnd.randint(0, minutes))
        category = rnd.choices(list(NEEDS), weights=[5, 2, 3])[0]
        outcome = rnd.choice(["matched", "matched", "signposted", "handled_by_staff", "unmet"])
        case = Case(reference=f"H2H-D{n:03d}", created_at=created, category=category,
                    need=rnd.choice(NEEDS[category]), district=rnd.choice(DISTRICTS),
                    details=rnd.choice(WORDS) if category == "other" else None,
                    outcome=outcome, is_demo=True, status="closed")
        if outcome == "matched":
            case.first_offer_at = created + timedelta(minutes=rnd.randint(5, 240))
            case.assigned_at = case.first_offer_at + timedelta(minutes=rnd.randint(5, 300))
            case.completed_at = case.assigned_at + timedelta(hours=rnd.randint(4, 72))
            case.assigned_volunteer_id = rnd.choice(volunteers).id
        session.add(case)
        session.flush()
        session.add(Message(direction="outbound", case_id=case.id, body="demo",
                            price=Decimal("-0.0400"), price_unit="GBP"))
    session.commit()
    return count
