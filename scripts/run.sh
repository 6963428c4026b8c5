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
    .venv/bin/python -m pip install -q -e ".[test]"
  fi
  . .venv/bin/activate
fi
# Local HTTP (no TLS): the session cookie cannot be "Secure" here. Production keeps it on.
export RELOGEMENT_SECURE_COOKIES="${RELOGEMENT_SECURE_COOKIES:-0}"
relogement init-db
# "demo" refuses a non-empty store: that is how we know the data is already there.
relogement demo 2>/dev/null || echo "Base déjà remplie : démo non rechargée."
relogement demo-accounts
exec relogement run --host "${HOST:-127.0.0.1}" --port "${PORT:-5000}"
