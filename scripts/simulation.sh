#!/usr/bin/env bash
# The housing-aid simulation service (OpenFisca-France), in its own venv and process.
#   bash scripts/simulation.sh setup          # create .venv-simulation (pip install --group simulation)
#   bash scripts/simulation.sh serve [PORT]   # serve on 127.0.0.1:PORT (default 5001), foreground
#   bash scripts/simulation.sh start PORT     # serve in the background; wait until warm; print the pid
# SIMULATION_VENV overrides the venv's folder (CI uses .ci-venv-simulation).
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${SIMULATION_VENV:-.venv-simulation}"
case "${1:-serve}" in
  setup)
    if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import openfisca_france" 2>/dev/null; then
      python3 -m venv "$venv"
      "$venv/bin/python" -m pip install -q --upgrade pip
      "$venv/bin/python" -m pip install -q --group simulation
    fi
    ;;
  serve)
    exec "$venv/bin/python" housing_aid/service.py --host "${SIMULATION_HOST:-127.0.0.1}" --port "${2:-5001}"
    ;;
  start)
    port="${2:?port}"
    log="${SIMULATION_LOG:-/tmp/relogement-simulation-$port.log}"
    "$venv/bin/python" housing_aid/service.py --host 127.0.0.1 --port "$port" >"$log" 2>&1 &
    pid=$!
    # Loading OpenFisca-France and the first calculation take a few seconds (more on a busy machine).
    for _ in $(seq 1 180); do
      if curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1; then echo "$pid"; exit 0; fi
      kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
      sleep 1
    done
    echo "simulation service not ready after 180 s (log: $log)" >&2
    exit 1
    ;;
  *) echo "usage: $0 setup|serve [PORT]|start PORT" >&2; exit 2 ;;
esac
