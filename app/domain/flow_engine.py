"""The conversation engine: (flow, state, input) -> Turn(new state, prompt, actions). Pure.

Channel-agnostic by design: the same flow and the same state serve a phone call and an SMS
thread (so a caller who hangs up can carry on by text from the same node, answers kept). The
channel only changes how a question is worded ("press 1" or "reply 1") and whether a value is
read back. State is a plain JSON-able dict so it is stored on the Conversation row as it is.

No dead end, by construction: a wrong answer repeats the question with an apology; after
`max_attempts` wrong answers (or `max_silences` silences on the phone) the resident is handed
to a person; the operator key or word hands over from any node.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.domain import speech
from app.domain.enums import Channel
from app.domain.flow_answers import (
    InputKind,
    UserInput,
    is_operator,
    match_option,
    parse_answer,
    yes_or_no,
)
from app.domain.flows import Flow, Node

__all__ = ["InputKind", "Prompt", "Turn", "UserInput", "advance", "match_option", "repeat", "start"]

State = dict[str, Any]


@dataclass(frozen=True)
class Prompt:
    messages: tuple[str, ...]
    language: str
    voice_language: str
    expects_input: bool
    hints: tuple[str, ...] = ()
    numeric: bool = False  # one key press is a whole answer (all but number questions)


@dataclass(frozen=True)
class CreateCase:
    """The flow finished: make the case from these answers."""

    answers: Mapping[str, Any]


@dataclass(frozen=True)
class HandOver:
    """The resident should reach a person (reason: "asked", "failure" or "silence")."""

    answers: Mapping[str, Any]
    reason: str


Action = CreateCase | HandOver


@dataclass(frozen=True)
class Turn:
    state: State
    prompt: Prompt
    actions: tuple[Action, ...] = ()


def new_state(flow: Flow, language: str | None = None) -> State:
    return {
        "node": flow.start,
        "language": language or flow.default_language,
        "answers": {},
        "errors": 0,
        "silences": 0,
        "pending": None,
        "step": 0,
        "ended": None,
    }


def start(flow: Flow, channel: Channel, *, language: str | None = None) -> Turn:
    """The opening turn: everything said up to the first question."""
    state = new_state(flow, language)
    return _enter(flow, state, flow.start, channel, [])


def repeat(flow: Flow, state: State, channel: Channel, lead: tuple[str, ...] = ()) -> Turn:
    """Ask the current question again, changing nothing (stale step, resume by SMS)."""
    state = _copy(state)
    node = flow.nodes.get(state["node"])
    if node is None or state.get("ended"):
        return _handover(flow, state, channel, list(lead), "failure")
    return Turn(state, _question(flow, state, node, channel, list(lead)))


def advance(flow: Flow, state: State, given: UserInput, channel: Channel) -> Turn:
    """One answer in, the next turn out. Never raises for any input."""
    state = _copy(state)
    state["step"] = int(state.get("step") or 0) + 1
    if state.get("language") not in {lang.code for lang in flow.languages}:
        state["language"] = flow.default_language  # a state saved by an older flow
    node = flow.nodes.get(state.get("node", ""))
    if node is None or state.get("ended"):
        return _handover(flow, state, channel, [], "failure")
    if given.kind == InputKind.SILENCE:
        return _silence(flow, state, node, channel)
    state["silences"] = 0
    if is_operator(flow, state["language"], node, given):
        return _handover(flow, state, channel, [], "asked")
    if state.get("pending") is not None:
        return _confirming(flow, state, node, given, channel)
    if node.type == "menu":
        option = match_option(flow, node, state["language"], given)
        if option is None:
            return _wrong(flow, state, node, channel, "invalid")
        state["answers"].update(option.set)
        if "language" in option.set:
            state["language"] = option.set["language"]
        return _accepted(flow, state, option.next, channel)
    ok, value = parse_answer(flow, node, state["language"], given)
    if not ok:
        return _wrong(flow, state, node, channel, "invalid_value")
    if value is not None and node.confirm in {"always", channel.value}:
        state["pending"] = value
        return Turn(state, _question(flow, state, node, channel, []))
    return _store(flow, state, node, value, channel)


def _copy(state: Mapping[str, Any]) -> State:
    copied = dict(state)
    copied["answers"] = dict(state.get("answers") or {})
    return copied


def _store(flow: Flow, state: State, node: Node, value: Any, channel: Channel) -> Turn:
    if node.field and value is not None:
        state["answers"][node.field] = value
    state["pending"] = None
    return _accepted(flow, state, node.next or flow.on_failure, channel)


def _accepted(flow: Flow, state: State, target: str, channel: Channel) -> Turn:
    state["errors"] = 0
    return _enter(flow, state, target, channel, [])


def _silence(flow: Flow, state: State, node: Node, channel: Channel) -> Turn:
    state["silences"] = int(state.get("silences", 0)) + 1
    if state["silences"] >= flow.max_silences:
        return _handover(flow, state, channel, [], "silence")
    lead = [flow.phrase("no_input", state["language"])]
    return Turn(state, _question(flow, state, node, channel, lead))


def _wrong(flow: Flow, state: State, node: Node, channel: Channel, phrase: str) -> Turn:
    state["errors"] = int(state.get("errors", 0)) + 1
    if state["errors"] >= flow.max_attempts:
        return _handover(flow, state, channel, [], "failure")
    lead = [flow.phrase(phrase, state["language"])]
    return Turn(state, _question(flow, state, node, channel, lead))


def _confirming(flow: Flow, state: State, node: Node, given: UserInput, channel: Channel) -> Turn:
    answer = yes_or_no(flow, state["language"], given)
    if answer is True:
        return _store(flow, state, node, state["pending"], channel)
    if answer is False:
        state["pending"] = None
        state["errors"] = int(state.get("errors", 0)) + 1
        if state["errors"] >= flow.max_attempts:
            return _handover(flow, state, channel, [], "failure")
        return Turn(state, _question(flow, state, node, channel, []))
    return _wrong(flow, state, node, channel, "invalid_value")


def _enter(flow: Flow, state: State, node_id: str, channel: Channel, lead: list[str]) -> Turn:
    """Walk say/set/branch nodes, collecting what is said, up to a question or an ending."""
    language = state["language"]
    for _ in range(len(flow.nodes) + 1):
        node = flow.nodes.get(node_id)
        if node is None:
            break
        state["node"] = node_id
        if node.type == "say":
            lead.append(_text(flow, node, language))
            node_id = node.next or flow.on_failure
        elif node.type == "set":
            state["answers"].update(node.set)
            node_id = node.next or flow.on_failure
        elif node.type == "branch":
            value = state["answers"].get(node.field or "")
            node_id = node.cases.get(
                str(value).lower() if isinstance(value, bool) else str(value),
                node.default or flow.on_failure,
            )
        elif node.type == "finish":
            lead.append(_text(flow, node, language))
            state["ended"] = "finish"
            return Turn(
                state, _prompt(flow, state, lead, False), (CreateCase(dict(state["answers"])),)
            )
        elif node.type == "handover":
            return _handover(flow, state, channel, lead, "asked")
        else:
            return Turn(state, _question(flow, state, node, channel, lead))
    return _handover(flow, state, channel, lead, "failure")


def _handover(flow: Flow, state: State, channel: Channel, lead: list[str], reason: str) -> Turn:
    language = state.get("language") or flow.default_language
    state["language"] = language
    if reason != "asked":
        lead.append(flow.phrase("failure", language))
    target = flow.operator.target if reason == "asked" else flow.on_failure
    state["node"] = target
    state["ended"] = "handover"
    state["pending"] = None
    lead.append(_text(flow, flow.nodes[target], language))
    return Turn(
        state,
        _prompt(flow, state, lead, False),
        (HandOver(dict(state.get("answers") or {}), reason),),
    )


def _text(flow: Flow, node: Node, language: str) -> str:
    return node.text.get(language) or node.text.get(flow.default_language) or ""


def _prompt(
    flow: Flow,
    state: State,
    messages: list[str],
    expects: bool,
    hints: tuple[str, ...] = (),
    numeric: bool = False,
) -> Prompt:
    language = state["language"]
    return Prompt(
        tuple(m for m in messages if m),
        language,
        flow.language(language).voice,
        expects,
        hints,
        numeric,
    )


def _question(flow: Flow, state: State, node: Node, channel: Channel, lead: list[str]) -> Prompt:
    language = state["language"]
    voice = channel == Channel.VOICE
    if state.get("pending") is not None:
        value = state["pending"]
        shown = speech.say_postcode(value) if node.kind == "postcode" and voice else str(value)
        ask = flow.phrase("confirm_postcode", language).replace("{value}", shown)
        yes_no = flow.phrase("yes_no_voice" if voice else "yes_no_sms", language)
        return _prompt(flow, state, [*lead, f"{ask} {yes_no}"], True, numeric=True)
    question = _text(flow, node, language)
    if node.type == "menu":
        return _prompt(
            flow,
            state,
            [*lead, menu_text(flow, node, language, channel)],
            True,
            _hints(node, language),
            numeric=True,
        )
    if node.kind == "yes_no":
        yes_no = flow.phrase("yes_no_voice" if voice else "yes_no_sms", language)
        return _prompt(flow, state, [*lead, f"{question} {yes_no}"], True, numeric=True)
    if node.optional:
        question = f"{question} {flow.phrase('skip_voice' if voice else 'skip_sms', language)}"
    return _prompt(flow, state, [*lead, question], True, numeric=node.kind != "number")


def menu_text(flow: Flow, node: Node, language: str, channel: Channel) -> str:
    """The question and its numbered options, worded for the channel."""
    template = flow.phrase(
        "menu_option_voice" if channel == Channel.VOICE else "menu_option_sms", language
    )
    lines = [
        template.replace("{key}", o.key).replace(
            "{label}", o.label.get(language) or o.label.get(flow.default_language, "")
        )
        for o in node.options
    ]
    separator = " " if channel == Channel.VOICE else "\n"
    return separator.join([_text(flow, node, language), *lines])


def _hints(node: Node, language: str) -> tuple[str, ...]:
    return tuple(w for o in node.options for w in o.words.get(language, ()))
