"""Reading a flow file: parse the YAML, validate its shape, check its meaning, freeze it.

Separate from `flows` (the data model and the shape checks) and `flow_checks` (the graph and
translation checks), which both only describe a flow; this module runs them in order, so
neither of them has to import the other.
"""

from __future__ import annotations

from pathlib import Path

from app.domain.flow_checks import semantic_problems
from app.domain.flows import Flow, FlowError, Problem, build_flow, parse_yaml, schema_problems


def check_flow_text(text: str) -> tuple[Flow | None, list[Problem]]:
    """Every problem in a flow file's text, and the frozen flow when there are none."""
    data, problems = parse_yaml(text)
    if data is None and not problems:
        problems = [Problem("flow", "the file is empty")]
    if data is None:
        return None, problems
    shape = schema_problems(data)
    if shape:
        return None, problems + shape
    flow = build_flow(data)
    problems += semantic_problems(flow)
    return (None if problems else flow), problems


def load_flow(path: str | Path) -> Flow:
    """The flow in `path`, or FlowError listing every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FlowError(str(path), [Problem("flow", f"cannot read the file: {exc}")]) from None
    flow, problems = check_flow_text(text)
    if flow is None:
        raise FlowError(str(path), problems)
    return flow
