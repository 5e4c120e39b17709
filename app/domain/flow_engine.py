"""The conversation engine: (flow, state, input) -> Turn(new state, prompt, actions). Pure.

Channel-agnostic by design: the same flow and the same state serve a phone call and an SMS
thread (so a caller who hangs up can carry on by text from the same node, answers kept). The
channel only changes how a question is worded ("press 1" or "reply 1") and whether a value is
read back. State is a plain JSON-able dict so it is stored on the Conversation row as it is.

Languages: everything said is a `Line` in one language, so the phone can give each its own
voice (or the operator's recording) and an SMS joins them. Before a language is chosen, nodes
marked `each_language` are said in every language on the phone; a remembered language skips the
language menu (with a hint how to choose again). Text relay callers (`state["relay"]`) answer by
keys only, hear short menus, and reach a person after one failure.

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
from app.domain.flows import Flow, Node, Option

__all__ = ["InputKind", "Line", "Prompt", "Turn", "UserInput", "advance", "hand_over",
           "match_option", "repeat", "start"]

State = dict[str, Any]


@dataclass(frozen=True)
class Line:
    """One thing said, in one language: its own <Say> (its language's voice) or <Play>.

    `key` names the operator's recording of it (`welcome`, `need.3`, `phrase.no_input`);
    `value` is the filled-in part of a phrase (a postcode, a reference), said after a
    recording of the rest; `fallback` is the default language's words for it, said when its
    own language has neither a voice nor a recording; `join` glues it onto the line before in
    an SMS (None: a paragraph of its own).
    """

    text: str
    language: str
    key: str
    value: str | None = None
    fallback: str | None = None
    join: str | None = None


@dataclass(frozen=True)
class Prompt:
    lines: tuple[Line, ...]
    language: str
    voice_language: str
    expects_input: bool
    hints: tuple[str, ...] = ()
    numeric: bool = False  # one key press is a whole answer (all but number questions)
    keys_only: bool = False  # text relay: no speech input, a long wait for each key

    @property
    def messages(self) -> tuple[str, ...]:
        """The texts, as one SMS paragraph each."""
        return join_lines(self.lines)


def join_lines(lines: tuple[Line, ...] | list[Line]) -> tuple[str, ...]:
    out: list[str] = []
    for line in lines:
        if not line.text:
            continue
        if line.join is not None and out:
            out[-1] = f"{out[-1]}{line.join}{line.text}"
        else:
            out.append(line.text)
    return tuple(out)


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


def new_state(flow: Flow, language: str | None = None, *, relay: bool = False,
              channel: Channel = Channel.SMS) -> State:
    known = language in {lang.code for lang in flow.languages}
    return {
        "node": flow.start,
        "language": language if known else flow.default_language,
        "answers": {},
        "errors": 0,
        "silences": 0,
        "pending": None,
        "step": 0,
        "ended": None,
        # A remembered language: say the welcome in it only and skip the language menu.
        "known": known,
        "relay": relay,
        # Until the first answer, the phone offers (and accepts) the relay key.
        "relay_offered": bool(flow.relay) and channel == Channel.VOICE and not relay,
    }


def start(flow: Flow, channel: Channel, *, language: str | None = None,
          relay: bool = False) -> Turn:
    """The opening turn: everything said up to the first question.

    `language`: the resident's remembered language (None: the flow's default, menu asked);
    `relay`: the caller is on a text relay service (keys only, long waits, a person sooner).
    """
    state = new_state(flow, language, relay=relay, channel=channel)
    return _enter(flow, state, flow.start, channel, [])


def repeat(flow: Flow, state: State, channel: Channel, lead: tuple[Line, ...] = ()) -> Turn:
    """Ask the current question again, changing nothing (stale step, resume by SMS)."""
    state = _copy(state)
    node = flow.nodes.get(state["node"])
    if node is None or state.get("ended"):
        return _handover(flow, state, channel, list(lead), "failure")
    return Turn(state, _question(flow, state, node, channel, list(lead)))


def hand_over(flow: Flow, state: State, channel: Channel, reason: str,
              phrase: str | None = None, lead: tuple[Line, ...] = ()) -> Turn:
    """End the flow with a person now (e.g. `no_voice`: the phone cannot speak the language):
    `lead` (what was to be said before the question), then `phrase` when the flow has it."""
    state = _copy(state)
    said = list(lead)
    if phrase and flow.optional_phrase(phrase, flow.default_language):
        said.append(_phrase(flow, phrase, state.get("language") or flow.default_language))
    return _handover(flow, state, channel, said, reason, quiet=True)


def lead_lines(state: State, prompt: Prompt) -> tuple[Line, ...]:
    """The lines of a prompt said before its question (a welcome, a notice, an apology)."""
    node = str(state.get("node", ""))
    return tuple(line for line in prompt.lines
                 if line.key != node and not line.key.startswith(f"{node}.")
                 and not line.key.startswith("phrase."))


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
    if _is_relay_key(flow, state, given):
        state["relay"], state["relay_offered"], state["errors"] = True, False, 0
        lead = [_phrase(flow, "relay_on", state["language"])] \
            if flow.optional_phrase("relay_on", state["language"]) else []
        return Turn(state, _question(flow, state, node, channel, lead))
    if is_operator(flow, state["language"], node, given):
        return _handover(flow, state, channel, [], "asked")
    if _wants_language_menu(flow, state, node, given):
        state["known"], state["errors"], state["pending"] = False, 0, None
        return _enter(flow, state, flow.change_language.target, channel, [])  # type: ignore[union-attr]
    if state.get("pending") is not None:
        return _confirming(flow, state, node, given, channel)
    if node.type == "menu":
        option = match_option(flow, node, state["language"], given)
        if option is None:
            return _wrong(flow, state, node, channel, "invalid")
        state["answers"].update(option.set)
        if "language" in option.set:
            state["language"], state["known"] = option.set["language"], True
        return _accepted(flow, state, option.next, channel)
    ok, value = parse_answer(flow, node, state["language"], given)
    if not ok:
        return _wrong(flow, state, node, channel, "invalid_value")
    if value is not None and node.confirm in {"always", channel.value}:
        state["pending"] = value
        return Turn(state, _question(flow, state, node, channel, []))
    return _store(flow, state, node, value, channel)


def _is_relay_key(flow: Flow, state: State, given: UserInput) -> bool:
    return bool(flow.relay and state.get("relay_offered") and not state.get("relay")
                and given.kind == InputKind.DIGITS and given.value.strip() == flow.relay.key)


def _wants_language_menu(flow: Flow, state: State, node: Node, given: UserInput) -> bool:
    """The change-language key, or (typed or said) one of its words in any language."""
    change = flow.change_language
    if change is None or node.id == change.target or change.target not in flow.nodes:
        return False
    if given.kind == InputKind.DIGITS:
        return given.value.strip() == change.key
    if given.value.strip() == change.key:
        return True
    folded = speech.fold(given.value)
    return bool(folded) and any(
        folded == speech.fold(w) for words in change.words.values() for w in words)


def _limit(flow: Flow, state: State, name: str) -> int:
    """Text relay callers reach a person after ONE failure or silence."""
    return 1 if state.get("relay") else int(getattr(flow, name))


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
    state["relay_offered"] = False
    return _enter(flow, state, target, channel, [])


def _silence(flow: Flow, state: State, node: Node, channel: Channel) -> Turn:
    state["silences"] = int(state.get("silences", 0)) + 1
    if state["silences"] >= _limit(flow, state, "max_silences"):
        return _handover(flow, state, channel, [], "silence")
    lead = [_phrase(flow, "no_input", state["language"])]
    return Turn(state, _question(flow, state, node, channel, lead))


def _wrong(flow: Flow, state: State, node: Node, channel: Channel, phrase: str) -> Turn:
    state["errors"] = int(state.get("errors", 0)) + 1
    if state["errors"] >= _limit(flow, state, "max_attempts"):
        return _handover(flow, state, channel, [], "failure")
    lead = [_phrase(flow, phrase, state["language"])]
    return Turn(state, _question(flow, state, node, channel, lead))


def _confirming(flow: Flow, state: State, node: Node, given: UserInput, channel: Channel) -> Turn:
    answer = yes_or_no(flow, state["language"], given)
    if answer is True:
        return _store(flow, state, node, state["pending"], channel)
    if answer is False:
        state["pending"] = None
        state["errors"] = int(state.get("errors", 0)) + 1
        if state["errors"] >= _limit(flow, state, "max_attempts"):
            return _handover(flow, state, channel, [], "failure")
        return Turn(state, _question(flow, state, node, channel, []))
    return _wrong(flow, state, node, channel, "invalid_value")


def _enter(flow: Flow, state: State, node_id: str, channel: Channel, lead: list[Line]) -> Turn:
    """Walk say/set/branch nodes, collecting what is said, up to a question or an ending."""
    language = state["language"]
    for _ in range(2 * len(flow.nodes) + 1):
        node = flow.nodes.get(node_id)
        if node is None:
            break
        state["node"] = node_id
        remembered = _remembered_choice(flow, state, node)
        if node.type == "say":
            lead.extend(_node_lines(flow, state, node, channel))
            node_id = node.next or flow.on_failure
        elif remembered is not None:  # the language menu, for a resident we know
            state["answers"].update(remembered.set)
            hint = "language_hint_voice" if channel == Channel.VOICE else "language_hint_sms"
            if flow.optional_phrase(hint, language):
                lead.append(_phrase(flow, hint, language))
            node_id = remembered.next
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
            lead.append(_node_line(flow, node, language))
            state["ended"] = "finish"
            return Turn(
                state, _prompt(flow, state, lead, False), (CreateCase(dict(state["answers"])),)
            )
        elif node.type == "handover":
            return _handover(flow, state, channel, lead, "asked")
        elif _needs_speech(state, node, channel):
            if not node.optional:  # a postcode cannot be keyed in: a person asks instead
                return _handover(flow, state, channel, lead, "relay")
            node_id = node.next or flow.on_failure
        else:
            return Turn(state, _question(flow, state, node, channel, lead))
    return _handover(flow, state, channel, lead, "failure")


def _remembered_choice(flow: Flow, state: State, node: Node) -> Option | None:
    """At the language menu with the resident's language known: the option choosing it."""
    change = flow.change_language
    if change is None or node.id != change.target or node.type != "menu" \
            or not state.get("known"):
        return None
    return next((o for o in node.options if o.set.get("language") == state["language"]), None)


