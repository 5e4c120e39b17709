"""The report tests' seeded cases, reused: retention must leave their figures unchanged."""

from tests.reports.conftest import seeded  # noqa: F401  (a fixture, used by name)
