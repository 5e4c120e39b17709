"""Volunteers' SMS words (YES / NO / DONE / JOIN / AWAY / BACK / MYJOBS), parsed
deterministically from a table.

Volunteers answer from a phone keyboard, often in a hurry: `yes`, `Y`, `Yes!`, `YES 👍`,
`yes please`, `YES H2H-7K3Q`, `no thanks`, `Done.`. The rule is deterministic:

- the FIRST word (letters only, any case, punctuation and emoji ignored) is looked up in WORDS;
- a case reference anywhere in the message (`H2H-7K3Q`, `h2h 7k3q`) is taken out first and
  names the offer or assignment meant;
- after the keyword, at most MAX_EXTRA_WORDS more words are allowed for YES / NO / DONE
  ("no thanks", "yes I can"): a longer message is a sentence, not an answer, so it is NOT
  taken as a keyword (the person gets the normal conversation instead of a silent decision);
- JOIN may be followed by the person's name ("JOIN Sam Patel");
- AWAY may be followed by a number of days ("AWAY 5", "away 10 days"): `away_days` reads it.
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
    AWAY = "away"
    BACK = "back"
    MYJOBS = "myjobs"


WORDS: dict[str, VolunteerWord] = {
    "YES": VolunteerWord.YES, "Y": VolunteerWord.YES, "YEAH": VolunteerWord.YES,
    "YEP": VolunteerWord.YES, "YUP": VolunteerWord.YES, "OK": VolunteerWord.YES,
    "OKAY": VolunteerWord.YES, "ACCEPT": VolunteerWord.YES, "TAK": VolunteerWord.YES,
    "NO": VolunteerWord.NO, "N": VolunteerWord.NO, "NOPE": VolunteerWord.NO,
    "DECLINE": VolunteerWord.NO, "CANT": VolunteerWord.NO, "NIE": VolunteerWord.NO,
    "DONE": VolunteerWord.DONE, "COMPLETE": VolunteerWord.DONE,
    "COMPLETED": VolunteerWord.DONE, "FINISHED": VolunteerWord.DONE,
    "JOIN": VolunteerWord.JOIN, "VOLUNTEER": VolunteerWord.JOIN,
    "AWAY": VolunteerWord.AWAY, "BACK": VolunteerWord.BACK, "MYJOBS": VolunteerWord.MYJOBS,
    "JOBS": VolunteerWord.MYJOBS,
}
#: AWAY with no number pauses offers for a week; longer than MAX_AWAY_DAYS is refused.
DEFAULT_AWAY_DAYS = 7
MAX_AWAY_DAYS = 90
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
    if [w.upper() for w in words[:2]] == ["MY", "JOBS"]:  # "my jobs" is MYJOBS typed naturally
        return ParsedReply(VolunteerWord.MYJOBS, reference) if len(words) == 2 else None
    word = WORDS.get(words[0].upper())
    if word is None or not _starts_with_keyword(without_ref, words[0]):
        return None
    if word is VolunteerWord.JOIN:
        name = " ".join(without_ref.split()[1:]).strip(" .,!")[:100]
        return ParsedReply(word, reference, name)
    if len(words) - 1 > MAX_EXTRA_WORDS:
        return None
    if word is VolunteerWord.AWAY:
        return ParsedReply(word, reference, " ".join(without_ref.split()[1:]).strip())
    return ParsedReply(word, reference)


def away_days(rest: str) -> int | None:
    """The days after AWAY: DEFAULT_AWAY_DAYS when none given, None when not 1..MAX_AWAY_DAYS
    (or not a number), so the volunteer is told how to say it rather than paused by a guess."""
    words = rest.replace(",", " ").split()
    if not words:
        return DEFAULT_AWAY_DAYS
    if not words[0].isdigit() or len(words[0]) > 3:
        return None
    if len(words) > 1 and words[1].lower().strip(".!") not in {"day", "days"}:
        return None
    days = int(words[0])
    return days if 1 <= days <= MAX_AWAY_DAYS else None


def _starts_with_keyword(text: str, first: str) -> bool:
    """The keyword must open the message (after spaces/punctuation), not sit inside it."""
    match = _WORD.match(re.sub(r"^[\W_]+", "", text))
    return match is not None and match.group(0).replace("'", "").upper() == first.upper()
