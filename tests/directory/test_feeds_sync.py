"""Live Open Referral UK feeds: a local HTTP server serves paged ORUK JSON, awkward shapes too."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from app.domain.directory_feeds import FeedSpec, FeedSpecError, parse_directory_feeds
from app.models.directory import DirectoryService
from app.services.directory import entries
from app.services.directory.feeds import (
    district_of_postcode,
    feed_health,
    http_get_json,
    sync_feed,
)

DAY1 = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)
DAY2 = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)


def oruk_service(n: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"svc-{n}", "name": f"Service {n}", "status": "active",
        "description": "<p>A general service.&nbsp;</p><p><br></p>",
        "organization": {"id": f"org-{n}", "name": f"Organisation {n}", "description": ""},
        **extra,
    }


class FeedServer:
    """Serves `services` as ORUK v1 pages (`content`) or HSDS-style pages (`contents`)."""

    def __init__(self) -> None:
        self.services: list[dict[str, Any]] = []
        self.shape = "oruk"
        self.failing = False
        self.requests: list[dict[str, list[str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = parse_qs(url.query)
                server.requests.append(query)
                if server.failing or url.path != "/api/services":
                    self.send_response(503 if server.failing else 404)
                    self.end_headers()
                    return
                body = json.dumps(server.page(int(query["page"][0]),
                                              int(query["per_page"][0]))).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/api"

    def page(self, number: int, size: int) -> dict[str, Any]:
        chunk = self.services[(number - 1) * size: number * size]
        pages = -(-len(self.services) // size)
        if self.shape == "oruk":
            return {"totalElements": len(self.services), "totalPages": pages, "number": number,
                    "size": size, "first": number == 1, "last": number >= pages,
                    "content": chunk}
        return {"total_items": len(self.services), "page": number, "contents": chunk}


@pytest.fixture
def feed() -> Iterator[FeedServer]:
    server = FeedServer()
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def _sync(session, feed: FeedServer, now: datetime, areas: tuple[str, ...] = ()):
    return sync_feed(session, FeedSpec(feed.url, areas), now=now, per_page=2,
                     get=http_get_json(timeout=(2.0, 2.0), retries=1),
                     district_of=district_of_postcode)


def test_pages_through_the_feed_with_awkward_records(db_session, feed) -> None:
    feed.services = [oruk_service(n) for n in range(1, 6)]
    feed.services[1]["name"] = ""  # an empty name: the organisation's stands in
    del feed.services[2]["organization"]  # no organisation: the service stands alone
    feed.services[3]["description"] = (
        "<p>Our&nbsp;lunch club</p><p><br></p><p>serves a hot meal</p>")
    outcome = _sync(db_session, feed, DAY1)
    assert outcome.error is None and outcome.result.errors == []
    assert [q["page"] for q in feed.requests] == [["1"], ["2"], ["3"]]
    names = set(db_session.scalars(select(DirectoryService.name)))
    assert names == {"Service 1", "Organisation 2", "Service 3", "Service 4", "Service 5"}
    lunch = db_session.scalar(select(DirectoryService).where(DirectoryService.name == "Service 4"))
    assert lunch.description == "Our lunch club\nserves a hot meal"
    assert lunch.needs == ["food", "befriending"]
    assert "description: 'lunch club'" in lunch.needs_reasons["food"]
    assert (lunch.feed_url, lunch.last_seen_at) == (feed.url, DAY1)


def test_total_items_and_contents_variant(db_session, feed) -> None:
    feed.shape = "hsds"
    feed.services = [oruk_service(n) for n in range(1, 4)]
    assert _sync(db_session, feed, DAY1).result.created == 3
    assert len(feed.requests) == 2


def test_removed_service_is_marked_inactive_and_a_correction_survives(db_session, feed) -> None:
    feed.services = [oruk_service(1), oruk_service(2, description="Debt advice drop-in")]
    _sync(db_session, feed, DAY1)
    debt = db_session.scalar(select(DirectoryService).where(DirectoryService.name == "Service 2"))
    assert debt.needs == ["money"]
    data = entries.ServiceInput(organisation_name="Organisation 2", name="Service 2",
                                description=debt.description, needs=("money", "wellbeing"))
    entries.update_service(db_session, debt.id, data)
    feed.services = [oruk_service(2, description="Debt advice drop-in")]
    outcome = _sync(db_session, feed, DAY2)
    assert outcome.retired == 1
    db_session.expire_all()
    rows = {s.name: s for s in db_session.scalars(select(DirectoryService))}
    assert rows["Service 1"].status == "inactive"  # never deleted
    assert rows["Service 1"].last_seen_at == DAY1
    assert rows["Service 2"].status == "active" and rows["Service 2"].last_seen_at == DAY2
    assert rows["Service 2"].needs == ["money", "wellbeing"]  # the coordinator's, kept
    assert rows["Service 2"].needs_set_by_staff is True
    feed.services = [oruk_service(1), oruk_service(2)]
    _sync(db_session, feed, DAY2)
    db_session.expire_all()
    assert rows["Service 1"].status == "active"  # listed again: back in service


def test_failing_feed_keeps_yesterdays_entries_and_shows_on_health(db_session, feed) -> None:
    feed.services = [oruk_service(1), oruk_service(2)]
    _sync(db_session, feed, DAY1)
    feed.failing = True
    outcome = _sync(db_session, feed, DAY2)
    assert outcome.error and "FAILED" in outcome.summary()
    statuses = set(db_session.scalars(select(DirectoryService.status)))
    assert statuses == {"active"}
    (health,) = feed_health(db_session)
    assert health.last_success_at == DAY1 and health.last_attempt_at == DAY2
    assert health.last_error


def test_a_feed_of_unreadable_records_retires_nothing(db_session, feed) -> None:
    feed.services = [oruk_service(1), oruk_service(2)]
    _sync(db_session, feed, DAY1)
    feed.services = [{"id": "x", "status": "paused"}, {"id": "y", "status": "paused"}]
    outcome = _sync(db_session, feed, DAY2)
    assert outcome.error == "none of its 2 services could be read"
    assert set(db_session.scalars(select(DirectoryService.status))) == {"active"}


def test_unreachable_feed_is_a_clear_failure(db_session) -> None:
    spec = FeedSpec("http://127.0.0.1:9/api")
    outcome = sync_feed(db_session, spec, now=DAY1, get=http_get_json((0.5, 0.5), 0),
                        district_of=district_of_postcode)
    assert outcome.error and outcome.result is None


def test_feed_area_applies_to_services_without_locations(db_session, feed) -> None:
    located = oruk_service(2, service_at_locations=[{"id": "sal", "location": {
        "id": "loc-2", "physical_addresses": [{"postal_code": "WR1 2HP"}]}}])
    feed.services = [oruk_service(1), located]
    _sync(db_session, feed, DAY1, areas=("Redditch", "Bromsgrove"))
    rows = {s.name: s for s in db_session.scalars(select(DirectoryService))}
    assert rows["Service 1"].districts == ["Redditch", "Bromsgrove"]
    assert rows["Service 2"].districts == ["Worcester"]  # from its location's postcode
    today = DAY1.date()
    bromsgrove = entries.search_services(db_session, district="Bromsgrove", today=today)
    assert [h.service.name for h in bromsgrove] == ["Service 1"]


@pytest.mark.parametrize(("raw", "expected"), [
    ("", ()),
    ("https://a.example/api/v1", (FeedSpec("https://a.example/api/v1"),)),
    ("https://a.example/api/=Bristol;North+Lincolnshire  http://b.example/x",
     (FeedSpec("https://a.example/api", ("Bristol", "North Lincolnshire")),
      FeedSpec("http://b.example/x"))),
    ('"https://c.example/api=South Gloucestershire"',
     (FeedSpec("https://c.example/api", ("South Gloucestershire",)),)),
])
def test_directory_feeds_setting(raw, expected) -> None:
    assert parse_directory_feeds(raw) == expected


@pytest.mark.parametrize("raw", ["ftp://x/api", "https://a/api=", "https://a https://a",
                                 "not-a-url", '"unterminated'])
def test_directory_feeds_setting_refuses_bad_entries(raw) -> None:
    with pytest.raises(FeedSpecError):
        parse_directory_feeds(raw)
