"""A resident's answer to "did you get the help you needed?", read deterministically.

The question offers numbers (1 yes, 2 partly, 3 no) and words work too, in English and in the
languages the table below knows (a case's own language is tried first, then English, so an
English answer to a Polish question still counts). AGAIN asks for the same help once more.

Only a short message that IS an answer counts: the first word must be one of the words below
and at most MAX_EXTRA_WORDS may follow ("yes thanks", "no, nobody came"); anything longer is a
sentence, which the normal SMS handling gets (a new request, safeguarding words...).
"""

from __future__ import annotations

import re
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
        "PARTIALLY": FollowUpAnswer.PARTLY, "PART": FollowUpAnswer.PARTLY,
        "SOME": FollowUpAnswer.PARTLY, "SOMEWHAT": FollowUpAnswer.PARTLY,
        "3": FollowUpAnswer.NO, "NO": FollowUpAnswer.NO, "N": FollowUpAnswer.NO,
        "NOPE": FollowUpAnswer.NO, "NOT": FollowUpAnswer.NO,
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
}
MAX_EXTRA_WORDS = 4
MAX_LENGTH = 120
_WORD = re.compile(r"[^\W_]+")


def parse_follow_up_answer(text: str | None, language: str = "en") -> FollowUpAnswer | None:
    """The answer a message is, in `language` or English; None when it is not an answer."""
    if not text or len(text) > MAX_LENGTH:
        return None
    words = _WORD.findall(text)
    if not words or len(words) - 1 > MAX_EXTRA_WORDS:
        return None
    if not re.match(r"^[\W_]*" + re.escape(words[0]), text):
        return None  # the answer word must open the message
    first = words[0].upper()
    for table in (WORDS.get(language, {}), WORDS["en"]):
        if first in table:
            return table[first]
    return None
