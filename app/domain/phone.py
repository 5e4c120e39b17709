"""Every phone number that arrives goes through `parse_phone` before it is stored or compared.

Policy (see the README, "Phone numbers"): a number that libphonenumber finds *possible* for its
region (a full number, not a local-only fragment such as `12345`) is accepted and stored as
E.164; whether it is also *valid* is recorded as a flag, because
libphonenumber marks Ofcom's drama ranges (07700 900xxx, 01632 960xxx) and new allocations as not
valid, and a resident must never be refused for that. Withheld caller IDs are recognised as such
and never stored as a number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import phonenumbers

#: What Twilio and carriers send when the caller ID is withheld (compared without "+" and case).
WITHHELD_CALLER_IDS = frozenset(
    {"", "anonymous", "restricted", "unknown", "private", "unavailable", "266696687", "7378742833"}
)
_MAX_INPUT = 64


class PhoneKind(StrEnum):
    NUMBER = "number"
    WITHHELD = "withheld"
    INVALID = "invalid"


@dataclass(frozen=True)
class ParsedPhone:
    kind: PhoneKind
    e164: str | None = None
    valid: bool = False  # libphonenumber's full validity; informative only
    mobile: bool = False  # can take an SMS (mobile, or "fixed line or mobile")
    region: str | None = None
    reason: str = ""

    @property
    def is_number(self) -> bool:
        return self.kind is PhoneKind.NUMBER


def parse_phone(raw: str | None, default_region: str = "GB") -> ParsedPhone:
    """Turn whatever arrived (`07700 900123`, `anonymous`...) into a `ParsedPhone`.

    Remembered (the answer is immutable): one SMS webhook asks about the sender's number several
    times, and libphonenumber's metadata matching is a large share of a webhook's CPU.
    """
    if raw is not None and len(raw) > _MAX_INPUT:
        return _parse(raw, default_region)  # refused at once; not worth a cache slot
    return _parse_cached(raw, default_region)


@lru_cache(maxsize=8192)
def _parse_cached(raw: str | None, default_region: str) -> ParsedPhone:
    return _parse(raw, default_region)


def _parse(raw: str | None, default_region: str) -> ParsedPhone:
    text = (raw or "").strip()
    bare = text.lstrip("+").lower()
    if bare in WITHHELD_CALLER_IDS or text.lower().startswith(("client:", "sip:")):
        return ParsedPhone(PhoneKind.WITHHELD, reason="caller ID withheld")
    if len(text) > _MAX_INPUT:
        return ParsedPhone(PhoneKind.INVALID, reason="too long to be a phone number")
    if text.startswith("00"):
        text = "+" + text[2:]
    text = text.replace("(0)", "")
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException:
        return ParsedPhone(PhoneKind.INVALID, reason="not a phone number")
    # IS_POSSIBLE only: a local-only fragment (`12345`, dialled without an area code) is not a
    # number anyone can be reached on, and must never be stored as +4412345.
    if phonenumbers.is_possible_number_with_reason(number) != \
            phonenumbers.ValidationResult.IS_POSSIBLE:
        return ParsedPhone(PhoneKind.INVALID, reason="not a possible phone number")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    # Each of libphonenumber's number_type, is_valid_number and region_code_for_number looks
    # the region up again (for +44: GB, then Guernsey, Man, Jersey, pattern by pattern), so it
    # is looked up once here and a UK mobile is known by its digits before any type is asked.
    region = phonenumbers.region_code_for_number(number)
    valid = region is not None and phonenumbers.is_valid_number_for_region(number, region)
    mobile = _looks_like_gb_mobile(e164) or phonenumbers.number_type(number) in {
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    }
    return ParsedPhone(
        PhoneKind.NUMBER,
        e164=e164,
        valid=valid,
        mobile=mobile,
        region=region or ("GB" if e164.startswith("+44") else None),
    )


def _looks_like_gb_mobile(e164: str) -> bool:
    """UK mobiles are +447xxx xxxxxx (bar 070 personal and 076 pagers); drama 07700 included."""
    return e164.startswith("+447") and len(e164) == 13 and not e164.startswith(("+4470", "+4476"))


def mask_phone(e164: str | None) -> str:
    """For lists and logs: `+447700900123` -> `+44 7••• ••0123`."""
    if not e164:
        return "withheld"
    if len(e164) < 7:
        return "•" * len(e164)
    if e164.startswith("+44"):
        return f"+44 {e164[3]}••• ••{e164[-4:]}"
    return e164[:3] + "•" * (len(e164) - 7) + e164[-4:]


#: Something that reads as a phone number inside free text: an optional "+" or "00", then digits
#: with at most two spaces, hyphens or brackets between them. `mask_numbers_in_text` keeps only
#: runs of 9 or more digits, so 999, 116 123, times, dates and amounts are left alone. A letter
#: or digit next to it makes it part of a word (a reference, a code); an underscore does not.
_NUMBER_IN_TEXT = re.compile(r"(?<![^\W_])(?<!\+)\+?\d(?:[ \-()]{0,2}\d)+(?![^\W_])")
#: The fewest digits a run needs to be treated as a phone number (UK numbers have 10 or 11).
MIN_DIGITS_IN_TEXT = 9
#: How many of a number's digits stay visible in masked text.
VISIBLE_DIGITS = 3
MASK_CHAR = "•"


def mask_numbers_in_text(text: str | None) -> str:
    """Mask every phone-number-like run in free text (an SMS body, a note) but its last 3 digits.

    "Phone 07700 900123." -> "Phone ••••• •••123.": the spacing stays, so a reader sees that a
    number was there and can tell two numbers apart, and the full number is only shown when a
    member of staff asks for it (which is logged). NUL characters, which no page can show, are
    dropped first, so a number split by one is still masked.
    """
    clean = (text or "").replace("\x00", "")
    return _NUMBER_IN_TEXT.sub(_mask_match, clean)


def _mask_match(match: re.Match[str]) -> str:
    found = match.group(0)
    digits = sum(ch.isdigit() for ch in found)
    if digits < MIN_DIGITS_IN_TEXT:
        return found
    keep_from = digits - VISIBLE_DIGITS
    out, seen = [], 0
    for ch in found:
        if ch.isdigit():
            out.append(ch if seen >= keep_from else MASK_CHAR)
            seen += 1
        else:
            out.append(ch)
    return "".join(out)


def format_for_display(e164: str | None) -> str:
    """`+447700900123` -> `07700 900123` for UK numbers, international format otherwise."""
    if not e164:
        return "withheld"
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 44
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, fmt)
