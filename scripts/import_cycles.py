"""Fail when any two modules of `app` or `workers` import each other, directly or in a ring.

import-linter's layers contracts keep whole packages in order; this check is finer: a cycle
between two modules of the same package (flows <-> flow_checks, say) passes every layer
contract but still means neither can be read, tested or loaded without the other. It uses
grimp, the import graph library import-linter is built on, and prints each cycle it finds.

Usage: .venv/bin/python scripts/import_cycles.py   (exit 0: no cycle; 1: cycles listed)
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import grimp

PACKAGES = ("app", "workers")


def _imports(graph: grimp.ImportGraph, module: str) -> Iterator[str]:
    return iter(sorted(graph.find_modules_directly_imported_by(module)))


def strongly_connected(graph: grimp.ImportGraph) -> list[list[str]]:
    """Tarjan's algorithm, iterative: the groups of modules that can reach each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, _imports(graph, root))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, _imports(graph, child)))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def main() -> int:
    graph = grimp.build_graph(*PACKAGES, include_external_packages=False)
    cycles = strongly_connected(graph)
    for group in cycles:
        print("import cycle: " + " <-> ".join(group))
    if cycles:
        return 1
    print(f"no import cycles among {len(graph.modules)} modules of {', '.join(PACKAGES)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
