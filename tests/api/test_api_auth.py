"""Bearer tokens on every /api/v1 route; the OpenAPI document is public and valid."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

from app.models.base import utcnow
from app.models.staff import ApiToken
from app.services.staff import accounts as staff


def _api_rules(app):
    """Every (method, concrete path) of the API blueprints, whoever wrote them."""
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint.split(".")[0] != "api-docs":
            path = re.sub(r"<int(\([^)]*\))?:[^>]+>", "1", rule.rule)
            path = re.sub(r"<[^>]+>", "H2H-7K3Q", path)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, path


def test_openapi_document_is_public_and_valid(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    validate(spec)
    assert spec["openapi"].startswith("3.")
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": "h2h_ token"}
    assert spec["security"] == [{"bearerAuth": []}]
    for path in ("/api/v1/cases", "/api/v1/cases/{reference}", "/api/v1/messages"):
        assert path in spec["paths"]
    create = spec["components"]["schemas"]["CaseCreate"]
    assert {"category", "need"} <= set(create["required"])
    assert create["properties"]["details"]["maxLength"] == 4000


@pytest.mark.parametrize("header", [
    None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer not-a-token",
    "Bearer h2h_" + "x" * 43, "Bearer h2h_" + "x" * 500, "Token h2h_abc",
])
def test_every_api_route_refuses_a_missing_or_bad_token(client, header):
    headers = {"Authorization": header} if header is not None else {}
    rules = list(_api_rules(client.application))
    assert len(rules) >= 3
    for method, path in rules:
        response = client.open(path, method=method, headers=headers, json={})
        assert response.status_code == 401, (method, path)
        assert response.is_json and response.get_json()["code"] == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_is_refused(client, handler, db_session):
    assert client.get("/api/v1/cases", headers=handler.headers).status_code == 200
    token = db_session.query(ApiToken).filter_by(user_id=handler.user.id).one()
    staff.revoke_token(db_session, token.id, utcnow())
    assert client.get("/api/v1/cases", headers=handler.headers).status_code == 401


def test_an_inactive_user_is_refused(client, handler, db_session):
    handler.user.active = False
    db_session.commit()
    assert client.get("/api/v1/cases", headers=handler.headers).status_code == 401


def test_token_use_is_recorded_and_only_the_hash_is_stored(client, handler, db_session):
    client.get("/api/v1/cases", headers=handler.headers)
    token = db_session.query(ApiToken).filter_by(user_id=handler.user.id).one()
    assert token.last_used_at is not None and token.last_used_at <= utcnow()
    assert token.token_hash == staff.hash_token(handler.token) != handler.token
    assert handler.token.startswith(token.prefix) and len(token.prefix) == 12


def test_partner_may_not_read_the_sms_log(client, partner):
    response = client.get("/api/v1/messages", headers=partner.headers)
    assert response.status_code == 403 and response.is_json


def test_unknown_api_urls_and_wrong_methods_answer_json(client, handler):
    missing = client.get("/api/v1/nothing-here", headers=handler.headers)
    assert missing.status_code == 404 and missing.is_json
    wrong = client.delete("/api/v1/cases", headers=handler.headers)
    assert wrong.status_code == 405 and wrong.is_json
    assert "GET" in wrong.headers["Allow"]


def test_an_unexpected_error_is_json_500(client, handler, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("database exploded")

    monkeypatch.setattr("app.web.api.cases.list_cases", boom)
    response = client.get("/api/v1/cases", headers=handler.headers)
    assert response.status_code == 500 and response.is_json
    assert "exploded" not in response.get_data(as_text=True)
