"""Conversation flows as data: load a YAML flow file, check it, and freeze it into dataclasses.

Why a loader of our own: staff edit these files by hand, so every mistake must come back as one
readable line naming the node (`file:node: reason`), and PyYAML silently keeps the last of two
duplicate keys, which would hide a half-edited menu. We compose the YAML tree first to find
duplicates, validate the shape against `flows/schema.json` (JSON Schema), then run the semantic
checks a schema cannot express: unknown targets, unreachable nodes, nodes with no way out and
missing translations. The format is documented in flows/README.md.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as _field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from app.domain.enums import Category

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "flows" / "schema.json"

#: The case fields a flow may fill in (`field:` of an ask, keys of `set:`).
CASE_FIELDS = frozenset(
    {"category", "need", "details", "postcode", "name", "address", "consent_to_share", "language"}
)
TERMINAL_TYPES = frozenset({"handover", "finish"})
ASK_KINDS = frozenset({"postcode", "yes_no", "text", "number"})
#: Phrases the engine needs in every language (see flows/README.md, "phrases").
REQUIRED_PHRASES = (
    "invalid",
    "no_input",
    "menu_option_voice",
    "menu_option_sms",
    "yes_no_voice",
    "yes_no_sms",
    "confirm_postcode",
    "skip_voice",
    "skip_sms",
    "failure",
    "invalid_value",
    "connecting",
    "voicemail",
    "voicemail_closed",
    "closed_sms",
    "voicemail_thanks",
    "handover_sms",
    "safeguarding",
    "closing_sms",
    "resume_sms",
    "help",
    "opted_in",
    "status_none",
    "status_open",
    "cancelled",
)


@dataclass(frozen=True)
class Problem:
    node: str
    reason: str

    def line(self, source: str) -> str:
        return f"{source}:{self.node}: {self.reason}"


class FlowError(ValueError):
    """A flow file that cannot be used; `problems` lists every reason found."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("; ".join(p.line(source) for p in problems))


@dataclass(frozen=True)
class Option:
    key: str
    next: str
    label: Mapping[str, str]
    words: Mapping[str, tuple[str, ...]]
    set: Mapping[str, Any] = _field(default_factory=dict)


@dataclass(frozen=True)
class Node:
    id: str
    type: str
    text: Mapping[str, str] = _field(default_factory=dict)
    next: str | None = None
    options: tuple[Option, ...] = ()
    field: str | None = None
    kind: str | None = None
    confirm: str = "never"  # "never", "voice" or "always": read the value back for a yes/no
    optional: bool = False
    set: Mapping[str, Any] = _field(default_factory=dict)
    cases: Mapping[str, str] = _field(default_factory=dict)
    default: str | None = None
    # On the phone, before a language is chosen: say the text in EVERY language, each in its
    # own voice (a welcome, a language menu's question). By SMS only the current language.
    each_language: bool = False


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    voice: str  # BCP-47 code for <Say>/<Gather language=...>, e.g. "en-GB"
    # Twilio <Say voice=...>, e.g. "Polly.Amy". None: Twilio has no voice for this language,
    # so the phone needs the operator's recordings of each prompt (`flows check` lists gaps).
    tts: str | None = None

    @property
    def speaks(self) -> bool:
        return self.tts is not None


@dataclass(frozen=True)
class Relay:
    """Text relay (Relay UK, 18001): keys only, long waits, short menus, a person sooner."""

    key: str = "9"  # pressed at the first question of a call: switch to relay mode
    timeout: int = 30  # seconds to wait for a key press


@dataclass(frozen=True)
class ChangeLanguage:
    """The way back to the language menu from any question (a remembered language skips it)."""

    key: str
    words: Mapping[str, tuple[str, ...]]
    target: str


@dataclass(frozen=True)
class Operator:
    key: str
    words: Mapping[str, tuple[str, ...]]
    target: str


@dataclass(frozen=True)
class Flow:
    id: str
    version: str
    start: str
    languages: tuple[Language, ...]
    nodes: Mapping[str, Node]
    phrases: Mapping[str, Mapping[str, str]]
    operator: Operator
    on_failure: str
    yes_words: Mapping[str, tuple[str, ...]]
    no_words: Mapping[str, tuple[str, ...]]
    skip_words: Mapping[str, tuple[str, ...]]
    max_attempts: int = 3
    max_silences: int = 2
    relay: Relay | None = None
    change_language: ChangeLanguage | None = None
    #: {(where, language): review state} for every text marked in the file, e.g.
    #: {("phrase help", "ur"): "unreviewed", ("node welcome", "bn"): "reviewed"}.
    reviews: Mapping[tuple[str, str], str] = _field(default_factory=dict)

    @property
    def default_language(self) -> str:
        return self.languages[0].code

    def language(self, code: str) -> Language:
        for lang in self.languages:
            if lang.code == code:
                return lang
        return self.languages[0]

    def phrase(self, name: str, language: str) -> str:
        texts = self.phrases[name]
        return texts.get(language) or texts[self.default_language]

    def optional_phrase(self, name: str, language: str) -> str | None:
        """A phrase older flow files may lack (None then: the caller has its own words)."""
        texts = self.phrases.get(name)
        if not texts:
            return None
        return texts.get(language) or texts.get(self.default_language)


