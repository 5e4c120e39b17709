"""A case page with a whole conversation on its timeline, in chromium: in order, numbers masked
until shown, times in UK time, and no serious axe-core violations."""

from __future__ import annotations

import random
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.models.base import utcnow
from app.models.volunteer import Volunteer
from app.services.demo.timeline import seed_timeline_case

pytestmark = [pytest.mark.browser, pytest.mark.clock]
ALPHABET = "34679ACDEFGHJKMNPQRTVWXY"


def _seed(live_server) -> tuple[str, str]:
    reference = "H2H-" + "".join(random.choice(ALPHABET) for _ in range(5))
    n = random.randrange(100, 999)
    phone = f"+447700900{n:03d}"
    start = utcnow() - timedelta(days=1)
    with live_server.session() as session:
        volunteer = Volunteer(name=f"Asha Browser {n}", phone=f"+447700901{n:03d}",
                              postcode="WR1 3AA", district="Worcester", needs=["food"],
                              approval_status="approved", active=True)
        session.add(volunteer)
        session.flush()
        seed_timeline_case(session, reference=reference, phone=phone, volunteer=volunteer,
                           start=start)
        session.commit()
    return reference, phone


def test_full_timeline_reads_in_order_masked_and_accessible(live_server, logged_in_page,
                                                             axe_check):
    reference, phone = _seed(live_server)
    last3 = phone[-3:]
    page = logged_in_page("call_handler")
    page.goto(f"/cases/{reference}")
    timeline = page.locator("#timeline")
    items = timeline.locator("li")
    expect(items.first).to_contain_text("Inbound call")
    texts = items.all_inner_texts()
    titles = [t.splitlines()[0] for t in texts]
    assert titles[:5] == ["Inbound call", "Call step", "The line said", "The line said",
                          "Caller pressed"]
    for expected in ("Caller said", "Handover", "Voicemail", "SMS to resident (case reference)",
                     "Staff note", "Offer 1 to", "SMS to volunteer (offer)",
                     "SMS from volunteer", "SMS to volunteer (assignment)"):
        assert expected in titles or any(t.startswith(expected) for t in titles), expected
    whole = "\n".join(texts)
    assert f"••••• •••{last3}" in whole and "••••• •••444" in whole
    assert phone[-6:] not in whole and "900444" not in whole
    assert re.search(r"\d\d:\d\d:\d\d (GMT|BST)", whole) and " UTC" not in whole
    assert axe_check(page) == []

    page.get_by_role("button", name="Show number").click()
    expect(page.locator("#timeline")).to_contain_text(f"Phone 07700 900{last3}.")
    expect(page.locator("#timeline")).to_contain_text("07700 900444")
    assert axe_check(page) == []
