"""Community grants end to end: a group's expression of interest on the public form, due
diligence, the award (within the pot's rules), payment, the pot's budget left, the reports and
the members' briefing; and who may do what."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pypdf
import pytest
from sqlalchemy import func, select

from app.models import DirectoryOrganisation, FundingPot, GrantApplication, Message
from app.models.base import utcnow
from tests.signin import csrf_from, post_form, sign_in_as

pytestmark = pytest.mark.clock


def _pot(client, name: str = "Fast Grants", budget: str = "800") -> None:
    today = utcnow().date()
    response = post_form(client, "/grants/pots/new", "/grants/pots/new", {
        "name": name, "description": "Grassroots groups", "budget": budget, "min_award": "50",
        "max_award": "500", "opens_on": (today - timedelta(days=1)).isoformat(),
        "closes_on": (today + timedelta(days=30)).isoformat()})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def _apply(public, pot_id: int, **fields) -> str:
    form = {"pot_id": str(pot_id), "organisation_name": "St Mary's Primary School",
            "organisation_type": "school", "contact_name": "Ann Head",
            "contact_phone": "07700 900555", "contact_email": "", "postcode": "WR1 2NN",
            "purpose": "Breakfast club for families who are self-isolating", "amount": "450",
            "agree": "y", **fields}
    response = post_form(public, "/community-grants", "/community-grants", form)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    reference = response.headers["Location"].split("ref=")[1]
    page = public.get(response.headers["Location"]).get_data(as_text=True)
    assert reference in page
    return reference


def _post(client, reference: str, action: str, data: dict[str, str]):
    page = f"/grants/applications/{reference}"
    return post_form(client, page, f"{page}/{action}", data)


def test_interest_to_award_to_payment_to_reports(app, client, db_session) -> None:
    coordinator = sign_in_as(client, db_session, "coordinator", name="Cora Ordinator")
    _pot(client)
    pot_id = db_session.scalar(select(FundingPot.id).where(FundingPot.name == "Fast Grants"))

    public = app.test_client()
    form_page = public.get("/community-grants").get_data(as_text=True)
    assert "Fast Grants" in form_page and "Residents&#39; association" in form_page
    reference = _apply(public, pot_id)
    second = _apply(public, pot_id, organisation_name="Oak Street Residents",
                    organisation_type="residents_association", contact_phone="",
                    contact_email="oak@example.org", postcode="DY10 1AA", amount="500")

    application = db_session.scalar(select(GrantApplication)
                                    .where(GrantApplication.reference == reference))
    assert application.neighbourhood_code == "WR1 2" and application.district == "Worcester"
    ack = db_session.scalar(select(Message).where(Message.purpose == "grant_acknowledgement"))
    assert ack.to_phone == "+447700900555" and reference in ack.body and "£" not in ack.body

    # No award before due diligence; then each check names who did it.
    refused = _post(client, reference, "decision",
                    {"decision": "award", "amount": "400", "reason": "Good plan"})
    assert refused.status_code == 400
    assert "Complete the due diligence first" in refused.get_data(as_text=True)
    for item in ("governing_document", "bank_account", "safeguarding_policy"):
        assert _post(client, reference, "checks", {"item": item}).status_code == 302
    page = client.get(f"/grants/applications/{reference}").get_data(as_text=True)
    assert page.count("<td>Cora Ordinator</td>") == 3

    too_much = _post(client, reference, "decision",
                     {"decision": "award", "amount": "600", "reason": "Good plan"})
    assert "Awards from this pot are £50 to £500" in too_much.get_data(as_text=True)
    assert _post(client, reference, "decision", {"decision": "award", "amount": "400",
                                                 "reason": "Good plan"}).status_code == 302
    assert "budget left £400</strong> of £800" in client.get(
        f"/grants/applications/{reference}").get_data(as_text=True)

    # The second group cannot be given more than is left in the pot.
    for item in ("governing_document", "bank_account", "safeguarding_policy"):
        _post(client, second, "checks", {"item": item})
    over = _post(client, second, "decision",
                 {"decision": "award", "amount": "450", "reason": "Street party"})
    assert "Only £400 is left in this pot" in over.get_data(as_text=True)

    overpaid = _post(client, reference, "payments",
                     {"amount": "450", "paid_on": utcnow().date().isoformat()})
    assert "Only £400 of the award is left to pay" in overpaid.get_data(as_text=True)
    assert _post(client, reference, "payments", {"amount": "400", "reference": "BACS 123",
                                                 "paid_on": utcnow().date().isoformat()}
                 ).status_code == 302
    assert _post(client, reference, "directory", {}).status_code == 302
    assert db_session.scalar(select(DirectoryOrganisation).where(
        DirectoryOrganisation.name == "St Mary's Primary School")) is not None

    listing = client.get("/grants").get_data(as_text=True)
    assert "<strong>£400</strong>" in listing  # budget left on the pots table

    today = utcnow().date()
    query = f"from={today.replace(day=1).isoformat()}&to={today.isoformat()}"
    per_pot = list(csv.reader(io.StringIO(client.get(
        f"/reports/grants-per-pot.csv?{query}").get_data(as_text=True))))
    assert per_pot[1] == ["Fast Grants", "800.00", "2", "1", "400.00", "400.00", "400.00",
                          "open"]
    by_type = list(csv.reader(io.StringIO(client.get(
        f"/reports/grants-by-type.csv?{query}").get_data(as_text=True))))
    assert ["School", "1", "450.00", "1", "400.00"] in by_type
    assert ["Residents' association", "1", "500.00", "0", "0.00"] in by_type
    by_area = list(csv.reader(io.StringIO(client.get(
        f"/reports/grants-by-area.csv?{query}").get_data(as_text=True))))
    assert ["Worcester", "WR1 2", "1", "450.00", "1", "400.00"] in by_area
    assert ["Wyre Forest", "DY10 1", "1", "500.00", "0", "0.00"] in by_area

    briefing = client.get(f"/reports/briefing.pdf?month={today:%Y-%m}")
    reader = pypdf.PdfReader(io.BytesIO(briefing.data))
    text = " ".join(reader.pages[0].extract_text().split())
    assert len(reader.pages) == 1
    assert "Community grants" in text
    assert "Expressions of interest: 2. Grants awarded: 1, £400 in total (school 1)." in text
    assert "Fast Grants: £400 awarded and £400 paid of £800; £400 left." in text
    assert coordinator.id


def test_call_handlers_read_and_partners_are_kept_out(app, client, db_session) -> None:
    sign_in_as(client, db_session, "coordinator")
    _pot(client, "Social Action Fund", "5000")
    pot_id = db_session.scalar(select(FundingPot.id))
    reference = _apply(app.test_client(), pot_id)
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/grants").get_data(
        as_text=True))})

    handler = app.test_client()
    sign_in_as(handler, db_session, "call_handler")
    assert handler.get("/grants").status_code == 200
    page = handler.get(f"/grants/applications/{reference}")
    assert page.status_code == 200 and "Record the decision" not in page.get_data(as_text=True)
    token = csrf_from(handler.get("/grants").get_data(as_text=True))
    for action in ("checks", "decision", "payments", "directory"):
        assert handler.post(f"/grants/applications/{reference}/{action}",
                            data={"csrf_token": token}).status_code == 403
    assert handler.get("/grants/pots/new").status_code == 403

    partner = app.test_client()
    sign_in_as(partner, db_session, "partner")
    assert partner.get("/grants").status_code == 403
    assert partner.get(f"/grants/applications/{reference}").status_code == 403
    assert app.test_client().get("/grants").status_code == 302  # signed out: to /login


def test_public_form_refuses_bad_input_and_closed_pots(app, client, db_session) -> None:
    public = app.test_client()
    assert "No funds are open" in public.get("/community-grants").get_data(as_text=True)
    sign_in_as(client, db_session, "admin")
    _pot(client)
    pot_id = db_session.scalar(select(FundingPot.id))
    base = {"pot_id": str(pot_id), "organisation_name": "Group", "organisation_type": "charity",
            "contact_name": "A", "postcode": "WR1 2NN", "purpose": "x", "agree": "y"}
    for extra, message in [
        ({"amount": "lots", "contact_phone": "07700 900556"}, "Enter an amount in pounds"),
        ({"amount": "100"}, "Give a phone number or an e-mail address"),
        ({"amount": "100", "contact_phone": "12"}, "Enter a UK phone number"),
        ({"amount": "100", "contact_phone": "07700 900556", "postcode": "nowhere"},
         "full postcode"),
        ({"amount": "100", "contact_phone": "07700 900556", "organisation_name": "\0\x01"},
         "Enter the name of your group"),
    ]:
        response = post_form(public, "/community-grants", "/community-grants",
                             {**base, **extra})
        assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert db_session.scalar(select(GrantApplication.id)) is None
    accepted = post_form(public, "/community-grants", "/community-grants", {
        **base, "amount": "100", "contact_phone": "07700 900556",
        "organisation_name": "Caf\u00e9 \0Club \U0001f600", "purpose": "x" * 3000 + "\0"})
    assert accepted.status_code == 302
    saved = db_session.scalar(select(GrantApplication))
    assert saved.organisation_name == "Café Club \U0001f600" and "\0" not in saved.purpose


def test_a_pot_can_be_changed_but_not_below_its_awards(client, db_session) -> None:
    sign_in_as(client, db_session, "coordinator")
    _pot(client, "Winter Fund", "1000")
    pot = db_session.scalar(select(FundingPot).where(FundingPot.name == "Winter Fund"))
    page = client.get(f"/grants/pots/{pot.id}/edit").get_data(as_text=True)
    assert 'value="1000.00"' in page and "Change Winter Fund" in page
    db_session.add(GrantApplication(reference="G-AAAAAA", pot_id=pot.id, organisation_name="X",
                                    organisation_type="school", contact_name="Y", purpose="Z",
                                    amount_requested_pence=40_000, status="awarded",
                                    awarded_pence=40_000))
    db_session.commit()
    form = {"name": "Winter Fund", "budget": "300", "min_award": "50", "max_award": "200",
            "opens_on": pot.opens_on.isoformat(), "closes_on": pot.closes_on.isoformat()}
    low = post_form(client, f"/grants/pots/{pot.id}/edit", f"/grants/pots/{pot.id}/edit", form)
    assert low.status_code == 400
    assert "already awarded £400: the budget cannot be less" in low.get_data(as_text=True)
    ok = post_form(client, f"/grants/pots/{pot.id}/edit", f"/grants/pots/{pot.id}/edit",
                   {**form, "budget": "2000"})
    assert ok.status_code == 302
    db_session.refresh(pot)
    assert (pot.budget_pence, pot.max_award_pence) == (200_000, 20_000)
    assert client.get("/grants/pots/999999/edit").status_code == 404


def test_the_public_form_limit_counts_only_applications_that_went_through(
        app, client, db_session) -> None:
    sign_in_as(client, db_session, "admin")
    _pot(client)
    pot_id = db_session.scalar(select(FundingPot.id))
    public = app.test_client()
    for _ in range(4):  # mistakes cost nothing
        response = post_form(public, "/community-grants", "/community-grants", {
            "pot_id": str(pot_id), "organisation_name": "Group", "amount": "lots"})
        assert response.status_code == 400
    for i in range(3):
        _apply(public, pot_id, contact_phone=f"07700 90056{i}")
    over = post_form(public, "/community-grants", "/community-grants", {
        "pot_id": str(pot_id), "organisation_name": "Kept Typed Allotment Society",
        "organisation_type": "charity", "contact_name": "Bo", "contact_phone": "07700 900569",
        "postcode": "WR1 2NN", "purpose": "Seeds", "amount": "60", "agree": "y"})
    page = over.get_data(as_text=True)
    assert over.status_code == 429
    assert "Please wait a moment" in page and "Kept Typed Allotment Society" in page
    assert db_session.scalar(select(func.count()).select_from(GrantApplication)) == 3