@cache
def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _duplicates(node: yaml.Node, path: tuple[str, ...], out: list[Problem]) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                where = path[1] if len(path) > 1 and path[0] == "nodes" else "flow"
                if path == ("nodes",):
                    where = key
                line = key_node.start_mark.line + 1
                out.append(Problem(where, f"duplicate key {key!r} (line {line})"))
            seen.add(key)
            _duplicates(value_node, (*path, key), out)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _duplicates(item, (*path, str(index)), out)


def parse_yaml(text: str) -> tuple[Any, list[Problem]]:
    """The YAML document and the duplicate-key problems PyYAML would otherwise hide."""
    try:
        tree = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        return None, [Problem("flow", f"not valid YAML{where}: {getattr(exc, 'problem', exc)}")]
    problems: list[Problem] = []
    if tree is not None:
        _duplicates(tree, (), problems)
    return data, problems


def schema_problems(data: Any) -> list[Problem]:
    validator = jsonschema.Draft202012Validator(_schema())
    problems = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.path))):
        path = [str(p) for p in error.path]
        node = path[1] if len(path) > 1 and path[0] == "nodes" else "flow"
        where = "/".join(path[2:] if node != "flow" else path) or "(top)"
        problems.append(Problem(node, f"{where}: {error.message}"))
    return problems


def _texts(raw: Mapping[str, Any] | None, where: str,
           reviews: dict[tuple[str, str], str] | None = None) -> dict[str, str]:
    """{language: text}, from plain strings or `{text: ..., review: ...}` (review noted)."""
    out: dict[str, str] = {}
    for lang, value in (raw or {}).items():
        if isinstance(value, Mapping):
            out[lang] = str(value.get("text", ""))
            if reviews is not None and value.get("review"):
                reviews[(where, lang)] = str(value["review"])
        else:
            out[lang] = str(value)
    return out


def _words(raw: Mapping[str, Any] | None) -> dict[str, tuple[str, ...]]:
    return {lang: tuple(str(w) for w in words) for lang, words in (raw or {}).items()}


def _option(raw: Mapping[str, Any], where: str, reviews: dict[tuple[str, str], str]) -> Option:
    return Option(
        key=str(raw["key"]),
        next=raw["next"],
        label=_texts(raw.get("label"), f"{where} option {raw['key']}", reviews),
        words=_words(raw.get("words")),
        set=dict(raw.get("set") or {}),
    )


def _node(node_id: str, raw: Mapping[str, Any], reviews: dict[tuple[str, str], str]) -> Node:
    return Node(
        id=node_id,
        type=raw["type"],
        text=_texts(raw.get("text"), f"node {node_id}", reviews),
        next=raw.get("next"),
        options=tuple(_option(o, f"node {node_id}", reviews) for o in raw.get("options") or ()),
        field=raw.get("field"),
        kind=raw.get("kind"),
        confirm=raw.get("confirm", "never"),
        optional=bool(raw.get("optional", False)),
        set=dict(raw.get("set") or {}),
        cases={str(k): v for k, v in (raw.get("cases") or {}).items()},
        default=raw.get("default"),
        each_language=bool(raw.get("each_language", False)),
    )


def build_flow(data: Mapping[str, Any]) -> Flow:
    """Freeze schema-valid data into a Flow (semantic checks are separate)."""
    operator = data["operator"]
    reviews: dict[tuple[str, str], str] = {}
    relay = data.get("relay")
    change = data.get("change_language")
    return Flow(
        id=data["id"],
        version=str(data.get("version", "")),
        start=data["start"],
        languages=tuple(
            Language(code=code, name=lang["name"], voice=lang["voice"], tts=lang.get("tts"))
            for code, lang in data["languages"].items()
        ),
        nodes={nid: _node(nid, raw, reviews) for nid, raw in data["nodes"].items()},
        phrases={name: _texts(texts, f"phrase {name}", reviews)
                 for name, texts in data["phrases"].items()},
        operator=Operator(
            key=str(operator["key"]), words=_words(operator.get("words")), target=operator["target"]
        ),
        on_failure=data["on_failure"],
        yes_words=_words(data["vocabulary"]["yes"]),
        no_words=_words(data["vocabulary"]["no"]),
        skip_words=_words(data["vocabulary"]["skip"]),
        max_attempts=int(data.get("max_attempts", 3)),
        max_silences=int(data.get("max_silences", 2)),
        relay=Relay(key=str(relay.get("key", "9")), timeout=int(relay.get("timeout", 30)))
        if relay is not None else None,
        change_language=ChangeLanguage(key=str(change["key"]), words=_words(change.get("words")),
                                       target=change["target"]) if change is not None else None,
        reviews=reviews,
    )


def is_valid_category(value: Any) -> bool:
    return value in {c.value for c in Category}
