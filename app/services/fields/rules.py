"""One set of rules for the contact details people type, whichever door they come through.

The public volunteer sign-up, a partner's referral and staff's new case, the directory entry
form, the JSON API (cases and volunteers) and the volunteer CSV import all call these, so a
value refused on one is refused on all of them, with the same words:

- phone: `parse_phone` must find a number *possible* for its region (Ofcom's drama ranges are
  accepted, flagged as not valid; a local-only fragment like `12345` is refused, never stored
  as +4412345); where a mobile is required (volunteers: offers are sent by SMS) it must be one;
- postcode: a full postcode must be in the postcode directory itself (the outward code's centre
  is not enough when a person can correct what they typed); where a partial postcode is enough
  (a request for help), an outward code the directory knows is accepted;
- districts: each one a council district the directory names, spelt as it spells them;
- website: an http(s) address with a real host name.

Each check returns the clean value or raises `FieldInvalid` with a message for a person.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from urllib.parse import urlsplit

from app.domain.phone import ParsedPhone, parse_phone
from app.domain.postcode import normalise_postcode, outcode_of
from app.services.geo.postcodes import Location, known_district_names, locate

PHONE_INVALID = "Enter a UK phone number, like 07700 900123"
PHONE_NOT_MOBILE = "Enter a mobile number, like 07700 900123: offers are sent by SMS"
POSTCODE_UNKNOWN = "Enter a real UK postcode, like WR1 2NN"
POSTCODE_OR_OUTCODE_UNKNOWN = ("Enter a real UK postcode, like WR1 2NN, or the first half of "
                               "one, like WR1")
WEBSITE_INVALID = ("Enter a web address that starts with https:// or http://, like "
                   "https://example.org")
DISTRICTS_UNKNOWN = ("Not a district we know: {names}. Use council district names separated by "
                     "commas, like Worcester, Wychavon")
MAX_PHONE = 40
MAX_POSTCODE = 12
MAX_WEBSITE = 2000
MAX_DISTRICTS = 400
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class FieldInvalid(ValueError):
    """The value cannot be accepted; str(exc) is the message to show against the field."""


def check_phone(raw: str | None, *, mobile: bool = False) -> ParsedPhone:
    """A usable phone number (see the module docstring); a mobile when `mobile`."""
    text = raw or ""
    if len(text) > MAX_PHONE or _CONTROL.search(text):
        raise FieldInvalid(PHONE_INVALID)
    parsed = parse_phone(text)
    if not parsed.is_number or parsed.e164 is None:
        raise FieldInvalid(PHONE_INVALID)
    if mobile and not parsed.mobile:
        raise FieldInvalid(PHONE_NOT_MOBILE)
    return parsed


def check_postcode(raw: str | None, *, outcode_ok: bool = False) -> Location:
    """The directory's location of a real postcode (or, when `outcode_ok`, outward code)."""
    text = raw or ""
    message = POSTCODE_OR_OUTCODE_UNKNOWN if outcode_ok else POSTCODE_UNKNOWN
    if len(text) > MAX_POSTCODE or _CONTROL.search(text):
        raise FieldInvalid(message)
    full = normalise_postcode(text)
    if full is None and not (outcode_ok and outcode_of(text)):
        raise FieldInvalid(message)
    location = locate(text)
    if location is None:
        raise FieldInvalid(message)
    if full is not None and location.precision != "postcode":
        # Only the outward half is known: the inward half is mistyped or made up.
        raise FieldInvalid(message)
    return location


def check_districts(raw: str | None) -> tuple[str, ...]:
    """Comma-separated district names -> the directory's spelling of each (duplicates once)."""
    text = raw or ""
    if len(text) > MAX_DISTRICTS or _CONTROL.search(text):
        raise FieldInvalid(DISTRICTS_UNKNOWN.format(names="the list is too long"))
    known = _district_index()
    names = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [name for name in names if _fold(name) not in known]
    if unknown:
        raise FieldInvalid(DISTRICTS_UNKNOWN.format(names=", ".join(unknown)[:200]))
    return tuple(dict.fromkeys(known[_fold(name)] for name in names))


def check_website(raw: str | None) -> str:
    """An absolute http(s) address whose host is a domain name (or an IP address)."""
    text = (raw or "").strip()
    if not text or len(text) > MAX_WEBSITE or _CONTROL.search(text) or " " in text:
        raise FieldInvalid(WEBSITE_INVALID)
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
        parts.port  # noqa: B018 (raises ValueError on a port that is not a number)
    except ValueError:
        raise FieldInvalid(WEBSITE_INVALID) from None
    if parts.scheme.lower() not in ("http", "https") or not _real_host(host):
        raise FieldInvalid(WEBSITE_INVALID)
    return text


def _real_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        try:
            host = host.encode("idna").decode("ascii")  # bücher.de -> xn--bcher-kva.de
        except UnicodeError:
            return False
        labels = host.rstrip(".").split(".")
        return len(labels) >= 2 and all(_HOST_LABEL.match(label) for label in labels) \
            and not labels[-1].isdigit()
    return True


def _fold(name: str) -> str:
    return " ".join(name.casefold().split())


@lru_cache(maxsize=1)
def _district_index() -> dict[str, str]:
    return {_fold(name): name for name in known_district_names()}