def _needs_speech(state: State, node: Node, channel: Channel) -> bool:
    """A question only words can answer, on a relay call (keys only)."""
    return (channel == Channel.VOICE and bool(state.get("relay")) and node.type == "ask"
            and node.kind in {"text", "postcode"})


def _handover(flow: Flow, state: State, channel: Channel, lead: list[Line], reason: str,
              *, quiet: bool = False) -> Turn:
    language = state.get("language") or flow.default_language
    state["language"] = language
    if reason != "asked" and not quiet:
        lead.append(_phrase(flow, "failure", language))
    target = flow.operator.target if reason == "asked" else flow.on_failure
    state["node"] = target
    state["ended"] = "handover"
    state["pending"] = None
    lead.append(_node_line(flow, flow.nodes[target], language))
    return Turn(
        state,
        _prompt(flow, state, lead, False),
        (HandOver(dict(state.get("answers") or {}), reason),),
    )


def _text(flow: Flow, node: Node, language: str) -> str:
    return node.text.get(language) or node.text.get(flow.default_language) or ""


def _fallback(flow: Flow, language: str, default_text: str) -> str | None:
    return None if language == flow.default_language else default_text


def _node_line(flow: Flow, node: Node, language: str, join: str | None = None) -> Line:
    return Line(_text(flow, node, language), language, node.id,
                fallback=_fallback(flow, language, _text(flow, node, flow.default_language)),
                join=join)


