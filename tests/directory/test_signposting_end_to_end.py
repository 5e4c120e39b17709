"""A resident whose need no volunteer can meet is texted an imported service in their district."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.domain.matching import MatchingPolicy
from app.models.base import utcnow
from app.models.case import Case
from app.models.message import Message
from app.services.directory.feeds import district_of_postcode, point_of_postcode
from app.services.directory.hsds_import import ImportSource, import_file
from app.services.matching.matcher import offer_next
from tests.conversations.conftest import send_sms  # noqa: F401 (fixture)
from tests.signin import sign_in_as

pytestmark = pytest.mark.clock


def _oruk(n: int, name: str, description: str, postcode: str | None = None) -> dict:
    service = {"id": str(n), "name": name, "description": description, "status": "active",
               "url": "https://example.org", "organization": {"id": f"o{n}", "name": name}}
    if postcode:
        service["service_at_locations"] = [{"id": f"sal{n}", "location": {
            "id": f"l{n}", "physical_addresses": [{"postal_code": postcode}]}}]
    return service


def test_resident_without_a_volunteer_is_signposted_to_a_local_imported_service(
        send_sms, client, db_session, tmp_path) -> None:  # noqa: F811 (fixture)
    page = {"totalElements": 3, "totalPages": 1, "number": 1, "content": [
        _oruk(1, "Redditch Friendship Club", "<p>Coffee mornings for lonely people.</p>",
              "B97 4AA"),
        _oruk(2, "Worcester Befriending", "<p>A weekly&nbsp;befriending visit.</p>",
              "WR1 2HP"),
        _oruk(3, "County Phone Friends", "Telephone befriending for anyone isolated."),
    ]}
    feed = tmp_path / "oruk.json"
    feed.write_text(json.dumps(page))
    result = import_file(db_session, feed, district_of=district_of_postcode,
                         point_of=point_of_postcode, source=ImportSource(("Worcester", "Redditch")))
    assert (result.created, result.errors) == (3, [])

    for text in ["hi", "1", "1", "3", "I am on my own all week", "WR1 2NN", "Ann", "yes"]:
        reply = send_sms("07700900123", text)
    case = db_session.scalars(select(Case)).one()
    assert case.need == "befriending" and case.district == "Worcester"
    assert case.reference in reply[0]

    step = offer_next(db_session, case, utcnow(), MatchingPolicy(offer_timeout_seconds=600))
    db_session.commit()
    assert step.outcome == "signposted"
    [sms] = db_session.scalars(select(Message).where(Message.purpose == "signpost"))
    assert sms.to_phone == "+447700900123"
    assert "Worcester Befriending" in sms.body and case.reference in sms.body

    sign_in_as(client, db_session, "coordinator")
    html = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    section = html.split("Directory services for this need")[1].split("</section>")[0]
    assert section.index("Worcester Befriending") < section.index("County Phone Friends")
    assert "Redditch Friendship Club" not in section  # its location is in Redditch
    assert "km away" in section and "covers Worcester" in section
    assert "helps with befriending (name: &#39;befriending&#39;)" in section
