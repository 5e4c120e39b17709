"""DIRECTORY_FEEDS: the live Open Referral UK feeds the directory keeps itself current from.

The setting is whitespace-separated ORUK API base URLs, each optionally followed by
`=DISTRICT[;DISTRICT]`: the districts a feed whose services carry no locations covers (its
services then match every district in that area). A district name with spaces is written with
`+` or `%20` ("=North+Lincolnshire"), or the whole entry is quoted.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from urllib.parse import unquote_plus, urlsplit


class FeedSpecError(ValueError):
    """DIRECTORY_FEEDS cannot be read; the message says which entry and why."""


@dataclass(frozen=True)
class FeedSpec:
    url: str  # the API base: services are at {url}/services
    areas: tuple[str, ...] = ()


def parse_directory_feeds(raw: str) -> tuple[FeedSpec, ...]:
    try:
        entries = shlex.split(raw or "")
    except ValueError as exc:
        raise FeedSpecError(f"DIRECTORY_FEEDS: {exc}") from None
    specs: list[FeedSpec] = []
    for entry in entries:
        url, sep, area_text = entry.partition("=")  # a base URL has no query string
        url = url.rstrip("/")
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.netloc or parts.query:
            raise FeedSpecError(f"DIRECTORY_FEEDS: {entry!r} is not an http(s) URL")
        areas = tuple(dict.fromkeys(
            a for a in (unquote_plus(x).strip() for x in area_text.split(";")) if a))
        if sep and not areas:
            raise FeedSpecError(f"DIRECTORY_FEEDS: {entry!r} names no district after '='")
        if any(spec.url == url for spec in specs):
            raise FeedSpecError(f"DIRECTORY_FEEDS: {url} is listed twice")
        specs.append(FeedSpec(url, areas))
    return tuple(specs)
