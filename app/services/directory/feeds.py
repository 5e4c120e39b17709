"""Keeping the directory current from live Open Referral UK feeds (DIRECTORY_FEEDS).

A sync pages through `{base}/services?page=N&per_page=M`, upserts every service by its id
(through the same validation as a file import), and marks the feed's services that are no
longer in it inactive: never deleted, so a case that was signposted to one still shows it, and
never touching a coordinator's correction of its needs. A feed that cannot be read in full
changes nothing (a half-read feed would wrongly retire the services on the pages not read):
yesterday's entries stay and the failure shows on the directory page's "feed health" line.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from sqlalchemy import select
from sqlalchemy.orm import Session
from urllib3.util.retry import Retry

from app.domain.directory_feeds import FeedSpec
from app.models.directory import DirectoryFeed, DirectoryService
from app.services.directory.hsds_feeds import services_from_json
from app.services.directory.hsds_import import ImportResult, ImportSource, import_records
from app.services.geo.postcodes import locate

log = logging.getLogger(__name__)

PER_PAGE = 100
MAX_PAGES = 500  # 50,000 services: far beyond any council's directory; stops a runaway feed
TIMEOUT = (5.0, 30.0)  # seconds to connect, seconds between bytes
RETRIES = 3

#: Fetch one page: (url, params) -> the decoded JSON. Tests and the CLI pass their own.
GetJson = Callable[[str, dict[str, int]], Any]


class FeedUnavailable(RuntimeError):
    """The feed could not be read in full (one line, shown on the feed health line)."""


@dataclass
class SyncOutcome:
    url: str
    result: ImportResult | None = None
    retired: int = 0
    error: str | None = None

    def summary(self) -> str:
        if self.error:
            return f"{self.url}: FAILED, entries kept: {self.error}"
        assert self.result is not None
        return f"{self.url}: {self.result.summary()}, {self.retired} no longer listed"


def http_get_json(timeout: tuple[float, float] = TIMEOUT, retries: int = RETRIES) -> GetJson:
    """A GET with bounded retries (connection errors, 429 and 5xx, with back-off) and time-outs."""
    session = requests.Session()
    retry = Retry(total=retries, backoff_factor=0.5, status_forcelist=(429, 500, 502, 503, 504),
                  allowed_methods=("GET",), respect_retry_after_header=False)
    session.mount("http://", HTTPAdapter(max_retries=retry))
    session.mount("https://", HTTPAdapter(max_retries=retry))
    session.headers["Accept"] = "application/json"

    def get(url: str, params: dict[str, int]) -> Any:
        try:
            response = session.get(url, params=params, timeout=timeout)
            response.raise_for_status()
            return response.json()
        except requests.exceptions.RetryError:
            raise FeedUnavailable(f"still failing after {retries} retries") from None
        except requests.exceptions.Timeout:
            raise FeedUnavailable("timed out") from None
        except requests.exceptions.HTTPError as exc:
            raise FeedUnavailable(f"HTTP {exc.response.status_code}") from None
        except requests.exceptions.RequestException as exc:
            raise FeedUnavailable(f"cannot connect ({type(exc).__name__})") from None
        except ValueError:
            raise FeedUnavailable("the feed did not answer with JSON") from None

    return get


def _total_pages(page: dict[str, Any], per_page: int) -> int | None:
    for key in ("totalPages", "total_pages"):
        if isinstance(page.get(key), int):
            return page[key]
    for key in ("totalElements", "total_items"):
        if isinstance(page.get(key), int):
            return -(-page[key] // per_page)
    return None


def fetch_services(get: GetJson, base_url: str, per_page: int = PER_PAGE) -> list[Any]:
    """Every service the feed lists, page by page (ORUK v1 `content`, HSDS `contents`)."""
    services: list[Any] = []
    seen_first: set[str] = set()
    for number in range(1, MAX_PAGES + 1):
        data = get(f"{base_url}/services", {"page": number, "per_page": per_page})
        if not isinstance(data, dict | list):
            raise FeedUnavailable(f"page {number} is not a JSON object")
        items = services_from_json(data)
        first = str(items[0].get("id")) if items and isinstance(items[0], dict) else ""
        if not items or first in seen_first:  # empty page, or a server repeating its last page
            break
        seen_first.add(first)
        services += items
        if isinstance(data, list):
            break  # an unpaged list is the whole feed
        total = _total_pages(data, per_page)
        if data.get("last") is True or (total is not None and number >= total):
            break
        if total is None and len(items) < per_page:
            break
    else:
        raise FeedUnavailable(f"more than {MAX_PAGES} pages")
    return services


def district_of_postcode(postcode: str | None) -> str | None:
    """The district a location's postcode is in (the shipped postcode index), if known."""
    location = locate(postcode)
    return location.district_name if location else None


def point_of_postcode(postcode: str | None) -> tuple[float, float] | None:
    """Where a location's postcode is, for distances, when the feed gives no coordinates."""
    location = locate(postcode)
    return location.point if location else None


def _feed_row(session: Session, url: str) -> DirectoryFeed:
    row = session.scalar(select(DirectoryFeed).where(DirectoryFeed.url == url))
    if row is None:
        row = DirectoryFeed(url=url, services_seen=0)
        session.add(row)
    return row


def sync_feed(
    session: Session,
    spec: FeedSpec,
    *,
    get: GetJson,
    now: datetime,
    district_of: Callable[[str], str | None],
    per_page: int = PER_PAGE,
) -> SyncOutcome:
    """Bring the directory in line with one feed; commits. Never raises for a bad feed."""
    outcome = SyncOutcome(spec.url)
    records: list[Any] = []
    try:
        records = fetch_services(get, spec.url, per_page)
    except FeedUnavailable as exc:
        outcome.error = str(exc)
    if outcome.error is None and not records:
        outcome.error = "the feed listed no services"
    feed = _feed_row(session, spec.url)
    feed.last_attempt_at = now
    if outcome.error:
        feed.last_error = outcome.error
        session.commit()
        log.warning("directory feed %s failed: %s", spec.url, outcome.error)
        return outcome
    result = import_records(session, records, district_of=district_of,
                            point_of=point_of_postcode,
                            source=ImportSource(spec.areas, spec.url, now))
    listed = set(result.ids)
    if not listed:
        # Every record refused (a changed format?): retiring the feed's services would empty
        # the directory, so this counts as a failure and yesterday's entries stay.
        feed = _feed_row(session, spec.url)
        feed.last_error = f"none of its {len(records)} services could be read"
        session.commit()
        outcome.error = feed.last_error
        return outcome
    gone = session.scalars(select(DirectoryService).where(
        DirectoryService.feed_url == spec.url, DirectoryService.status == "active"))
    for service in gone:
        if service.hsds_id not in listed:
            service.status = "inactive"
            outcome.retired += 1
    feed = _feed_row(session, spec.url)
    feed.last_attempt_at, feed.last_success_at = now, now
    feed.last_error, feed.services_seen = None, len(listed)
    session.commit()
    outcome.result = result
    return outcome


def sync_feeds(
    session: Session,
    specs: tuple[FeedSpec, ...],
    *,
    get: GetJson,
    now: datetime,
    district_of: Callable[[str], str | None],
) -> list[SyncOutcome]:
    return [sync_feed(session, spec, get=get, now=now, district_of=district_of)
            for spec in specs]


def feed_health(session: Session) -> list[DirectoryFeed]:
    """Every feed synced so far, for the directory page's "feed health" line."""
    return list(session.scalars(select(DirectoryFeed).order_by(DirectoryFeed.url)))
