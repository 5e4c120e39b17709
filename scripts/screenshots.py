"""Take the README's console screenshots (docs/screenshots/queue.png, case.png, timeline.png).

Runs the app on a throw-away SQLite database filled with clearly fictional demo data (Ofcom
drama numbers, invented names), serves it in a thread, signs in with Debian's chromium and
saves full-page PNGs. Usage: .venv/bin/python scripts/screenshots.py [OUT_DIR]
"""

from __future__ import annotations

import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from playwright.sync_api import Page, sync_playwright
from werkzeug.serving import make_server

from app import create_app, migrate
from app.domain.uk_time import LONDON
from app.models.case import Case, CaseEvent
from app.models.directory import DirectoryOrganisation, DirectoryService
from app.models.message import Call, Message
from app.models.staff import StaffUser
from app.models.volunteer import Offer, Volunteer
from app.runtime import Runtime
from app.services.demo.timeline import seed_timeline_case
from app.services.staff.passwords import hash_password
from app.settings import load_settings

T = TypeVar("T")
ROOT = Path(__file__).resolve().parent.parent

TIMELINE_CASE = "H2H-TM4N"
PASSWORD = "screenshot password 1"  # noqa: S105 - throw-away demo database
CASES = [  # reference, urgency, status, category, need, district, minutes ago, callback, words
    ("H2H-7K3Q", "safeguarding", "needs_staff", "other", "wellbeing", "Wychavon", 12, None,
     "I haven't eaten properly for days and I'm scared to go out"),
    ("H2H-C4PM", "urgent", "new", "shielding", "prescriptions", "Worcester", 25, None,
     "My tablets need collecting from the pharmacy today"),
    ("H2H-RT9W", "routine", "needs_staff", "self_isolation", "food", "Malvern Hills", 190, -30,
     "Voicemail: please ring me back about shopping"),
    ("H2H-4FXA", "routine", "new", "shielding", "food", "Worcester", 95, None,
     "Could someone get my shopping on Friday?"),
    ("H2H-N6DH", "routine", "offered", "other", "befriending", "Wyre Forest", 240, None,
     "I live alone and would like someone to talk to"),
    ("H2H-9EKV", "routine", "matching", "other", "transport", "Redditch", 320, None,
     "Lift to the hospital on Tuesday morning"),
    ("H2H-QJ3C", "routine", "new", "other", "other", "Bromsgrove", 1500, None,
     "Help filling in a form for my pension"),
]


def seed(runtime: Runtime) -> None:
    now = datetime.now(UTC)
    with runtime.session_factory() as s:
        # A call handler: no authenticator-app step to get past before the pages.
        s.add(StaffUser(email="sam@example.org", name="Sam Okafor", role="call_handler",
                        password_hash=hash_password(PASSWORD)))
        org = DirectoryOrganisation(hsds_id="demo-org-1", name="Worcester Food Bank (demo)")
        s.add(org)
        s.flush()
        s.add(DirectoryService(hsds_id="demo-svc-1", organisation_id=org.id,
                               name="Emergency food parcels (demo)", needs=["food"],
                               phone="01632 960123", is_demo=True))
        vols = [Volunteer(name=n, phone=f"+4477009004{i:02d}", postcode="WR1 3AA",
                          district="Worcester", needs=["food", "prescriptions"],
                          latitude=52.19, longitude=-2.22, dbs_status="clear",
                          dbs_cost_pence=2350, is_demo=True,
                          dbs_expires_on=(now + timedelta(days=400)).date(),
                          phone_valid=True)
                for i, n in enumerate(["Asha Patel", "Tom Griffiths", "Ewa Nowak"])]
        s.add_all(vols)
        for i, (ref, urg, status, cat, need, district, ago, cb, words) in enumerate(CASES):
            created = now - timedelta(minutes=ago)
            s.add(Case(reference=ref, urgency=urg, status=status, category=cat, need=need,
                       district=district, postcode="WR1 2NN", channel="voice" if cb else "sms",
                       phone=f"+4477009001{i:02d}", details=words, created_at=created,
                       name="Margaret Example" if i == 3 else None, latitude=52.19,
                       longitude=-2.22, is_demo=True, consent_to_share=True,
                       callback_due_at=now + timedelta(minutes=cb) if cb else None))
        s.flush()
        staff = s.query(StaffUser).one()
        _timeline(s, s.query(Case).filter_by(reference="H2H-4FXA").one(), vols[1], staff.id)
        # Rang out of hours at 19:40 UK time yesterday; staff and a volunteer took it from 09:00.
        yesterday = now.astimezone(LONDON).date() - timedelta(days=1)
        evening = datetime.combine(yesterday, time(19, 40), LONDON).astimezone(UTC)
        seed_timeline_case(s, reference=TIMELINE_CASE, phone="+447700900177", volunteer=vols[0],
                           start=evening, staff_user_id=staff.id)
        s.commit()


