"""A resident's answer to "did you get the help you needed?", read deterministically.

The question offers numbers (1 yes, 2 partly, 3 no) and words work too, in English and in the
languages the table below knows (a case's own language is tried first, then English, so an
English answer to a Polish question still counts). AGAIN asks for the same help once more.

Only a short message that IS an answer counts: the first word must be one of the words below
and at most MAX_EXTRA_WORDS may follow ("yes thanks", "no, nobody came"); a digit or a single
letter counts only on its own ("2 people need food" is a request). Words that often open a
request ("some bread...", "not safe...") are not answers. Anything else is a sentence, which
the normal SMS handling gets (a new request, safeguarding words...), and the caller screens an
answer for safeguarding words first.
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum


class FollowUpAnswer(StrEnum):
    YES = "yes"
    PARTLY = "partly"
    NO = "no"
    AGAIN = "again"


#: Answers that mean the help did not (fully) arrive: the case goes back to staff.
NOT_HELPED = frozenset({FollowUpAnswer.PARTLY, FollowUpAnswer.NO})

WORDS: dict[str, dict[str, FollowUpAnswer]] = {
    "en": {
        "1": FollowUpAnswer.YES, "YES": FollowUpAnswer.YES, "Y": FollowUpAnswer.YES,
        "YEAH": FollowUpAnswer.YES, "YEP": FollowUpAnswer.YES, "YUP": FollowUpAnswer.YES,
        "2": FollowUpAnswer.PARTLY, "PARTLY": FollowUpAnswer.PARTLY,
        "PARTIALLY": FollowUpAnswer.PARTLY,
        "3": FollowUpAnswer.NO, "NO": FollowUpAnswer.NO, "N": FollowUpAnswer.NO,
        "NOPE": FollowUpAnswer.NO,
        "AGAIN": FollowUpAnswer.AGAIN, "REPEAT": FollowUpAnswer.AGAIN,
    },
    "pl": {
        "1": FollowUpAnswer.YES, "TAK": FollowUpAnswer.YES,
        "2": FollowUpAnswer.PARTLY, "CZĘŚCIOWO": FollowUpAnswer.PARTLY,
        "CZESCIOWO": FollowUpAnswer.PARTLY,
        "3": FollowUpAnswer.NO, "NIE": FollowUpAnswer.NO,
        "AGAIN": FollowUpAnswer.AGAIN, "PONOWNIE": FollowUpAnswer.AGAIN,
        "ZNOWU": FollowUpAnswer.AGAIN,
    },
    # Urdu and Bengali: the digits arrive as ASCII (native digits are read as their value).
    "ur": {
        "1": FollowUpAnswer.YES, "ہاں": FollowUpAnswer.YES, "جی": FollowUpAnswer.YES,
        "2": FollowUpAnswer.PARTLY, "کچھ": FollowUpAnswer.PARTLY, "جزوی": FollowUpAnswer.PARTLY,
        "3": FollowUpAnswer.NO, "نہیں": FollowUpAnswer.NO,
        "دوبارہ": FollowUpAnswer.AGAIN,
    },
    "bn": {
        "1": FollowUpAnswer.YES, "হ্যাঁ": FollowUpAnswer.YES, "হ্যা": FollowUpAnswer.YES,
        "2": FollowUpAnswer.PARTLY, "আংশিক": FollowUpAnswer.PARTLY,
        "3": FollowUpAnswer.NO, "না": FollowUpAnswer.NO,
        "আবার": FollowUpAnswer.AGAIN,
    },
}
MAX_EXTRA_WORDS = 4
MAX_LENGTH = 120
_JOINERS = str.maketrans("", "", "\u200c\u200d")


def _words(text: str) -> list[str]:
    """The message's words. Vowel signs (Bengali "া", Urdu marks) stay inside their word,
    though `re` does not count them as word characters; a digit in any script is its value."""
    kept = "".join(ch if ch.isalnum() or unicodedata.category(ch)[0] == "M" else " "
                   for ch in text.translate(_JOINERS))
    return ["".join(str(unicodedata.digit(ch)) if ch.isdigit() else ch for ch in word)
            for word in kept.split()]


def parse_follow_up_answer(text: str | None, language: str = "en") -> FollowUpAnswer | None:
    """The answer a message is, in `language` or English; None when it is not an answer."""
    if not text or len(text) > MAX_LENGTH:
        return None
    words = _words(text)
    if not words or len(words) - 1 > MAX_EXTRA_WORDS:
        return None
    if len(words[0]) == 1 and len(words) > 1:
        return None  # "2 people need food" is a request; a digit or a letter counts alone
    first = words[0].upper()
    for table in (WORDS.get(language, {}), WORDS["en"]):
        if first in table:
            return table[first]
    return None
