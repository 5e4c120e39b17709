"""UK postcodes as text: tidy what people type (or say) into the standard "WR1 2NN" form."""

from __future__ import annotations

import re

# Outward code (area letters, district digits, optional letter) + inward code (digit, 2 letters).
_FULL = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][ABD-HJLNP-UW-Z]{2})$")
_OUTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")


def normalise_postcode(text: str | None) -> str | None:
    """`wr12nn`, ` WR1  2NN ` -> `WR1 2NN`; None when it is not the shape of a full postcode."""
    if not text:
        return None
    compact = re.sub(r"[^A-Za-z0-9]", "", text).upper()
    match = _FULL.match(compact)
    if not match:
        return None
    return f"{match.group(1)} {match.group(2)}"


def outcode_of(text: str | None) -> str | None:
    """The outward half (`WR1`) of a full or partial postcode, or None."""
    if not text:
        return None
    full = normalise_postcode(text)
    if full:
        return full.split(" ")[0]
    compact = re.sub(r"[^A-Za-z0-9]", "", text).upper()
    return compact if _OUTCODE.match(compact) else None
