#!/usr/bin/env bash
# Start the app on http://127.0.0.1:5000: set up .venv if needed, create the store,
# load the demo programme and its accounts if the database is empty, then serve.
# DATABASE_URL (postgresql://…) selects PostgreSQL; default: SQLite in ./data.
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
# Local HTTP (no TLS): the session cookie cannot be "Secure" here. Production keeps it on.
export RELOGEMENT_SECURE_COOKIES="${RELOGEMENT_SECURE_COOKIES:-0}"
relogement init-db
relogement demo --if-empty          # about 200 households over three years (~1 min the first time)
relogement demo-accounts
# The housing-aid simulation service (OpenFisca-France, its own venv and process; README
# "Aide au logement simulée"). The app works without it ("simulation indisponible").
bash scripts/simulation.sh setup
simulation_port="${RELOGEMENT_SIMULATION_PORT:-5001}"
export RELOGEMENT_SIMULATION_URL="${RELOGEMENT_SIMULATION_URL:-http://127.0.0.1:$simulation_port}"
bash scripts/simulation.sh serve "$simulation_port" &
simulation_pid=$!
# The scheduler closes objection windows when their 48 hours are over (one process, see
# docs/scheduler.md); it stops with the web server.
relogement scheduler &
scheduler_pid=$!
trap 'kill "$scheduler_pid" "$simulation_pid" 2>/dev/null || true' EXIT INT TERM
relogement run --host "${HOST:-127.0.0.1}" --port "${PORT:-5000}"
