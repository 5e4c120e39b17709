"""What people say or type, tidied into values: spoken postcodes, digits, numbers, matching words.

Why: Twilio's speech recogniser returns "W R one two N N", "double you are 1 2 en en" or
"WR1 2NN" for the same postcode, and residents text "One", "1.", "FOOD!" or "pieniadze" (no
ogonek). Everything here is pure text handling so it is tested without a phone.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from app.domain.postcode import normalise_postcode

_DIGIT_WORDS = {
    "zero": "0",
    "oh": "0",
    "nought": "0",
    "one": "1",
    "won": "1",
    "two": "2",
    "to": "2",
    "too": "2",
    "three": "3",
    "four": "4",
    "for": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "ate": "8",
    "nine": "9",
    # Polish digit words, so a Polish speaker may answer a menu by voice too.
    "jeden": "1",
    "jedna": "1",
    "dwa": "2",
    "trzy": "3",
    "cztery": "4",
    "piec": "5",
    "szesc": "6",
    "siedem": "7",
    "osiem": "8",
    "dziewiec": "9",
}
_LETTER_WORDS = {
    "ay": "A",
    "bee": "B",
    "be": "B",
    "see": "C",
    "sea": "C",
    "dee": "D",
    "ee": "E",
    "ef": "F",
    "eff": "F",
    "gee": "G",
    "aitch": "H",
    "haitch": "H",
    "eye": "I",
    "jay": "J",
    "kay": "K",
    "el": "L",
    "elle": "L",
    "em": "M",
    "en": "N",
    "pee": "P",
    "queue": "Q",
    "cue": "Q",
    "are": "R",
    "ess": "S",
    "tee": "T",
    "tea": "T",
    "you": "U",
    "vee": "V",
    "ex": "X",
    "why": "Y",
    "zed": "Z",
    "zee": "Z",
    "alpha": "A",
    "alfa": "A",
    "bravo": "B",
    "charlie": "C",
    "delta": "D",
    "echo": "E",
    "foxtrot": "F",
    "golf": "G",
    "hotel": "H",
    "india": "I",
    "juliet": "J",
    "kilo": "K",
    "lima": "L",
    "mike": "M",
    "november": "N",
    "oscar": "O",
    "papa": "P",
    "quebec": "Q",
    "romeo": "R",
    "sierra": "S",
    "tango": "T",
    "uniform": "U",
    "victor": "V",
    "whiskey": "W",
    "whisky": "W",
    "xray": "X",
    "yankee": "Y",
    "zulu": "Z",
}
_FILLER = {
    "my",
    "postcode",
    "post",
    "code",
    "is",
    "it's",
    "its",
    "it",
    "the",
    "um",
    "er",
    "uh",
    "please",
    "thanks",
    "thank",
    "mój",
    "moj",
    "kod",
    "pocztowy",
    "to",
    "jest",
}
_NUL = "\x00"


#: Zero-width (non-)joiners shape Urdu and Bengali letters; they never separate words.
_JOINERS = "\u200c\u200d"


@lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """Lower case, no accents (ł -> l), punctuation to spaces, single spaces: for matching only.

    Remembered (pure, and asked for the same menu labels on every text)."""
    text = unicodedata.normalize("NFKD", text.casefold().replace("ł", "l"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch) and ch not in _JOINERS)
    # Vowel signs (Bengali "া", Urdu marks) are part of a word, though not "\w" to `re`.
    text = "".join(ch if ch.isalnum() or ch in "_/'" or unicodedata.category(ch)[0] == "M"
                   else " " for ch in text)
    return " ".join(text.split())


def clean_text(text: str | None) -> str:
    """The resident's words kept as written; only NUL goes (PostgreSQL text cannot hold it)."""
    return (text or "").replace(_NUL, "").strip()


def spoken_digit(text: str) -> str | None:
    """ "1", "one", "number one", "option 1." -> "1"; None unless exactly one digit is meant."""
    tokens = [t for t in fold(text).split() if t not in {"number", "option", "press", "numer"}]
    if len(tokens) != 1:
        return None
    token = tokens[0]
    if len(token) == 1 and token.isdigit():  # "৩" (Bengali) and "۳" (Urdu) are 3 too
        return str(unicodedata.digit(token, 0)) if not token.isascii() else token
    return _DIGIT_WORDS.get(token)


def _postcode_tokens(text: str) -> list[str]:
    tokens = fold(text).replace("double u", "w").replace("double you", "w").split()
    out: list[str] = []
    index = 0
    while index < len(tokens):
        word = tokens[index]
        if word in {"double", "treble"} and index + 1 < len(tokens):
            times = 2 if word == "double" else 3
            value = _token_value(tokens[index + 1])
            out.append(value * times)
            index += 2
            continue
        if word not in _FILLER or (len(word) == 1 and word.isalpha()):
            out.append(_token_value(word))
        index += 1
    return out


def _token_value(token: str) -> str:
    if token in _DIGIT_WORDS and token not in {"oh", "to", "for"}:
        return _DIGIT_WORDS[token]
    if token in _LETTER_WORDS:
        return _LETTER_WORDS[token]
    if token in {"oh", "to", "for"}:
        return {"oh": "O", "to": "2", "for": "4"}[token]
    return token.upper()


def spoken_postcode(text: str | None) -> str | None:
    """ "W R one two N N" -> "WR1 2NN"; "wr12nn" -> "WR1 2NN"; None when it is not a postcode."""
    if not text:
        return None
    direct = normalise_postcode(text)
    if direct:
        return direct
    compact = "".join(_postcode_tokens(text))
    found = normalise_postcode(compact)
    if found:
        return found
    # "oh" may be the digit 0 or the letter O: try the other reading where the shape needs it.
    for swapped in (compact.replace("O", "0"), _swap_inward_o(compact)):
        found = normalise_postcode(swapped)
        if found:
            return found
    return None


def _swap_inward_o(compact: str) -> str:
    if len(compact) >= 5 and compact[-3] == "O":
        return compact[:-3] + "0" + compact[-2:]
    return compact


def say_postcode(postcode: str) -> str:
    """ "WR1 2NN" -> "W R 1, 2 N N": read back one character at a time."""
    outward, _, inward = postcode.partition(" ")
    return f"{' '.join(outward)}, {' '.join(inward)}"


def parse_number(text: str) -> int | None:
    """ "3", "three", "12 people" -> the number; None when there is none or it is ambiguous."""
    digits = re.findall(r"\d+", text)
    if len(digits) == 1 and len(digits[0]) <= 6:
        return int(digits[0])
    if digits:
        return None
    spoken = spoken_digit(text)
    return int(spoken) if spoken is not None else None


def contains_phrase(folded_text: str, phrase: str) -> bool:
    """Whole-word match of `phrase` inside already folded text."""
    target = fold(phrase)
    return bool(target) and f" {target} " in f" {folded_text} "
