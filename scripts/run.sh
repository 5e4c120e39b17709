#!/usr/bin/env bash
# Runs the service on its embedded defaults: SQLite + embedded Redis under instance/, outbound
# SMS recorded, demo data loaded (demo staff password printed the first time). Extra arguments
# go to `here2help serve` (e.g. --port 8000). Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
.venv/bin/here2help seed-demo  # applies migrations first; loads only what is not there yet
exec .venv/bin/here2help serve "$@"
