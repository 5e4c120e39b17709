"""Checks on a flow that a JSON Schema cannot express: graph shape, translations, field names.

Each check returns `Problem(node, reason)` so `here2help flows check` prints one line per
problem. A flow that passes has no dead end: every node reachable from the start, the operator
escape or the failure hand-over can reach a node that ends the conversation.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from app.domain.enums import Category
from app.domain.flows import (
    CASE_FIELDS,
    REQUIRED_PHRASES,
    TERMINAL_TYPES,
    Flow,
    Node,
    Problem,
    is_valid_category,
)


def targets(node: Node) -> Iterator[str]:
    """Every node `node` can go to next."""
    if node.next:
        yield node.next
    for option in node.options:
        yield option.next
    yield from node.cases.values()
    if node.default:
        yield node.default


def semantic_problems(flow: Flow) -> list[Problem]:
    problems: list[Problem] = []
    for check in (_targets, _fields, _translations, _menus, _way_out, _reachable, _modes):
        problems.extend(check(flow))
    return problems


def _targets(flow: Flow) -> Iterator[Problem]:
    for name, target in (
        ("start", flow.start),
        ("operator.target", flow.operator.target),
        ("on_failure", flow.on_failure),
    ):
        if target not in flow.nodes:
            yield Problem("flow", f"{name} names an unknown node {target!r}")
    for target in (flow.operator.target, flow.on_failure):
        node = flow.nodes.get(target)
        if node is not None and node.type != "handover":
            yield Problem("flow", f"{target!r} must be a handover node (operator / on_failure)")
    for node in flow.nodes.values():
        for target in targets(node):
            if target not in flow.nodes:
                yield Problem(node.id, f"goes to an unknown node {target!r}")
        if node.type in TERMINAL_TYPES and (node.next or node.options):
            yield Problem(node.id, f"a {node.type} node ends the conversation: it has no next")
        if (
            node.type not in TERMINAL_TYPES
            and node.type != "menu"
            and node.type != "branch"
            and not node.next
        ):
            yield Problem(node.id, "no way out: it needs a next")
        if node.type == "branch" and not node.default:
            yield Problem(node.id, "no way out when no case matches: it needs a default")


def _fields(flow: Flow) -> Iterator[Problem]:
    codes = {lang.code for lang in flow.languages}
    for node in flow.nodes.values():
        if node.field and node.field not in CASE_FIELDS:
            yield Problem(node.id, f"unknown case field {node.field!r}")
        if node.type == "ask" and (
            not node.field or node.kind not in {"postcode", "yes_no", "text", "number"}
        ):
            yield Problem(node.id, "an ask needs a field and a kind")
        sets = [node.set, *(o.set for o in node.options)]
        for values in sets:
            for name, value in values.items():
                if name not in CASE_FIELDS:
                    yield Problem(node.id, f"sets an unknown case field {name!r}")
                if name == "category" and not is_valid_category(value):
                    yield Problem(node.id,
                                  f"category {value!r} is not one of {', '.join(Category)}")
                if name == "language" and value not in codes:
                    yield Problem(node.id, f"language {value!r} is not one of the flow's")


def _missing(texts: object, codes: list[str]) -> list[str]:
    present = texts if isinstance(texts, dict) else {}
    return [code for code in codes if not present.get(code)]


def _translations(flow: Flow) -> Iterator[Problem]:
    codes = [lang.code for lang in flow.languages]
    for name in REQUIRED_PHRASES:
        if name not in flow.phrases:
            yield Problem("flow", f"phrase {name!r} is missing")
    for name, texts in flow.phrases.items():
        for code in _missing(dict(texts), codes):
            yield Problem("flow", f"phrase {name!r} has no {code!r} translation")
    for label, words in (
        ("operator words", flow.operator.words),
        ("yes words", flow.yes_words),
        ("no words", flow.no_words),
        ("skip words", flow.skip_words),
    ):
        for code in _missing(dict(words), codes):
            yield Problem("flow", f"{label} have no {code!r} translation")
    for node in flow.nodes.values():
        if node.type in {"say", "menu", "ask", "handover", "finish"}:
            for code in _missing(dict(node.text), codes):
                yield Problem(node.id, f"text has no {code!r} translation")
        for option in node.options:
            for code in _missing(dict(option.label), codes):
                yield Problem(node.id, f"option {option.key} label has no {code!r} translation")
            for code in _missing(dict(option.words), codes):
                yield Problem(node.id, f"option {option.key} words have no {code!r} translation")


def _menus(flow: Flow) -> Iterator[Problem]:
    for node in flow.nodes.values():
        if node.type == "menu" and not node.options:
            yield Problem(node.id, "no way out: a menu needs options")
        keys: set[str] = set()
        for option in node.options:
            if option.key in keys:
                yield Problem(node.id, f"duplicate option key {option.key!r}")
            keys.add(option.key)
            if (
                option.key == flow.operator.key
                and flow.nodes.get(option.next, node).type != "handover"
            ):
                yield Problem(node.id, f"key {option.key} is the operator key: it must hand over")
        for lang in flow.languages:
            seen: dict[str, str] = {}
            for option in node.options:
                for word in option.words.get(lang.code, ()):
                    folded = word.casefold()
                    if folded in seen and seen[folded] != option.key:
                        yield Problem(node.id, f"word {word!r} ({lang.code}) is on two options")
                    seen[folded] = option.key


def _successors(flow: Flow, node: Node) -> list[str]:
    return [t for t in targets(node) if t in flow.nodes]


def _reachable(flow: Flow) -> Iterator[Problem]:
    seen: set[str] = set()
    queue = deque(n for n in (flow.start, flow.operator.target, flow.on_failure) if n in flow.nodes)
    while queue:
        current = queue.popleft()
        if current in seen:
            continue
        seen.add(current)
        queue.extend(_successors(flow, flow.nodes[current]))
    for node_id in flow.nodes:
        if node_id not in seen:
            yield Problem(node_id, "unreachable: no path from the start leads here")


def _way_out(flow: Flow) -> Iterator[Problem]:
    """Nodes from which no finish or hand-over can be reached (a loop with no exit)."""
    ending = {n.id for n in flow.nodes.values() if n.type in TERMINAL_TYPES}
    changed = True
    while changed:
        changed = False
        for node in flow.nodes.values():
            if node.id not in ending and any(t in ending for t in _successors(flow, node)):
                ending.add(node.id)
                changed = True
    for node in flow.nodes.values():
        has_targets = bool(_successors(flow, node))
        if node.id not in ending and has_targets:
            yield Problem(node.id, "no way out: no path from here reaches a finish or hand-over")


def _modes(flow: Flow) -> Iterator[Problem]:
    """The change-language escape must lead to a language menu; keys must not collide."""
    change = flow.change_language
    if change is not None:
        target = flow.nodes.get(change.target)
        if target is None:
            yield Problem("flow", f"change_language.target names an unknown node {change.target!r}")
        elif target.type != "menu" or not any("language" in o.set for o in target.options):
            yield Problem("flow", f"change_language.target {change.target!r} must be a menu "
                                  "whose options set the language")
        if change.key == flow.operator.key:
            yield Problem("flow", "change_language.key is the operator key")
        codes = [lang.code for lang in flow.languages]
        for code in _missing(dict(change.words), codes):
            yield Problem("flow", f"change_language words have no {code!r} translation")
    if flow.relay is not None:
        if flow.relay.key == flow.operator.key:
            yield Problem("flow", "relay.key is the operator key")
        first = flow.nodes.get(flow.start)
        seen: set[str] = set()
        while first is not None and first.type in {"say", "set"} and first.id not in seen:
            seen.add(first.id)
            first = flow.nodes.get(first.next or "")
        if first is not None and any(o.key == flow.relay.key for o in first.options):
            yield Problem(first.id, f"key {flow.relay.key} is the relay key at the first question")


def review_counts(flow: Flow) -> dict[str, dict[str, int]]:
    """{language: {review state: how many texts}} for the texts the file marks."""
    counts: dict[str, dict[str, int]] = {}
    for (_where, language), state in flow.reviews.items():
        per = counts.setdefault(language, {})
        per[state] = per.get(state, 0) + 1
    return counts
