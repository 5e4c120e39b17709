"""How many SMS segments a body costs, and in which encoding (pure: no I/O, no Twilio).

Why this matters: a single character outside GSM-7 (an emoji, Welsh ŵ/ŷ, a smart quote) switches
the WHOLE message to UCS-2, which cuts a segment from 160 to 70 characters, and every segment is
billed. Menus and offers are kept to at most two segments with `count_segments`.

Rules (Twilio's "What is the SMS character limit?" glossary page and 3GPP TS 23.038):
- GSM-7: 160 septets in one segment, 153 per segment once concatenated (the 6-byte header).
  Characters of the extension table (``^ { } \\ [ ~ ] | €`` and form feed) are sent as ESC + char,
  so they cost 2 septets, and the pair is never split across two segments.
- UCS-2: 70 UTF-16 code units in one segment, 67 once concatenated. A character outside the
  Basic Multilingual Plane (most emoji) is a surrogate pair: 2 units, never split.
"""

from __future__ import annotations

from typing import NamedTuple

GSM7 = "GSM-7"
UCS2 = "UCS-2"

#: The GSM 03.38 basic character set (the ESC at 0x1B is left out: it is not a text character).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: The extension table: each costs two septets (ESC + the character).
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

_LIMITS = {GSM7: (160, 153), UCS2: (70, 67)}


class SegmentCount(NamedTuple):
    encoding: str  # "GSM-7" or "UCS-2"
    segments: int  # 0 for an empty body
    length: int  # septets (GSM-7) or UTF-16 code units (UCS-2)


def is_gsm7(text: str) -> bool:
    """True when every character can be sent in GSM-7 (basic or extension table)."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def _unit_costs(text: str, encoding: str) -> list[int]:
    """The indivisible cost of each character: 1 or 2 septets / UTF-16 code units."""
    if encoding == GSM7:
        return [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def count_segments(text: str) -> SegmentCount:
    """`(encoding, segments, length)` of `text` as a carrier would split it."""
    encoding = GSM7 if is_gsm7(text) else UCS2
    costs = _unit_costs(text, encoding)
    length = sum(costs)
    single, multi = _LIMITS[encoding]
    if length == 0:
        return SegmentCount(encoding, 0, 0)
    if length <= single:
        return SegmentCount(encoding, 1, length)
    segments, used = 1, 0
    for cost in costs:
        if used + cost > multi:  # an escape pair or surrogate pair is never split
            segments += 1
            used = 0
        used += cost
    return SegmentCount(encoding, segments, length)


def fits(text: str, max_segments: int = 2) -> bool:
    """True when `text` costs at most `max_segments` segments (menus and offers: 2)."""
    return count_segments(text).segments <= max_segments
