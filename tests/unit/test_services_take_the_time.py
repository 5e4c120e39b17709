"""Services are handed the time (`now` / `today`); only the edges read the clock.

A service that read the clock itself would behave differently on different days for the same
input, and a test could only reach that behaviour by moving the clock.
"""

from __future__ import annotations

import ast
from pathlib import Path

from app.settings import PROJECT_ROOT

SERVICES = PROJECT_ROOT / "app" / "services"
#: Names that read the clock when called: datetime.now/utcnow/today, date.today, time.time...
CLOCK_ATTRIBUTES = {"now", "utcnow", "today", "time", "time_ns", "localtime", "gmtime"}
CLOCK_OWNERS = {"datetime", "date", "time"}


def _clock_reads(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "app.models.base":
            found += [f"line {node.lineno}: imports utcnow" for alias in node.names
                      if alias.name == "utcnow"]
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "utcnow":
            found.append(f"line {node.lineno}: utcnow()")
        elif (isinstance(func, ast.Attribute) and func.attr in CLOCK_ATTRIBUTES
              and isinstance(func.value, ast.Name) and func.value.id in CLOCK_OWNERS):
            found.append(f"line {node.lineno}: {func.value.id}.{func.attr}()")
    return found


def test_no_service_reads_the_clock() -> None:
    offenders = {str(path.relative_to(PROJECT_ROOT)): reads
                 for path in sorted(SERVICES.rglob("*.py")) if (reads := _clock_reads(path))}
    assert offenders == {}
