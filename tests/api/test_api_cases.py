"""/api/v1/cases: create, read, list, validation, roles."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import Message, StaffUser

VALID = {"category": "shielding", "need": "food", "details": "Bread and milk please",
         "phone": "07700 900456", "postcode": "wr1 2nn", "name": "Edna",
         "consent_to_share": True}


def _post(client, caller, body):
    return client.post("/api/v1/cases", json=body, headers=caller.headers)


def test_post_then_get_round_trip(client, handler, job_queue_recorder):
    created = _post(client, handler, VALID)
    assert created.status_code == 201, created.get_json()
    case = created.get_json()
    assert case["phone"] == "+447700900456" and case["postcode"] == "WR1 2NN"
    assert case["channel"] == "staff" and case["status"] == "new"
    assert created.headers["Location"] == f"/api/v1/cases/{case['reference']}"
    for key in ("reference", "status", "category", "need", "details", "urgency", "channel",
                "phone", "postcode", "district", "created_at", "assigned_volunteer_id",
                "directory_service_id"):
        assert key in case
    fetched = client.get(f"/api/v1/cases/{case['reference'].lower()}", headers=handler.headers)
    assert fetched.status_code == 200
    body = fetched.get_json()
    assert {k: body[k] for k in case} == case
    assert [e["kind"] for e in body["events"]] == ["created", "consent"]
    assert body["messages"] == []
    # Matching is enqueued after the commit, by id only.
    case_id = _case_id(client, case["reference"])
    assert job_queue_recorder.jobs("workers.matching.match_case") == [(case_id,)]


def _case_id(client, reference):
    from app.models import Case
    from app.web.session import db_session

    with client.application.app_context():
        return db_session().scalar(select(Case.id).where(Case.reference == reference))


def test_case_not_found_is_404_json(client, handler):
    for ref in ("H2H-7K3Q", "not-a-ref", "%00", "H2H-" + "Q" * 100):
        response = client.get(f"/api/v1/cases/{ref}", headers=handler.headers)
        assert response.status_code == 404 and response.is_json


@pytest.mark.parametrize(("change", "field"), [
    ({"category": "party"}, "category"),
    ({"category": None}, "category"),
    ({"need": "Food!"}, "need"),
    ({"need": "x" * 41}, "need"),
    ({"phone": "12"}, "phone"),
    ({"phone": "anonymous"}, "phone"),
    ({"phone": 7700900456}, "phone"),
    ({"postcode": "NOT A POSTCODE"}, "postcode"),
    ({"details": "x" * 4001}, "details"),
    ({"details": "nul\x00byte"}, "details"),
    ({"name": "a" * 201}, "name"),
    ({"urgency": "whenever"}, "urgency"),
    ({"channel": "sms"}, "channel"),
    ({"language": "English please"}, "language"),
    ({"consent_to_share": "perhaps"}, "consent_to_share"),
    ({"favourite_colour": "blue"}, "favourite_colour"),
    ({"phone": None, "address": None}, "phone"),
])
def test_bad_bodies_get_per_field_422(client, handler, change, field):
    body = {**VALID, **change}
    body = {k: v for k, v in body.items() if not (v is None and k in {"category"})}
    response = _post(client, handler, body)
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]["json"]
    assert field in errors, errors


def test_non_json_and_empty_bodies_are_refused_cleanly(client, handler):
    for data, ctype in ((b"", "application/json"), (b"{not json", "application/json"),
                        (b"[]", "application/json"), (b"category=other", "text/plain")):
        response = client.post("/api/v1/cases", data=data, content_type=ctype,
                               headers=handler.headers)
        assert response.status_code in (400, 422) and response.is_json, data


@pytest.mark.parametrize("text", [
    "'; DROP TABLE cases; --",
    "<script>alert('x')</script>",
    "Robert\"); DELETE FROM residents WHERE (\"1\"=\"1",
    "Zoë — 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ✓ \u202eevil",
])
def test_hostile_strings_are_stored_verbatim(client, handler, text):
    response = _post(client, handler, {**VALID, "details": text, "name": text[:200]})
    assert response.status_code == 201
    reference = response.get_json()["reference"]
    body = client.get(f"/api/v1/cases/{reference}", headers=handler.headers).get_json()
    assert body["details"] == text and body["name"] == text[:200]


def test_second_referral_for_the_same_phone_joins_the_open_case(client, handler):
    first = _post(client, handler, VALID).get_json()
    second = _post(client, handler, {**VALID, "details": "Also a lift on Tuesday"})
    assert second.status_code == 200
    assert second.get_json()["reference"] == first["reference"]
    events = client.get(f"/api/v1/cases/{first['reference']}",
                        headers=handler.headers).get_json()["events"]
    assert [e["kind"] for e in events] == ["created", "consent", "contact_added", "consent"]
    assert events[2]["summary"] == "Also a lift on Tuesday"


def test_safeguarding_referral_alerts_the_coordinator(client, handler, db_session,
                                                       job_queue_recorder):
    db_session.add(StaffUser(email="duty@example.org", role="coordinator", password_hash="x",
                             on_duty=True, phone="+447700900999"))
    db_session.commit()
    response = _post(client, handler, {**VALID, "details": "He hits me. Not safe at home"})
    case = response.get_json()
    assert case["urgency"] == "safeguarding" and case["status"] == "needs_staff"
    sent = job_queue_recorder.jobs("workers.messaging.send_message")
    assert len(sent) == 1
    alert = db_session.get(Message, sent[0][0])
    assert alert.to_phone == "+447700900999" and "hits" not in alert.body
    assert job_queue_recorder.jobs("workers.matching.match_case") == []


def test_lost_enqueue_keeps_the_case_flagged(client, handler, job_queue_recorder, db_session):
    from app.models import Case

    job_queue_recorder.ok = False
    reference = _post(client, handler, VALID).get_json()["reference"]
    case = db_session.scalar(select(Case).where(Case.reference == reference))
    db_session.refresh(case)
    assert case.needs_matching and case.matching_enqueued_at is None


def test_list_pages_through_every_case_once(client, handler):
    made = [_post(client, handler, {**VALID, "phone": f"07700 9001{i:02d}"}).get_json()
            for i in range(7)]
    seen, cursor = [], None
    while True:
        query = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/cases", query_string=query, headers=handler.headers)
        assert page.status_code == 200
        body = page.get_json()
        assert len(body["items"]) <= 3
        seen += [c["reference"] for c in body["items"]]
        cursor = body["next"]
        if cursor is None:
            break
    assert seen == [c["reference"] for c in reversed(made)]


@pytest.mark.parametrize("query", [{"limit": 0}, {"limit": 1000}, {"limit": "many"},
                                   {"cursor": "bogus!"}, {"status": "lost"},
                                   {"category": "x"}, {"district": "a\x00b"}])
def test_bad_list_queries_are_422(client, handler, query):
    response = client.get("/api/v1/cases", query_string=query, headers=handler.headers)
    assert response.status_code == 422 and "query" in response.get_json()["errors"]


def test_list_filters(client, handler):
    _post(client, handler, {**VALID, "category": "other", "phone": "07700 900201"})
    _post(client, handler, {**VALID, "category": "shielding", "phone": "07700 900202"})
    items = client.get("/api/v1/cases?category=other", headers=handler.headers).get_json()["items"]
    assert items and {c["category"] for c in items} == {"other"}
    items = client.get("/api/v1/cases?status=closed", headers=handler.headers).get_json()["items"]
    assert items == []


def test_partner_refers_and_sees_only_its_own_cases(client, handler, partner, make_caller):
    theirs = _post(client, partner, {**VALID, "phone": "07700 900301"})
    assert theirs.status_code == 201
    case = theirs.get_json()
    assert case["channel"] == "web" and case["referrer_organisation"] == "Age UK Example"
    staff_case = _post(client, handler, {**VALID, "phone": "07700 900302"}).get_json()
    listed = client.get("/api/v1/cases", headers=partner.headers).get_json()["items"]
    assert [c["reference"] for c in listed] == [case["reference"]]
    other = client.get(f"/api/v1/cases/{staff_case['reference']}", headers=partner.headers)
    assert other.status_code == 404
    own = client.get(f"/api/v1/cases/{case['reference']}", headers=partner.headers).get_json()
    assert own["events"] == [] and own["messages"] == []
    assert _post(client, partner, {**VALID, "channel": "staff"}).status_code == 422
    # Another partner does not see it either.
    stranger = make_caller("partner")
    assert client.get(f"/api/v1/cases/{case['reference']}",
                      headers=stranger.headers).status_code == 404


def test_redis_failing_at_connect_still_answers_201(client, handler, monkeypatch, db_session):
    from app.models import Case

    class Unreachable:
        def enqueue(self, *args, **kwargs):
            raise ConnectionError("redis is down")

    monkeypatch.setattr("app.web.session.job_queue_for", lambda runtime: Unreachable())
    response = _post(client, handler, VALID)
    assert response.status_code == 201
    case = db_session.scalar(select(Case).where(Case.reference == response.get_json()["reference"]))
    assert case is not None and case.needs_matching


def test_urgency_safeguarding_goes_to_staff_and_records_the_api_as_the_source(
        client, handler, db_session, job_queue_recorder):
    from app.models.case import SafeguardingAlert

    response = _post(client, handler, {**VALID, "urgency": "safeguarding",
                                       "details": "Shopping please"})
    case = response.get_json()
    assert response.status_code == 201
    assert case["urgency"] == "safeguarding" and case["status"] == "needs_staff"
    assert job_queue_recorder.jobs("workers.matching.match_case") == []
    alert = db_session.scalar(select(SafeguardingAlert))
    assert alert.source == "api" and alert.raised_by_user_id is not None
    # A second referral for the same resident joins the case and raises nothing new.
    again = _post(client, handler, {**VALID, "urgency": "safeguarding"})
    assert again.status_code == 200
    assert len(db_session.scalars(select(SafeguardingAlert)).all()) == 1