def _phrase(flow: Flow, name: str, language: str, join: str | None = None,
            value: str | None = None) -> Line:
    text = flow.phrase(name, language)
    fallback = flow.phrase(name, flow.default_language)
    if value is not None:
        text, fallback = text.replace("{value}", value), fallback.replace("{value}", value)
    return Line(text, language, f"phrase.{name}", value=value,
                fallback=_fallback(flow, language, fallback), join=join)


def phrase_line(flow: Flow, name: str, language: str) -> Line:
    """A phrase of the flow as a line of its own (for the voice service's own sentences)."""
    return _phrase(flow, name, language)


def _node_lines(flow: Flow, state: State, node: Node, channel: Channel) -> list[Line]:
    """A node's text: on the phone, before a language is known, in every language (each
    its own line, so each has its own voice); otherwise in the resident's language."""
    if node.each_language and channel == Channel.VOICE and not state.get("known"):
        return [Line(_text(flow, node, lang.code), lang.code, node.id)
                for lang in flow.languages if node.text.get(lang.code)]
    return [_node_line(flow, node, state["language"])]


def _prompt(
    flow: Flow,
    state: State,
    lines: list[Line],
    expects: bool,
    hints: tuple[str, ...] = (),
    numeric: bool = False,
) -> Prompt:
    language = state["language"]
    return Prompt(
        tuple(line for line in lines if line.text),
        language,
        flow.language(language).voice,
        expects,
        hints,
        numeric,
        keys_only=bool(state.get("relay")),
    )