def _timeline(s, case: Case, volunteer: Volunteer, staff_id: int) -> None:
    t0 = case.created_at
    s.add(Message(direction="inbound", purpose="reply", from_phone=case.phone, body="HELP",
                  status="received", case_id=case.id, created_at=t0))
    s.add(Message(direction="outbound", purpose="menu", to_phone=case.phone, status="delivered",
                  body="Here2Help: reply 1 for food and shopping, 2 for prescriptions, "
                       "3 for a friendly call, 0 to talk to a person.", case_id=case.id,
                  created_at=t0 + timedelta(seconds=4)))
    s.add(Message(direction="inbound", purpose="reply", from_phone=case.phone,
                  body="1 Could someone get my shopping on Friday?", status="received",
                  case_id=case.id, created_at=t0 + timedelta(minutes=1)))
    s.add(CaseEvent(case_id=case.id, kind="created", summary="Case opened (sms)",
                    created_at=t0 + timedelta(minutes=1)))
    s.add(Call(call_sid="CA" + "d" * 32, from_phone=case.phone, status="completed",
               duration_seconds=48, case_id=case.id, created_at=t0 + timedelta(minutes=30),
               recording_url="https://api.twilio.com/demo/recording.mp3",
               price=Decimal("0.0085")))
    offer = Offer(case_id=case.id, volunteer_id=volunteer.id, attempt=1, status="declined",
                  created_at=t0 + timedelta(minutes=40), answered_at=t0 + timedelta(minutes=52))
    s.add(offer)
    s.flush()
    s.add(Message(direction="inbound", purpose="reply", from_phone=volunteer.phone,
                  body=f"NO {case.reference} sorry, away this week", status="received",
                  case_id=case.id, volunteer_id=volunteer.id,
                  created_at=t0 + timedelta(minutes=52)))
    s.add(CaseEvent(case_id=case.id, kind="note", created_at=t0 + timedelta(minutes=60),
                    staff_user_id=staff_id,
                    summary="Rang Margaret: she is fine until Friday. Try another volunteer."))


def main(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    with serving(seed) as (base, _), signed_in(base) as page:
        page.goto("/queue")
        page.screenshot(path=str(out_dir / "queue.png"), full_page=True)
        page.goto("/cases/H2H-4FXA")
        page.screenshot(path=str(out_dir / "case.png"), full_page=True)
        page.goto(f"/cases/{TIMELINE_CASE}")
        page.locator("#timeline").screenshot(path=str(out_dir / "timeline.png"))
    print(f"wrote queue.png, case.png and timeline.png in {out_dir}")


@contextmanager
def serving(seed_with: Callable[[Runtime], T]) -> Iterator[tuple[str, T]]:
    """The app on a throw-away database seeded by `seed_with`, served in a thread: its base
    URL and what the seeding returned."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings({"HERE2HELP_INSTANCE": tmp, "SECRET_KEY": "screenshots",
                                  "SECURE_COOKIES": "false", "SMS_BACKEND": "record",
                                  "MFA_REQUIRED_ROLES": ""})
        migrate.upgrade(settings.database_url)
        runtime = Runtime.build(settings)
        seeded = seed_with(runtime)
        server = make_server("127.0.0.1", 0, create_app(runtime=runtime), threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            yield f"http://127.0.0.1:{server.server_port}", seeded
        finally:
            server.shutdown()
            runtime.engine.dispose()


@contextmanager
def signed_in(base: str) -> Iterator[Page]:
    """Debian's chromium, signed in as the seeded coordinator."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page(base_url=base, viewport={"width": 1280, "height": 900})
        page.goto("/login")
        page.get_by_label("Email address").fill("sam@example.org")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        try:
            yield page
        finally:
            browser.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
