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

import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
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
    """The phrases as word sequences; `find` returns the phrases (as written in the list) that
    match.

    Normalised text is words and single spaces, so a phrase matches where its words follow one
    another in the text's words (the last one as a prefix when the phrase ends in `*`). The
    phrases are indexed by their first word, so a text costs one dictionary look-up per word
    (and one `startswith` against the one-word prefixes) whatever the length of the list.
    """

    phrases: tuple[str, ...]
    #: Each phrase's words and whether its last word is a prefix, in list order.
    _words: tuple[tuple[tuple[str, ...], bool], ...] = ()
    #: Phrase positions by first word, for every phrase but the one-word prefixes.
    _by_first_word: dict[str, tuple[int, ...]] = field(default_factory=dict)
    #: The one-word prefixes (`suicid*`) and their phrases' positions.
    _prefixes: tuple[str, ...] = ()
    _prefix_positions: tuple[int, ...] = ()

    @classmethod
    def from_lines(cls, lines: Iterable[str]) -> PhraseList:
        phrases: list[str] = []
        words: list[tuple[tuple[str, ...], bool]] = []
        for line in lines:
            phrase = line.strip()
            if not phrase or phrase.startswith("#"):
                continue
            phrase_words = tuple(normalise_text(phrase.rstrip("*")).split())
            if phrase_words:
                phrases.append(phrase)
                words.append((phrase_words, phrase.endswith("*")))
        by_first_word: dict[str, list[int]] = {}
        prefix_positions: list[int] = []
        for position, (phrase_words, wildcard) in enumerate(words):
            if wildcard and len(phrase_words) == 1:
                prefix_positions.append(position)
            else:
                by_first_word.setdefault(phrase_words[0], []).append(position)
        return cls(tuple(phrases), tuple(words),
                   {word: tuple(positions) for word, positions in by_first_word.items()},
                   tuple(words[p][0][0] for p in prefix_positions), tuple(prefix_positions))

    def find(self, text: str | None) -> list[str]:
        if not text:
            return []
        return self.find_normalised(normalise_text(text[:MAX_SCAN_CHARS]))

    def find_normalised(self, normalised: str) -> list[str]:
        """`find` for a text already through `normalise_text` (one text, several lists)."""
        words = normalised.split(" ") if normalised else []
        found: set[int] = set()
        for start, word in enumerate(words):
            for position in self._by_first_word.get(word, ()):
                if self._follows(position, words, start):
                    found.add(position)
            if self._prefixes and word.startswith(self._prefixes):
                found.update(position for prefix, position in
                             zip(self._prefixes, self._prefix_positions, strict=True)
                             if word.startswith(prefix))
        return [self.phrases[position] for position in sorted(found)]

    def _follows(self, position: int, words: list[str], start: int) -> bool:
        """Whether the phrase at `position` is in `words` from `start` (its first word is)."""
        phrase_words, wildcard = self._words[position]
        end = start + len(phrase_words)
        if end > len(words):
            return False
        last = len(phrase_words) - 1
        for offset in range(1, len(phrase_words)):
            word, wanted = words[start + offset], phrase_words[offset]
            if word != wanted and not (wildcard and offset == last and word.startswith(wanted)):
                return False
        return True

    def matches(self, text: str | None) -> bool:
        return bool(self.find(text))


@lru_cache(maxsize=8)
def _load(path: str, _mtime_ns: int) -> PhraseList:
    with open(path, encoding="utf-8") as handle:
        return PhraseList.from_lines(handle)


def load_phrases(path: Path | None = None) -> PhraseList:
    """The list in `path` (default: the shipped list), cached until the file changes."""
    target = os.fspath(path) if path else str(DEFAULT_PHRASES_FILE)
    return _load(target, os.stat(target).st_mtime_ns)


def language_files(path: Path | None = None) -> dict[str, Path]:
    """{"en": the main list, "pl": its `.pl.txt` sibling, ...}: every list that exists.

    Looked for on every text, so remembered until the folder changes (one `stat`): a list an
    operator adds or removes changes the folder and is used from the next text on."""
    main = os.fspath(path) if path else str(DEFAULT_PHRASES_FILE)
    try:
        folder_mtime_ns = os.stat(os.path.dirname(main) or ".").st_mtime_ns
    except OSError:
        folder_mtime_ns = -1
    return dict(_language_files(main, folder_mtime_ns))


@lru_cache(maxsize=8)
def _language_files(main_path: str, _folder_mtime_ns: int) -> tuple[tuple[str, Path], ...]:
    main = Path(main_path)
    found = {"en": main}
    for sibling in sorted(main.parent.glob(f"{main.stem}.*{main.suffix}")):
        code = sibling.name[len(main.stem) + 1:-len(main.suffix) or None]
        if code.isalpha() and 2 <= len(code) <= 3:
            found[code.lower()] = sibling
    return tuple(found.items())


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
