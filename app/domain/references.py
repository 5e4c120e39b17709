"""Case references such as `H2H-7K3Q`: short, unambiguous, and easy to read aloud.

A reference is said over the phone to older residents, typed into SMS replies by volunteers
("YES H2H-7K3Q") and copied by hand from a note, so the alphabet leaves out every character that
is easily mistaken for another when written, printed or spoken:

    ALPHABET = "34679ACDEFGHJKMNPQRTVWXY"   (24 characters)

It starts from Douglas Crockford's base 32 (no I, L, O, U), then also drops 0/O, 1/I/L, 2/Z,
5/S and 8/B. U is absent too (Crockford's reason: accidental words). What is left has no pair
that people confuse on paper, and speech-to-text and readers-aloud get them right.

Length: 4 random characters give 24**4 = 331,776 references. A large help-line (Worcestershire's
Here2Help took some tens of thousands of requests in 2020-21) stays far below that, so a clash
is rare and the service simply draws again (a unique constraint plus a retry, see
`app.services.cases.intake`). If draws keep clashing (the space filling up after years), the service
falls back to 5 characters (7,962,624), so references stay short for residents and never run
out. The parser accepts both lengths.

The random part comes from `secrets`, so references cannot be predicted from earlier ones.
"""

from __future__ import annotations

import re
import secrets

PREFIX = "H2H"
ALPHABET = "34679ACDEFGHJKMNPQRTVWXY"
SHORT_LENGTH = 4
LONG_LENGTH = 5

_BODY = f"[{ALPHABET}]{{{SHORT_LENGTH},{LONG_LENGTH}}}"
_COMPACT = re.compile(rf"^(?:{PREFIX})?({_BODY})$")
# In running text ("yes h2h-7k3q please"): the prefix is required so a word is not mistaken
# for a reference; separators between prefix and body may be a hyphen, spaces or nothing.
_IN_TEXT = re.compile(rf"\b{PREFIX}[\s\-.]*({_BODY})\b", re.IGNORECASE)


def new_reference(length: int = SHORT_LENGTH) -> str:
    """A fresh random reference such as `H2H-7K3Q` (uniqueness is the database's job)."""
    if length not in (SHORT_LENGTH, LONG_LENGTH):
        raise ValueError(f"a reference has {SHORT_LENGTH} or {LONG_LENGTH} characters")
    body = "".join(secrets.choice(ALPHABET) for _ in range(length))
    return f"{PREFIX}-{body}"


def parse_reference(text: str | None) -> str | None:
    """What a person typed (`h2h 7k3q`, `H2H7K3Q`, `7K3Q`) -> `H2H-7K3Q`; None if not one.

    Spaces, hyphens, dots and case are ignored. A character outside the alphabet (an `O` for
    a zero, say) is refused rather than guessed, because guessing could name someone else's
    case.
    """
    if not text or len(text) > 40:
        return None
    compact = re.sub(r"[\s\-.:_/]", "", text).upper()
    match = _COMPACT.match(compact)
    if not match:
        return None
    return f"{PREFIX}-{match.group(1)}"


def find_reference(text: str | None) -> str | None:
    """The first reference written inside a message (`YES H2H-7K3Q`), normalised, or None."""
    if not text:
        return None
    match = _IN_TEXT.search(text[:1000])
    if not match:
        return None
    body = match.group(1).upper()
    return f"{PREFIX}-{body}" if all(c in ALPHABET for c in body) else None


def format_for_speech(reference: str) -> str:
    """`H2H-7K3Q` -> `H 2 H. 7 K 3 Q`: one character at a time, a pause between the groups.

    Text-to-speech reads "7K3Q" as a word or a number; spaced characters are spelled out, and the
    full stop gives the listener a breath between the fixed prefix and the part that matters.
    """
    parsed = parse_reference(reference)
    if parsed is None:
        raise ValueError("not a case reference")
    prefix, body = parsed.split("-", 1)
    return f"{' '.join(prefix)}. {' '.join(body)}"


def is_reference(text: str | None) -> bool:
    return parse_reference(text) is not None