def _question(flow: Flow, state: State, node: Node, channel: Channel, lead: list[Line]) -> Prompt:
    language = state["language"]
    voice = channel == Channel.VOICE
    if voice and state.get("relay_offered") and flow.optional_phrase("relay_offer", language):
        lead = [*lead, _phrase(flow, "relay_offer", flow.default_language)]
    if state.get("pending") is not None:
        value = state["pending"]
        shown = speech.say_postcode(value) if node.kind == "postcode" and voice else str(value)
        ask = _phrase(flow, "confirm_postcode", language, value=shown)
        yes_no = _phrase(flow, "yes_no_voice" if voice else "yes_no_sms", language, join=" ")
        return _prompt(flow, state, [*lead, ask, yes_no], True, numeric=True)
    if node.type == "menu":
        return _prompt(
            flow,
            state,
            [*lead, *menu_lines(flow, node, state, channel)],
            True,
            _hints(node, language),
            numeric=True,
        )
    question = _node_lines(flow, state, node, channel)
    if node.kind == "yes_no":
        yes_no = _phrase(flow, "yes_no_voice" if voice else "yes_no_sms", language, join=" ")
        return _prompt(flow, state, [*lead, *question, yes_no], True, numeric=True)
    if node.optional:
        skip = _phrase(flow, "skip_voice" if voice else "skip_sms", language, join=" ")
        question = [*question, skip]
    return _prompt(flow, state, [*lead, *question], True, numeric=node.kind != "number")


def _option_language(flow: Flow, option: Option, language: str) -> str:
    """A language menu's option is worded in the language it chooses ("Polski: naciśnij 2")."""
    chosen = option.set.get("language")
    return chosen if chosen in {lang.code for lang in flow.languages} else language


def menu_lines(flow: Flow, node: Node, state: State, channel: Channel) -> list[Line]:
    """The question and one line per option, worded for the channel (a relay call gets the
    short SMS wording: "1 Food and shopping")."""
    voice = channel == Channel.VOICE
    template = "menu_option_voice" if voice and not state.get("relay") else "menu_option_sms"
    join = " " if voice else "\n"
    lines = _node_lines(flow, state, node, channel)
    for option in node.options:
        code = _option_language(flow, option, state["language"])

        def worded(lang: str, option: Option = option) -> str:
            label = option.label.get(lang) or option.label.get(flow.default_language, "")
            return flow.phrase(template, lang).replace("{key}", option.key) \
                .replace("{label}", label)

        lines.append(Line(worded(code), code, f"{node.id}.{option.key}",
                          fallback=_fallback(flow, code, worded(flow.default_language)),
                          join=join))
    return lines


def menu_text(flow: Flow, node: Node, language: str, channel: Channel) -> str:
    """The question and its numbered options as one text, worded for the channel."""
    state = {"language": language, "known": True}
    separator = " " if channel == Channel.VOICE else "\n"
    return separator.join(line.text for line in menu_lines(flow, node, state, channel))


def _hints(node: Node, language: str) -> tuple[str, ...]:
    return tuple(w for o in node.options for w in o.words.get(language, ()))
