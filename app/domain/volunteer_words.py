"""Volunteers' SMS words (YES / NO / DONE / JOIN), parsed deterministically from a table.

Volunteers answer from a phone keyboard, often in a hurry: `yes`, `Y`, `Yes!`, `YES 👍`,
`yes please`, `YES H2H-7K3Q`, `no thanks`, `Done.`. The rule is deterministic:

- the FIRST word (letters only, any case, punctuation and emoji ignored) is looked up in WORDS;
- a case reference anywhere in the message (`H2H-7K3Q`, `h2h 7k3q`) is taken out first and
  names the offer or assignment meant;
- after the keyword, at most MAX_EXTRA_WORDS more words are allowed for YES / NO / DONE
  ("no thanks", "yes I can"): a longer message is a sentence, not an answer, so it is NOT
  taken as a keyword (the person gets the normal conversation instead of a silent decision);
- JOIN may be followed by the person's name ("JOIN Sam Patel").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from app.domain.references import find_reference


class VolunteerWord(StrEnum):
    YES = "yes"
    NO = "no"
    DONE = "done"
    JOIN = "join"


WORDS: dict[str, VolunteerWord] = {
    "YES": VolunteerWord.YES, "Y": VolunteerWord.YES, "YEAH": VolunteerWord.YES,
    "YEP": VolunteerWord.YES, "YUP": VolunteerWord.YES, "OK": VolunteerWord.YES,
    "OKAY": VolunteerWord.YES, "ACCEPT": VolunteerWord.YES, "TAK": VolunteerWord.YES,
    "NO": VolunteerWord.NO, "N": VolunteerWord.NO, "NOPE": VolunteerWord.NO,
    "DECLINE": VolunteerWord.NO, "CANT": VolunteerWord.NO, "NIE": VolunteerWord.NO,
    "DONE": VolunteerWord.DONE, "COMPLETE": VolunteerWord.DONE,
    "COMPLETED": VolunteerWord.DONE, "FINISHED": VolunteerWord.DONE,
    "JOIN": VolunteerWord.JOIN, "VOLUNTEER": VolunteerWord.JOIN,
}
MAX_EXTRA_WORDS = 3
MAX_LENGTH = 160
_WORD = re.compile(r"[A-Za-z']+")
_REFERENCE = re.compile(r"\bH2H[\s\-.]*[0-9A-Z]{4,5}\b", re.IGNORECASE)


@dataclass(frozen=True)
class ParsedReply:
    word: VolunteerWord
    reference: str | None = None  # "H2H-7K3Q" when the message named one
    rest: str = ""  # for JOIN: the name given, if any


def parse_volunteer_reply(text: str | None) -> ParsedReply | None:
    """The volunteer keyword a message is, or None when it is not one (see module docstring)."""
    if not text or len(text) > MAX_LENGTH:
        return None
    reference = find_reference(text)
    without_ref = _REFERENCE.sub(" ", text)
    words = [w.replace("'", "") for w in _WORD.findall(without_ref)]
    if not words:
        return None
    word = WORDS.get(words[0].upper())
    if word is None or not _starts_with_keyword(without_ref, words[0]):
        return None
    if word is VolunteerWord.JOIN:
        name = " ".join(without_ref.split()[1:]).strip(" .,!")[:100]
        return ParsedReply(word, reference, name)
    if len(words) - 1 > MAX_EXTRA_WORDS:
        return None
    return ParsedReply(word, reference)


def _starts_with_keyword(text: str, first: str) -> bool:
    """The keyword must open the message (after spaces/punctuation), not sit inside it."""
    match = _WORD.match(re.sub(r"^[\W_]+", "", text))
    return match is not None and match.group(0).replace("'", "").upper() == first.upper()
