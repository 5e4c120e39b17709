#!/usr/bin/env bash
# Installs what the project needs, once: a virtualenv in .venv with the package and its dev
# tools, and (with --with-browser, for the browser tests) Debian's chromium. Safe to run again:
# it skips what is done. Works unattended (CI=true, no terminal).
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

supported() {  # requires-python in pyproject.toml: >=3.11,<3.13
  "$1" -c 'import sys; sys.exit(not ((3, 11) <= sys.version_info[:2] < (3, 13)))' 2>/dev/null
}

pick_python() {
  if [ -n "${PYTHON:-}" ]; then echo "$PYTHON"; return; fi
  for candidate in python3.11 python3.12 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && supported "$candidate"; then
      echo "$candidate"; return
    fi
  done
  echo "bootstrap: needs Python 3.11 or 3.12 (set PYTHON=/path/to/python3.11)" >&2
  exit 1
}

if [ -d .venv ] && ! supported .venv/bin/python; then
  echo "bootstrap: .venv is broken or the wrong Python version; making a new one"
  rm -rf .venv
fi
if [ ! -x .venv/bin/python ]; then
  python=$(pick_python)
  echo "bootstrap: creating .venv with $("$python" --version)"
  "$python" -m venv .venv
fi
stamp=.venv/.installed-$(cat pyproject.toml requirements.lock | sha1sum | cut -c1-12)
if [ ! -f "$stamp" ]; then
  echo "bootstrap: installing the locked dependencies (requirements.lock) and the package into .venv"
  .venv/bin/python -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
  # The exact versions CI tested and audited; then the package itself, adding nothing unlocked.
  .venv/bin/python -m pip install --quiet --progress-bar off -r requirements.lock
  .venv/bin/python -m pip install --quiet --progress-bar off --no-deps -e '.[dev]'
  .venv/bin/python -m pip check
  rm -f .venv/.installed-*
  touch "$stamp"
fi

if [ "${1:-}" = "--with-browser" ] && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "bootstrap: installing Debian's chromium for the browser tests"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
  else
    echo "bootstrap: /usr/bin/chromium is missing and cannot be installed here" \
         "(needs root and apt-get): the browser tests will be skipped, saying so" >&2
  fi
fi
