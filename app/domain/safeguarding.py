"""Spot safeguarding phrases ("can't breathe", "no food for days", ...) in a resident's words.

Pure text matching against a list kept as data (app/data/safeguarding_phrases.txt, or the file
named by SAFEGUARDING_PHRASES_FILE), so a safeguarding lead can change the list without touching
Python. It is a safety net, not a classifier: a match only routes the case to a human at once;
it never refuses or closes anything, so a false positive costs a coordinator a minute and a
false negative is still seen by call handlers in the queue.

Languages: the list file holds the English phrases; a sibling file per flow language holds that
language's (`safeguarding_phrases.pl.txt` next to `safeguarding_phrases.txt`). Every text is
scanned against all of them, since a resident in the Polish flow may well write in English.

Matching: both the text and the phrases are lower-cased, apostrophes dropped ("can't" ==
"cant"), and every other run of punctuation or whitespace becomes one space; a phrase matches on
whole words only ("fallen" is not found in "befallen"); a trailing `*` matches any word ending.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DEFAULT_PHRASES_FILE = Path(__file__).resolve().parent.parent / "data" / "safeguarding_phrases.txt"
#: Only the start of a very long text is scanned, so a pasted novel cannot slow a webhook down.
MAX_SCAN_CHARS = 20_000

_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc`]")


def normalise_text(text: str) -> str:
    """`I CAN'T  breathe!!` -> `i cant breathe`.

    Vowel signs and other combining marks (Bengali "া", Urdu diacritics) stay inside their
    word, though `re` does not count them as word characters; zero-width joiners go.
    """
    without_apostrophes = _APOSTROPHES.sub("", text.casefold()).replace(
        "\u200c", "").replace("\u200d", "")
    kept = "".join(ch if ch.isalnum() or unicodedata.category(ch)[0] == "M" else " "
                   for ch in without_apostrophes)
    return " ".join(kept.split())


@dataclass(frozen=True)
class PhraseList:
    """The compiled phrases; `find` returns the phrases (as written in the list) that match."""

    phrases: tuple[str, ...]
    _patterns: tuple[re.Pattern[str], ...]
    #: All the patterns as one alternation: most texts match none, and one search says so.
    _any: re.Pattern[str] | None = None

    @classmethod
    def from_lines(cls, lines: Iterable[str]) -> PhraseList:
        phrases: list[str] = []
        patterns: list[re.Pattern[str]] = []
        for line in lines:
            phrase = line.strip()
            if not phrase or phrase.startswith("#"):
                continue
            pattern = _compile(phrase)
            if pattern is not None:
                phrases.append(phrase)
                patterns.append(pattern)
        combined = re.compile("|".join(f"(?:{p.pattern})" for p in patterns)) \
            if patterns else None
        return cls(tuple(phrases), tuple(patterns), combined)

    def find(self, text: str | None) -> list[str]:
        if not text:
            return []
        return self.find_normalised(normalise_text(text[:MAX_SCAN_CHARS]))

    def find_normalised(self, normalised: str) -> list[str]:
        """`find` for a text already through `normalise_text` (one text, several lists)."""
        if self._any is not None and not self._any.search(normalised):
            return []
        pairs = zip(self.phrases, self._patterns, strict=True)
        return [phrase for phrase, pattern in pairs if pattern.search(normalised)]

    def matches(self, text: str | None) -> bool:
        return bool(self.find(text))


def _compile(phrase: str) -> re.Pattern[str] | None:
    wildcard = phrase.endswith("*")
    words = normalise_text(phrase.rstrip("*")).split()
    if not words:
        return None
    body = r"\s".join(re.escape(w) for w in words)
    tail = r"\S*" if wildcard else ""
    # Normalised text is words and single spaces: a word ends only at a space or the end.
    return re.compile(rf"(?<!\S){body}{tail}(?!\S)")


@lru_cache(maxsize=8)
def _load(path: str, _mtime_ns: int) -> PhraseList:
    with open(path, encoding="utf-8") as handle:
        return PhraseList.from_lines(handle)


def load_phrases(path: Path | None = None) -> PhraseList:
    """The list in `path` (default: the shipped list), cached until the file changes."""
    target = Path(path) if path else DEFAULT_PHRASES_FILE
    return _load(str(target), target.stat().st_mtime_ns)


def language_files(path: Path | None = None) -> dict[str, Path]:
    """{"en": the main list, "pl": its `.pl.txt` sibling, ...}: every list that exists.

    Looked for on every text (a listing of one small folder, about 20 µs): a list an operator
    adds is used from the next text on."""
    main = Path(path) if path else DEFAULT_PHRASES_FILE
    found = {"en": main}
    for sibling in sorted(main.parent.glob(f"{main.stem}.*{main.suffix}")):
        code = sibling.name[len(main.stem) + 1:-len(main.suffix) or None]
        if code.isalpha() and 2 <= len(code) <= 3:
            found[code.lower()] = sibling
    return found


def find_safeguarding_phrases(text: str | None, path: Path | None = None) -> list[str]:
    """The safeguarding phrases found in `text`, in every language's list (empty when none)."""
    if not text:
        return []
    normalised = normalise_text(text[:MAX_SCAN_CHARS])
    found: list[str] = []
    for target in language_files(path).values():
        found.extend(p for p in load_phrases(target).find_normalised(normalised)
                     if p not in found)
    return found
