"""A demo directory for trying the service out: Worcestershire-shaped, clearly fictional.

Every row is `is_demo=True`, every name says "(demo)", phone numbers are Ofcom drama numbers,
and ids are stable UUIDs, so seeding twice changes nothing.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.directory import DirectoryLocation, DirectoryOrganisation, DirectoryService
from app.services.directory.hsds_export import stable_uuid

# (name, organisation, needs, districts, statutory, postcode, district, lat, lon, reviewed)
DEMO_SERVICES: tuple[tuple, ...] = (
    ("Worcester Foodbank (demo)", "Worcester Community Trust (demo)", ["food"], ["Worcester"],
     False, "WR1 1AA", "Worcester", 52.196671, -2.216951, date(2026, 9, 1)),
    ("Redditch Community Pantry (demo)", "Redditch Churches Together (demo)", ["food"],
     ["Redditch"], False, "B97 4AA", "Redditch", 52.307402, -1.942755, date(2026, 6, 15)),
    ("Kidderminster Meals on Wheels (demo)", "Wyre Forest Volunteers (demo)", ["food"],
     ["Wyre Forest"], False, "DY10 1AA", "Wyre Forest", 52.386964, -2.250444, date(2024, 3, 1)),
    ("Prescription Collection Line (demo)", "Age Friendly Worcestershire (demo)",
     ["prescriptions"], [], False, None, None, None, None, date(2026, 1, 10)),
    ("Telephone Friends (demo)", "Age Friendly Worcestershire (demo)", ["befriending"], [],
     False, None, None, None, None, date(2025, 11, 5)),
    ("Bromsgrove Community Transport (demo)", "Bromsgrove Dial-a-Ride (demo)", ["transport"],
     ["Bromsgrove", "Wychavon"], False, "B60 1AA", "Bromsgrove", 52.340372, -2.050652,
     date(2026, 4, 20)),
    ("Benefits and Debt Advice (demo)", "Citizens Advice Worcestershire (demo)", ["money"], [],
     False, "WR1 1AA", "Worcester", 52.1970, -2.2170, date(2026, 7, 7)),
    ("Council Welfare Assistance (demo)", "Worcestershire County Council (demo)",
     ["money", "food"], [], True, "WR1 1AA", "Worcester", 52.1965, -2.2160, date(2026, 2, 2)),
    ("Adult Social Care Front Door (demo)", "Worcestershire County Council (demo)",
     ["wellbeing", "other"], [], True, None, None, None, None, date(2025, 10, 1)),
    ("Malvern Wellbeing Walks (demo)", "Malvern Hills Wellbeing (demo)", ["wellbeing"],
     ["Malvern Hills"], False, "DY13 0EX", "Malvern Hills", 52.324551, -2.291086, None),
)


def seed_demo_directory(session: Session) -> int:
    """Add the demo services that are missing; returns how many services were added."""
    added = 0
    for n, row in enumerate(DEMO_SERVICES, start=1):
        name, org_name, needs, districts, statutory, postcode, district, lat, lon, reviewed = row
        hsds_id = stable_uuid("demo-service", str(n))
        if session.scalar(select(DirectoryService.id).where(DirectoryService.hsds_id == hsds_id)):
            continue
        org_id = stable_uuid("demo-organisation", org_name)
        org = session.scalar(select(DirectoryOrganisation).where(
            DirectoryOrganisation.hsds_id == org_id))
        if org is None:
            org = DirectoryOrganisation(hsds_id=org_id, name=org_name, is_demo=True,
                                        description=f"{org_name}: a fictional organisation.")
            session.add(org)
        service = DirectoryService(
            hsds_id=hsds_id, organisation=org, name=name, needs=needs, districts=districts,
            description=f"{name} is demo data: it shows how a directory entry looks.",
            phone=f"01632 960{100 + n:03d}", email=None, website=None,
            opening_hours="Monday to Friday, 10am to 4pm", eligibility="Anyone living in "
            "Worcestershire", is_statutory=statutory, last_reviewed_on=reviewed, extra={},
            is_demo=True, locations=[],
        )
        if postcode:
            service.locations.append(DirectoryLocation(
                hsds_id=stable_uuid("demo-location", str(n)), organisation=org, name=name,
                address_1=f"{n} High Street", city=district, postcode=postcode,
                district=district, latitude=lat, longitude=lon))
        session.add(service)
        added += 1
    session.flush()
    return added
