"""`--soak`: run the long fault tests (marker `soak`); without it they are skipped.

CI runs the fault suite's quick tests with everything else; `make soak` runs the whole fault
suite, long runs included, with `-s` so that each test's figures line is shown.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--soak", action="store_true", default=False,
                     help="also run the long fault tests (marker soak)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--soak"):
        return
    skip = pytest.mark.skip(reason="a long fault run: `make soak` runs it")
    for item in items:
        if item.get_closest_marker("soak"):
            item.add_marker(skip)
