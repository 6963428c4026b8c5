#!/bin/bash
# Before/after pairs of the pages under 20 clients, one after the other on each database:
#   bash bench/before_after.sh BEFORE_REV [AFTER_REV]
# Runs this checkout's benchmark scripts (copied to a temporary folder first, so that the
# older revision is measured with the same scripts) against each revision checked out in
# turn in this working tree (which must be clean; the editable install follows it).
# Stores: SQLITE_URL and PG_URL (default: session 12's live6000 stores).
set -euo pipefail
BEFORE=${1:?before revision}
AFTER=${2:-$(git rev-parse --abbrev-ref HEAD)}
SQ=${SQLITE_URL:-sqlite:////work/bench-data/live6000.sqlite}
PG=${PG_URL:-postgresql://postgres@127.0.0.1:5432/relo_live6000}
ROOT=$(git rev-parse --show-toplevel)
PY=$ROOT/.venv/bin/python
COPY=$(mktemp -d)/bench
cp -r "$ROOT/bench" "$COPY"
one() {
  echo "=== $1 $(git rev-parse --short HEAD) $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)"
  timeout 900 "$PY" "$COPY/bench_matching.py" --database "$2" --conf --driver wrk --seconds 20 \
    --kinds a-traiter logements menages a-traiter | grep -v "^project"
  timeout 900 "$PY" "$COPY/bench_web.py" --database "$2" --conf --driver wrk --seconds 20 --warmup 5 \
    --pages /tableau-de-bord /reste-a-vivre /rapport-semestriel /menages | grep -v "warm-up\|first request"
}
for db in "$SQ" "$PG"; do
  git checkout -q "$BEFORE" && one before "$db"
  git checkout -q "$AFTER" && one after "$db"
done
git checkout -q "$AFTER"
echo "raw files: $COPY/results"
