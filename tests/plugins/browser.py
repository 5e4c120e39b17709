"""Browser fixtures: Debian's chromium driven by Playwright against a live, committed server.

- `chromium_executable`: /usr/bin/chromium, or the test is skipped with the reason (we never
  run `playwright install`: nothing is downloaded at test time).
- `live_server` (session): the app served by werkzeug's `make_server` in a thread on a free
  port, on its OWN database (a fresh SQLite file, or a fresh PostgreSQL database when
  TEST_DATABASE_URL is set) migrated to head. The rolled-back `db_session` cannot be shared
  across threads, so browser tests write real, committed rows through `live_server.session()`.
- `browser` (session): one headless chromium.
- `page`: a fresh context + page per test (cookies never leak between tests).
- `live_user(role, **fields)`: a committed staff account; `login_as(page, user)` signs in
  through the real form; `logged_in_page(role)` does both and returns the page.
- `axe_check(page)`: runs axe-core (bundled with axe-playwright-python, no network) and returns
  the serious and critical violations.
"""

from __future__ import annotations

import itertools
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
BROWSER_PASSWORD = "browser test password 1"
_users = itertools.count(1)


@dataclass
class LiveServer:
    url: str
    runtime: object

    def session(self) -> Session:
        return self.runtime.session_factory()  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); browser tests "
                    "never download a browser")
    return CHROMIUM


@pytest.fixture(scope="session")
def live_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from tests.plugins.databases import scratch_database

    with scratch_database("h2h_live", tmp_path_factory.mktemp("live-db")) as url:
        yield url

@pytest.fixture(scope="session")
def live_server(test_env: dict[str, str], live_database_url: str, redis_url: str,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    from redis import Redis
    from werkzeug.serving import make_server

    from app import create_app, migrate
    from app.runtime import Runtime
    from app.settings import load_settings

    env = {**test_env, "DATABASE_URL": live_database_url, "REDIS_URL": redis_url,
           "HERE2HELP_INSTANCE": str(tmp_path_factory.mktemp("live-instance"))}
    settings = load_settings(env)
    migrate.upgrade(settings.database_url)
    runtime = Runtime.build(settings)
    runtime.use_redis(Redis.from_url(redis_url))
    app = create_app(runtime=runtime)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", runtime=runtime)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        runtime.engine.dispose()


@pytest.fixture(scope="session")
def browser(chromium_executable: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_executable,
                                              headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, live_server: LiveServer):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280,
                                                                       "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def live_user(live_server: LiveServer) -> Callable[..., object]:
    from app.models.staff import StaffUser
    from app.services.staff.passwords import hash_password
    from tests.factories import ENROLLED_AT, MFA_ROLES, TEST_MFA_SECRET

    password_hash = hash_password(BROWSER_PASSWORD)

    def make(role: str = "call_handler", **fields) -> StaffUser:
        n = next(_users)
        with live_server.session() as session:
            if role in MFA_ROLES:  # enrolled, as their role requires; login_as gives a code
                fields = {"mfa_secret": TEST_MFA_SECRET, "mfa_enrolled_at": ENROLLED_AT,
                          **fields}
            user = StaffUser(email=f"{role}.{n}.{uuid.uuid4().hex[:6]}@example.org", role=role,
                             password_hash=password_hash,
                             name=fields.pop("name", f"{role.replace('_', ' ').title()} {n}"),
                             **fields)
            session.add(user)
            session.commit()
            session.refresh(user)
            session.expunge(user)
            return user

    return make


def login_as(page, user) -> None:
    from tests.factories import TEST_MFA_SECRET
    from tests.signin import totp_code

    page.goto("/login")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(BROWSER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if page.url.endswith("/login/code"):
        page.get_by_label("Code").fill(totp_code(user.email, user.mfa_secret or TEST_MFA_SECRET))
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state()
    assert "/login" not in page.url, "sign-in failed"


@pytest.fixture
def logged_in_page(page, live_user) -> Callable[..., object]:
    def sign_in(role: str = "call_handler", **fields):
        login_as(page, live_user(role, **fields))
        return page

    return sign_in


@pytest.fixture(scope="session")
def axe_source() -> str:
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


@pytest.fixture
def axe_check(axe_source: str) -> Callable[..., list[dict]]:
    """Serious and critical axe-core violations on the page (WCAG 2.0-2.2 A/AA + best practice)."""

    def check(page) -> list[dict]:
        # After a click that submits a form, the new document can be in the DOM before its
        # stylesheet has applied; axe would then judge unstyled targets (the off-screen skip
        # link, the header's links) and report target-size. Judge the page as people see it.
        page.wait_for_load_state("load")
        page.evaluate(axe_source)
        result = page.evaluate(
            "() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', "
            "'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}, resultTypes: ['violations']})"
        )
        return [
            {"id": v["id"], "impact": v["impact"], "help": v["help"],
             "targets": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in {"serious", "critical"}
        ]

    return check
