"""Reading one answer against the current node: menu choices, yes/no, values, the operator.

Pure and channel-agnostic: a key press, a spoken phrase and a typed text all come in as a
`UserInput`. Words match whole words, any case, accents optional ("pieniadze" = "pieniądze"),
in the resident's language and then the flow's default language.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from app.domain import speech
from app.domain.flows import Flow, Node, Option


class InputKind(StrEnum):
    DIGITS = "digits"
    SPEECH = "speech"
    TEXT = "text"
    SILENCE = "silence"


@dataclass(frozen=True)
class UserInput:
    kind: InputKind
    value: str = ""


def _languages(flow: Flow, language: str) -> list[str]:
    return [language] if language == flow.default_language else [language, flow.default_language]


def is_operator(flow: Flow, language: str, node: Node, given: UserInput) -> bool:
    if given.kind == InputKind.DIGITS:
        return given.value.strip() == flow.operator.key
    folded = speech.fold(given.value)
    if folded == flow.operator.key:
        return node.type != "ask" or node.kind != "number"
    words = {
        speech.fold(w)
        for code in _languages(flow, language)
        for w in flow.operator.words.get(code, ())
    }
    return folded in words


def match_option(flow: Flow, node: Node, language: str, given: UserInput) -> Option | None:
    """The option a key press, a spoken answer or a text chooses; None if none or ambiguous."""
    by_key = {o.key: o for o in node.options}
    if given.kind == InputKind.DIGITS:
        return by_key.get(given.value.strip()[:1]) if len(given.value.strip()) == 1 else None
    digit = speech.spoken_digit(given.value)
    if digit is not None:
        return by_key.get(digit)
    folded = speech.fold(given.value)
    best: tuple[int, Option] | None = None
    tied = False
    for option in node.options:
        for code in _languages(flow, language):
            for word in option.words.get(code, ()):
                if speech.contains_phrase(folded, word):
                    length = len(speech.fold(word))
                    if best is None or length > best[0]:
                        best, tied = (length, option), False
                    elif length == best[0] and best[1] is not option:
                        tied = True
    return None if best is None or tied else best[1]


def yes_or_no(flow: Flow, language: str, given: UserInput) -> bool | None:
    if given.kind == InputKind.DIGITS:
        return {"1": True, "2": False}.get(given.value.strip())
    digit = speech.spoken_digit(given.value)
    if digit in {"1", "2"}:
        return digit == "1"
    folded = speech.fold(given.value)
    codes = _languages(flow, language)
    yes = any(speech.contains_phrase(folded, w) for c in codes for w in flow.yes_words.get(c, ()))
    no = any(speech.contains_phrase(folded, w) for c in codes for w in flow.no_words.get(c, ()))
    return None if yes == no else yes


def parse_answer(flow: Flow, node: Node, language: str, given: UserInput) -> tuple[bool, Any]:
    """(ok, value) for an ask node; value None means "skipped" (optional questions only)."""
    text = speech.clean_text(given.value)
    skipped = (given.kind == InputKind.DIGITS and node.kind != "number") or speech.fold(text) in {
        speech.fold(w) for c in _languages(flow, language) for w in flow.skip_words.get(c, ())
    }
    if node.kind == "yes_no":
        answer = yes_or_no(flow, language, given)
        return answer is not None, answer
    if node.optional and skipped:
        return True, None
    if node.kind == "postcode":
        postcode = None if given.kind == InputKind.DIGITS else speech.spoken_postcode(text)
        return postcode is not None, postcode
    if node.kind == "number":
        number = speech.parse_number(text)
        return number is not None, number
    if given.kind == InputKind.DIGITS or not text:
        return False, None
    return True, text


#: An answer that is a choice plus at most this many other words ("yes please", "food one")
#: is a bare choice; anything longer is the resident's own words.
MAX_FILLER_WORDS = 2


def own_words(flow: Flow, node: Node, language: str, given: UserInput) -> str | None:
    """The resident's words worth keeping from an answer to a menu or a yes/no question.

    A bare choice ("2", "food", "yes please", "two") says nothing more and is dropped; anything
    else ("no food for days and I feel dizzy", read as the option "food") is kept verbatim,
    because a case always keeps the resident's own words. Other questions store their answer.
    """
    if given.kind not in (InputKind.TEXT, InputKind.SPEECH):
        return None
    if node.type != "menu" and not (node.type == "ask" and node.kind == "yes_no"):
        return None
    text = given.value.strip()
    folded = speech.fold(text)
    if not folded or speech.spoken_digit(text) is not None:
        return None
    known: set[str] = {flow.operator.key}
    for code in _languages(flow, language):
        known.update(speech.fold(w) for w in flow.operator.words.get(code, ()))
        known.update(speech.fold(w) for w in flow.yes_words.get(code, ()))
        known.update(speech.fold(w) for w in flow.no_words.get(code, ()))
        for option in node.options:
            known.add(speech.fold(option.key))
            known.update(speech.fold(w) for w in option.words.get(code, ()))
            if option.label.get(code):
                known.add(speech.fold(option.label[code]))
    rest = f" {folded} "
    for phrase in sorted((k for k in known if k), key=len, reverse=True):
        while f" {phrase} " in rest:
            rest = rest.replace(f" {phrase} ", " ")
    return text if len(rest.split()) > MAX_FILLER_WORDS else None
