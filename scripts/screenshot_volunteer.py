"""Take the README's volunteer page screenshot (docs/screenshots/volunteer.png).

With scripts/screenshots.py's helpers: a throw-away SQLite database with clearly fictional demo data
(Ofcom drama numbers, invented names), the app served in a thread, Debian's chromium signed in
as a coordinator. The volunteer signed up by texting JOIN and answered the questions; the page
shows their usual hours, a dated absence and an assignment, with the number revealed.
Usage: .venv/bin/python scripts/screenshot_volunteer.py [OUT_DIR]
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from screenshots import PASSWORD, serving, signed_in  # scripts/screenshots.py, run alongside

from app.domain.uk_time import uk_today
from app.domain.volunteer_signup import parse_availability
from app.models.case import Case
from app.models.staff import StaffUser
from app.models.volunteer import Offer, Volunteer, VolunteerAbsence
from app.runtime import Runtime
from app.services.staff.passwords import hash_password

ROOT = Path(__file__).resolve().parent.parent


def seed(runtime: Runtime) -> int:
    now = datetime.now(UTC)
    today = uk_today(now)
    with runtime.session_factory() as s:
        s.add(StaffUser(email="sam@example.org", name="Sam Okafor", role="coordinator",
                        password_hash=hash_password(PASSWORD)))
        gwen = Volunteer(
            name="Gwen Roberts", phone="+447700900431", phone_valid=True, postcode="WR1 2NN",
            district="Worcester", latitude=52.19, longitude=-2.22,
            needs=["food", "transport"], availability=parse_availability("2 3"),
            approval_status="approved", active=True, source="sms_join", dbs_status="clear",
            dbs_expires_on=today + timedelta(days=900), dbs_cost_pence=2350, is_demo=True,
            notes=f"{today - timedelta(days=9):%Y-%m-%d} texted JOIN; call to complete sign-up.\n"
                  f"{today - timedelta(days=9):%Y-%m-%d} answered the sign-up questions by "
                  "SMS; call them before approving.\n"
                  f"{today - timedelta(days=8):%Y-%m-%d} application approved",
            created_at=now - timedelta(days=9), updated_at=now)
        s.add(gwen)
        s.flush()
        s.add(VolunteerAbsence(volunteer_id=gwen.id, starts_on=today + timedelta(days=12),
                               ends_on=today + timedelta(days=19), note="Family holiday",
                               created_at=now))
        case = Case(reference="H2H-4FXA", status="assigned", category="shielding", need="food",
                    district="Worcester", postcode="WR1 3AA", phone="+447700900104",
                    latitude=52.19, longitude=-2.22, is_demo=True, consent_to_share=True,
                    assigned_volunteer_id=gwen.id, assigned_at=now - timedelta(hours=30),
                    created_at=now - timedelta(days=2))
        s.add(case)
        s.flush()
        s.add(Offer(case_id=case.id, volunteer_id=gwen.id, attempt=1, status="accepted",
                    created_at=now - timedelta(hours=31), answered_at=now - timedelta(hours=30)))
        s.commit()
        return gwen.id


def main(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    with serving(seed) as (base, volunteer_id), signed_in(base) as page:
        page.goto(f"/volunteers/{volunteer_id}")
        page.get_by_role("button", name="Show number").click()
        page.wait_for_selector("#phone-number strong")
        page.screenshot(path=str(out_dir / "volunteer.png"), full_page=True)
    print(f"wrote {out_dir / 'volunteer.png'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
