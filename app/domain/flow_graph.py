"""Draw a flow as a Mermaid flowchart, so staff can see a flow without reading YAML.

Pure text out; `here2help flows graph FILE` prints it. Paste it into any Mermaid viewer (GitHub
renders ```mermaid blocks). Labels use the flow's first language; hand-over and finish nodes are
drawn as rounded "stadium" shapes, the operator escape as a dotted edge.
"""

from __future__ import annotations

from app.domain.flows import Flow, Node

_SHAPES = {"menu": ('{"', '"}'), "ask": ('[/"', '"/]'), "branch": ('{{"', '"}}'),
           "handover": ('(["', '"])'), "finish": ('(["', '"])')}
MAX_LABEL = 60


def _escape(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > MAX_LABEL:
        text = text[: MAX_LABEL - 1] + "…"
    return text.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def _label(flow: Flow, node: Node) -> str:
    text = node.text.get(flow.default_language, "")
    kind = f"{node.type}: {node.kind}" if node.kind else node.type
    detail = f" → {node.field}" if node.field else ""
    return _escape(f"{node.id} ({kind}{detail}) {text}".strip())


def to_mermaid(flow: Flow) -> str:
    lang = flow.default_language
    lines = ["flowchart TD", f'    start(("start")) --> {flow.start}']
    for node in flow.nodes.values():
        left, right = _SHAPES.get(node.type, ('["', '"]'))
        lines.append(f"    {node.id}{left}{_label(flow, node)}{right}")
    for node in flow.nodes.values():
        if node.next:
            lines.append(f"    {node.id} --> {node.next}")
        for option in node.options:
            label = _escape(f"{option.key} {option.label.get(lang, '')}")
            lines.append(f'    {node.id} -- "{label}" --> {option.next}')
        for value, target in node.cases.items():
            lines.append(f'    {node.id} -- "{_escape(value)}" --> {target}')
        if node.default:
            lines.append(f'    {node.id} -- "otherwise" --> {node.default}')
    words = ", ".join(flow.operator.words.get(lang, ())[:3])
    lines.append(f'    any(("any step")) -. "{_escape(flow.operator.key + " / " + words)}" .-> '
                 f"{flow.operator.target}")
    lines.append(f'    any -. "{flow.max_attempts} wrong answers" .-> {flow.on_failure}')
    return "\n".join(lines) + "\n"
