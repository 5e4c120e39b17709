"""Demo volunteers for `here2help seed-demo`: clearly marked (is_demo=True, "(demo)" in the
name), on Ofcom's drama numbers (07700 900800-900899, which reach no real phone), at real
Worcestershire postcodes so matching and distances behave as they would for real.

Idempotent: a demo volunteer whose number is already registered is skipped, so running the
seeder twice adds nothing. Flushes only; `app.services.demo.seed.seed_demo` commits.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.volunteer import Volunteer
from app.services.geo.neighbourhoods import neighbourhood_code_for
from app.services.volunteers.register import validate

_EVERYDAY = ["food", "prescriptions", "befriending"]

#: (name, number, postcode, needs, km, DBS expiry in days from the day of loading or None,
#: extra fields). Relative, so demo data loaded on any day has checks that are still valid;
#: Raj's falls inside the 30-day reminder window, so the DBS reminder has something to show.
DEMO_VOLUNTEERS: tuple[tuple[str, str, str, list[str], float, int | None, dict], ...] = (
    ("Sam Patel (demo)", "07700 900801", "WR1 2NN", _EVERYDAY, 5, 300, {}),
    ("Ann Hughes (demo)", "07700 900802", "WR2 4AA", [*_EVERYDAY, "transport"], 8,
     120, {"availability": {"sat": [["09:00", "17:00"]],
                            "sun": [["09:00", "17:00"]]}}),
    ("Raj Singh (demo)", "07700 900803", "WR5 1AA", ["food", "wellbeing"], 3, 28, {}),
    ("Kate Morris (demo)", "07700 900804", "WR14 1AA", ["befriending", "wellbeing"], 10,
     None, {"dbs_status": "pending"}),
    ("Tom Baker (demo)", "07700 900805", "WR9 8AA", ["transport", "prescriptions"], 15,
     425, {"max_open_assignments": 2}),
    ("Lucy Evans (demo)", "07700 900806", "B60 1AA", [*_EVERYDAY, "money"], 6,
     210, {"active": False}),
    ("St Mark's Church befriending (demo)", "07700 900807", "WR1 3AA", ["befriending"], 10,
     360, {"kind": "organisation", "contact_name": "Jo Bloggs", "capacity": 6}),
    ("Corner Shop deliveries (demo)", "07700 900808", "WR11 4AA", ["food"], 12,
     150, {"kind": "organisation", "contact_name": "Priya Shah", "capacity": 10}),
)


def seed_demo_volunteers(session: Session, today: date) -> int:
    """Add the demo volunteers not there yet, DBS expiries counted from `today`; returns how
    many were added."""
    added = 0
    for name, number, postcode, needs, km, expires_in, extra in DEMO_VOLUNTEERS:
        expires = today + timedelta(days=expires_in) if expires_in is not None else None
        values = {"name": name, "phone": number, "postcode": postcode, "needs": needs,
                  "max_distance_km": km, "dbs_status": "clear" if expires else "none",
                  "dbs_expires_on": expires, **extra}
        clean = validate(values)
        if session.scalar(select(Volunteer.id).where(Volunteer.phone == clean["phone"])):
            continue
        session.add(Volunteer(is_demo=True, source="demo", approval_status="approved",
                              notes="Demo data: not a real person.",
                              neighbourhood_code=neighbourhood_code_for(session,
                                                                        clean.get("postcode")),
                              **clean))
        added += 1
    session.flush()
    return added
