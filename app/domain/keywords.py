"""SMS keywords residents can send, as a table: STOP and Twilio's other opt-out words, START,
HELP, STATUS, CANCEL.

Matching follows Twilio's own rule for opt-out words: case-insensitive, surrounding spaces and
punctuation ignored, and the keyword must be the WHOLE message ("Stop." opts out; "stop the
deliveries please" is an answer). STATUS and CANCEL may be followed by a case reference.

CANCEL is both our "withdraw my request" word and one of Twilio's default opt-out words on long
codes. Our choice (documented in the README): when the number has an open case, CANCEL withdraws
that case and the reply says so; with no open case, CANCEL is an opt-out exactly like STOP, which
is what Twilio will have done on its side anyway. Deployments that want CANCEL to mean only
"withdraw" should remove it from the opt-out list in Twilio's Advanced Opt-Out settings.

YES / NO / DONE / JOIN are volunteers' words and are not here: the SMS service asks the
volunteer handler first (app.services.volunteers.sms_replies).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Keyword(StrEnum):
    STOP = "stop"
    START = "start"
    HELP = "help"
    STATUS = "status"
    CANCEL = "cancel"


#: word -> keyword. Twilio's defaults: opt-out STOP, STOPALL, UNSUBSCRIBE, END, QUIT, REVOKE,
#: OPTOUT, CANCEL; opt-in START, UNSTOP (YES is left to volunteers); help HELP, INFO.
KEYWORDS: dict[str, Keyword] = {
    "STOP": Keyword.STOP,
    "STOPALL": Keyword.STOP,
    "UNSUBSCRIBE": Keyword.STOP,
    "END": Keyword.STOP,
    "QUIT": Keyword.STOP,
    "REVOKE": Keyword.STOP,
    "OPTOUT": Keyword.STOP,
    "START": Keyword.START,
    "UNSTOP": Keyword.START,
    "HELP": Keyword.HELP,
    "INFO": Keyword.HELP,
    "POMOC": Keyword.HELP,
    "STATUS": Keyword.STATUS,
    "CANCEL": Keyword.CANCEL,
    "ANULUJ": Keyword.CANCEL,
}
#: Keywords that may carry a reference after them ("STATUS H2H-7K3Q").
_WITH_ARGUMENT = {Keyword.STATUS, Keyword.CANCEL}
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")


@dataclass(frozen=True)
class KeywordMatch:
    keyword: Keyword
    argument: str = ""


def match_keyword(text: str | None) -> KeywordMatch | None:
    """The keyword the whole message is, or None for an ordinary message."""
    if not text or len(text) > 60:
        return None
    stripped = _EDGES.sub("", text.strip())
    word, _, rest = stripped.partition(" ")
    keyword = KEYWORDS.get(word.upper())
    if keyword is None:
        return None
    rest = rest.strip()
    if rest and keyword not in _WITH_ARGUMENT:
        return None
    return KeywordMatch(keyword, rest.upper())
