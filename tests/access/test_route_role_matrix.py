"""Every registered route x every role (and no one, and a revoked token) against the matrix.

The matrix in app.web.access.matrix is the one statement of who may call what; this walks the
real URL map, so a new route that is not in the table fails here, and a route whose behaviour
differs from its row (a view that forgot the gate, a role that gets in) fails too.
"""

from __future__ import annotations

import re
import time

import pytest

from app.models.base import utcnow
from app.models.staff import StaffUser
from app.services.staff import accounts
from app.settings import PROJECT_ROOT
from app.web.access.matrix import MATRIX, ROLES, Auth, render_markdown
from tests.factories import ENROLLED_AT, TEST_MFA_SECRET

PLACEHOLDERS = (
    (re.compile(r"<int[^>]*>"), "1"),
    (re.compile(r"<path:[^>]*>"), "console.css"),
    (re.compile(r"<[^>]+>"), "H2H-ZZZZ"),
)
DENIED = {401, 403}


def _url(rule: str) -> str:
    for pattern, value in PLACEHOLDERS:
        rule = pattern.sub(value, rule)
    return rule


def _routes(app) -> list[tuple[str, str, str]]:
    return sorted({(r.endpoint, method, _url(r.rule)) for r in app.url_map.iter_rules()
                   for method in r.methods - {"HEAD", "OPTIONS"}})


@pytest.fixture
def people(db_session) -> dict[str, tuple[StaffUser, str]]:
    """A user and a live write-scope token per role."""
    found = {}
    for role in ROLES:
        # Enrolled in MFA: these sessions stand for sign-ins that completed the code step.
        user = StaffUser(email=f"matrix-{role}@example.org", role=role, password_hash="unused",
                         organisation="Example Trust" if role == "partner" else None,
                         mfa_secret=TEST_MFA_SECRET, mfa_enrolled_at=ENROLLED_AT)
        db_session.add(user)
        db_session.commit()
        found[role] = (user, accounts.create_api_token(db_session, user.email, now=utcnow()))
    return found


def _signed_in(app, user: StaffUser):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = f"{user.id}:{user.session_version}"
        session["_fresh"] = True
        session["login_at"] = session["last_seen"] = time.time()
    return client


def _call(client, method: str, url: str, headers=None):
    return client.open(url, method=method, headers=headers or {},
                       json={} if method in {"POST", "PATCH", "PUT"} and
                       url.startswith("/api/") else None)


def test_every_route_is_in_the_matrix_and_the_matrix_names_only_real_routes(app) -> None:
    registered = {endpoint for endpoint, _method, _url in _routes(app)}
    assert sorted(registered - set(MATRIX)) == [], "routes missing from the role matrix"
    assert sorted(set(MATRIX) - registered) == [], "matrix rows for routes that do not exist"


def test_every_route_answers_every_role_as_the_matrix_says(app, people, db_session) -> None:
    revoked_user, revoked = people["admin"][0], accounts.create_api_token(
        db_session, people["admin"][0].email, now=utcnow())
    assert revoked_user is not None
    accounts.revoke_token(db_session, accounts.find_token(db_session, revoked).id, utcnow())
    failures: list[str] = []
    for endpoint, method, url in _routes(app):
        rule = MATRIX[endpoint]
        if rule.auth is Auth.PUBLIC:
            continue
        anonymous = _call(app.test_client(), method, url)
        with_revoked = _call(app.test_client(), method, url,
                             {"Authorization": f"Bearer {revoked}"})
        if rule.auth is Auth.SESSION:
            for label, response in (("anonymous", anonymous), ("a token", with_revoked)):
                if not (response.status_code == 302 and "/login" in response.location):
                    failures.append(f"{method} {url} ({endpoint}) {label}: "
                                    f"{response.status_code}, not sent to sign in")
        else:
            for label, response in (("anonymous", anonymous), ("revoked token", with_revoked)):
                if response.status_code != 401:
                    failures.append(f"{method} {url} ({endpoint}) {label}: "
                                    f"{response.status_code}, not 401")
        for role, (user, token) in people.items():
            if rule.auth is Auth.SESSION:
                response = _call(_signed_in(app, user), method, url)
                wrong_door = _call(app.test_client(), method, url,
                                   {"Authorization": f"Bearer {token}"})
                if wrong_door.status_code != 302:
                    failures.append(f"{method} {url} {role}: a token opened a console page")
            else:
                response = _call(app.test_client(), method, url,
                                 {"Authorization": f"Bearer {token}"})
                cookie = _call(_signed_in(app, user), method, url)
                if cookie.status_code != 401:
                    failures.append(f"{method} {url} {role}: a console session opened the API")
            allowed = rule.allows(role)
            got = response.status_code
            if allowed and (got in DENIED or (got == 302 and "/login" in response.location)):
                failures.append(f"{method} {url} ({endpoint}) {role}: {got}, matrix allows it")
            if not allowed and got != 403:
                failures.append(f"{method} {url} ({endpoint}) {role}: {got}, matrix forbids it")
    assert failures == []


def test_readme_shows_the_matrix_as_it_is_in_code() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert render_markdown() in readme
