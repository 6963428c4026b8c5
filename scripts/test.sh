#!/usr/bin/env bash
# The test command: sets up .venv if needed (or uses the active venv), then runs pytest
# on SQLite and PostgreSQL (127.0.0.1:5432, database "test"; skipped with a reason when
# unreachable, a failure with CI=true).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${VIRTUAL_ENV:-}" ]; then
  if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
    .venv/bin/python -m pip install -q --upgrade pip
    # setuptools announces every editable install of a package-dir layout (README, Layout)
    PYTHONWARNINGS="ignore:Editable installation" .venv/bin/python -m pip install -q -e ".[test]"
  fi
  . .venv/bin/activate
fi
# One worker per CPU, each taking whole files (a file's module fixtures stay in one process):
# the suite's browser, PostgreSQL and WeasyPrint waits overlap (about 35 min serial on 2 vCPU).
exec python -m pytest -n auto --dist loadfile "$@"
