"""A demo directory for trying the service out: Worcestershire-shaped, clearly fictional.

Every row is `is_demo=True`, every name says "(demo)", phone numbers are Ofcom drama numbers,
and ids are stable UUIDs, so seeding twice changes nothing.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.directory import DirectoryLocation, DirectoryOrganisation, DirectoryService
from app.services.directory.hsds_export import stable_uuid

# (name, organisation, needs, districts, statutory, postcode, district, lat, lon, days since
# last review or None). Relative to the day the demo is loaded, so the same entries are due
# for review on any day: with the default 12-month review, the ones reviewed 390 or more days
# ago (and the never-reviewed one) are flagged; 325 days or fewer never are.
DEMO_SERVICES: tuple[tuple, ...] = (
    ("Worcester Foodbank (demo)", "Worcester Community Trust (demo)", ["food"], ["Worcester"],
     False, "WR1 1AA", "Worcester", 52.196671, -2.216951, 90),
    ("Redditch Community Pantry (demo)", "Redditch Churches Together (demo)", ["food"],
     ["Redditch"], False, "B97 4AA", "Redditch", 52.307402, -1.942755, 170),
    ("Kidderminster Meals on Wheels (demo)", "Wyre Forest Volunteers (demo)", ["food"],
     ["Wyre Forest"], False, "DY10 1AA", "Wyre Forest", 52.386964, -2.250444, 1000),
    ("Prescription Collection Line (demo)", "Age Friendly Worcestershire (demo)",
     ["prescriptions"], [], False, None, None, None, None, 325),
    ("Telephone Friends (demo)", "Age Friendly Worcestershire (demo)", ["befriending"], [],
     False, None, None, None, None, 390),
    ("Bromsgrove Community Transport (demo)", "Bromsgrove Dial-a-Ride (demo)", ["transport"],
     ["Bromsgrove", "Wychavon"], False, "B60 1AA", "Bromsgrove", 52.340372, -2.050652, 225),
    ("Benefits and Debt Advice (demo)", "Citizens Advice Worcestershire (demo)", ["money"], [],
     False, "WR1 1AA", "Worcester", 52.1970, -2.2170, 150),
    ("Council Welfare Assistance (demo)", "Worcestershire County Council (demo)",
     ["money", "food"], [], True, "WR1 1AA", "Worcester", 52.1965, -2.2160, 300),
    ("Adult Social Care Front Door (demo)", "Worcestershire County Council (demo)",
     ["wellbeing", "other"], [], True, None, None, None, None, 425),
    ("Malvern Wellbeing Walks (demo)", "Malvern Hills Wellbeing (demo)", ["wellbeing"],
     ["Malvern Hills"], False, "DY13 0EX", "Malvern Hills", 52.324551, -2.291086, None),
)


def seed_demo_directory(session: Session, today: date) -> int:
    """Add the demo services that are missing, review dates counted back from `today`; returns
    how many services were added."""
    added = 0
    for n, row in enumerate(DEMO_SERVICES, start=1):
        name, org_name, needs, districts, statutory, postcode, district, lat, lon, age = row
        reviewed = today - timedelta(days=age) if age is not None else None
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
