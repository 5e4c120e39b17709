#!/usr/bin/env bash
# Runs the service on its embedded defaults: SQLite + embedded Redis under instance/, outbound
# SMS recorded, demo data loaded. Extra arguments go to `here2help serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
.venv/bin/here2help db upgrade
.venv/bin/here2help seed-demo
exec .venv/bin/here2help serve "$@"
