"""The semestrial report's figures and the reste-à-vivre follow-up, alone (no rendering).

    python bench/bench_report_figures.py --database sqlite:///bench/out/demo6000.sqlite

Times ``semester_report.build`` (a semester, the whole project) and the live
``residual_income.suivi`` on the largest project, ``--repeat`` runs each after one
untimed run, and prints a digest of each result: two checkouts (before / after a change)
run one after the other must print the same digests (the live follow-up's instant, "now",
left out). Reads the read models as they are (no catch-up): run bench_reports.py first.

Then the follow-up from held states (:mod:`relogement.projections.residual_state`, what the
web serves), each result compared with today's computation (``tests/oracles/residual_today.py``):
- from every row (a process with no stored state, once);
- after a new event: a state held at P-1 asked P, for the last ``--events`` positions;
- warm: the same position asked again (the web caches it besides);
- first request in a new process: a state stored ``--behind`` events before the last
  position, then a new Python process (imports done, not timed) asks the live follow-up
  (``SuiviStates``: nearest stored state, then what changed), ``--repeat`` times.
And the semestrial report:
- a semester over, first request of a new process: its figures read from the store
  (:mod:`relogement.projections.report_figures`, as the web stores them), timed in a new process;
- the semester running (``--running``), after a new event: ``build`` alone, then ``build``
  taking its reste-à-vivre from a state held one event behind (what the web does).
``--json``: also writes bench/results/report-figures-<db>-<time>.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "tests"))

from common import latency_summary, write_results  # noqa: E402
from sqlalchemy import delete  # noqa: E402

from relogement.projections import queries as q  # noqa: E402
from relogement.projections import residual_income  # noqa: E402
from relogement.projections import residual_state as rstate  # noqa: E402
from relogement.projections import semester_report as rs  # noqa: E402
from relogement.projections.machinery import make_engine  # noqa: E402

CHILD = """
import json, sys, time
from relogement.projections import residual_state as rstate
from relogement.projections.machinery import make_engine
db = make_engine(sys.argv[1])
states = rstate.SuiviStates(db, store=False)
began, cpu = time.perf_counter(), time.process_time()
states.suivi(sys.argv[2])
print(json.dumps([time.perf_counter() - began, time.process_time() - cpu]))
"""


def timed(fn):  # noqa: ANN001, ANN201
    began = time.perf_counter()
    value = fn()
    return time.perf_counter() - began, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--half", type=int, default=1)
    parser.add_argument("--events", type=int, default=30)
    parser.add_argument("--behind", type=int, default=250)
    parser.add_argument("--running", default="2026-2", help="the semester running: year-half")
    parser.add_argument("--only", choices=("all", "today", "states", "report"), default="all")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    db = make_engine(args.database)
    projects = q.list_projects(db)
    project_id = max(projects, key=lambda p: len(q.list_households(db, p["project_id"])))["project_id"]
    last = q.current_position(db)
    out: dict = {"position": last, "load_before": os.getloadavg()[0]}

    def suivi() -> dict:
        result = residual_income.suivi(db, project_id)
        result.pop("instant")
        return result

    def report(name: str, seconds: list[float]) -> None:
        summary = out[name] = latency_summary(seconds)
        print(f"{name:58s} p50 {summary['p50_ms']:8.0f} ms  p95 {summary['p95_ms']:8.0f} ms  "
              f"max {summary['max_ms']:8.0f} ms  (n={len(seconds)})", flush=True)

    print(f"load average {os.getloadavg()[0]:.2f}", flush=True)
    if args.only in ("all", "today"):
        for label, fn in (
            (f"semester_report.build {args.year}-S{args.half}", lambda: rs.build(db, project_id, args.year, args.half)),
            ("residual_income.suivi (live)", suivi),
        ):
            value = fn()
            runs = []
            for _ in range(args.repeat):
                began = time.perf_counter()
                fn()
                runs.append(time.perf_counter() - began)
            digest = hashlib.sha256(repr(value).encode()).hexdigest()[:16]
            out[label] = {"best_ms": round(min(runs) * 1000), "median_ms": round(statistics.median(runs) * 1000),
                          "digest": digest}
            print(f"{label:38s} best {min(runs) * 1000:8.0f} ms   median {statistics.median(runs) * 1000:8.0f} ms"
                  f"   result {digest}", flush=True)
    if args.only in ("all", "states"):
        states_bench(db, project_id, last, args, report, out)
    if args.only in ("all", "report"):
        report_bench(db, project_id, last, args, report, out)
    out["load_after"] = os.getloadavg()[0]
    print(f"load average {os.getloadavg()[0]:.2f}")
    if args.json:
        print(f"results: {write_results('report-figures', args.database, out)}")


def states_bench(db, project_id, last: int, args, report, out: dict) -> None:  # noqa: ANN001
    from oracles.residual_today import suivi as suivi_today

    def same(position: int, got: dict) -> None:
        instant = got["instant"]
        if got != suivi_today(db, project_id, position=position, instant=instant):
            raise SystemExit(f"different from today's computation at position {position}")

    runs = []
    for _ in range(args.repeat):
        seconds, got = timed(lambda: rstate.suivi(db, project_id, position=last))
        runs.append(seconds)
    same(last, got)
    report("states: from every row (no stored state)", runs)
    held = rstate.SuiviState(project_id)
    rstate.suivi(db, project_id, position=last - args.events, state=held)
    after, warm = [], []
    for position in range(last - args.events + 1, last + 1):
        seconds, got = timed(lambda: rstate.suivi(db, project_id, position=position, state=held))  # noqa: B023
        after.append(seconds)
        warm.append(timed(lambda: rstate.suivi(db, project_id, position=position, state=held))[0])  # noqa: B023
    same(last, got)
    report("states: after a new event (one position further)", after)
    report("states: warm (same position again)", warm)
    with db.begin() as conn:
        conn.execute(delete(rstate.snapshots).where(rstate.snapshots.c.format == rstate.FORMAT))
    stored = rstate.SuiviState(project_id)
    stored.move_to(db, last - args.behind)
    rstate.save(db, stored)
    out["stored_state_bytes"] = len(rstate.to_bytes(stored))
    cold, cold_cpu = [], []
    for _ in range(args.repeat):
        done = subprocess.run([sys.executable, "-c", CHILD, args.database, str(project_id)],
                              check=True, capture_output=True, text=True)
        wall, cpu = json.loads(done.stdout.strip().splitlines()[-1])
        cold.append(wall)
        cold_cpu.append(cpu)
    report(f"states: first request of a new process ({args.behind} events behind)", cold)
    report("  (its CPU time)", cold_cpu)
    same(last, rstate.SuiviStates(db, store=False).suivi(project_id))


REPORT_CHILD = """
import sys, time, json
from relogement.projections import report_figures
from relogement.projections.machinery import make_engine
db = make_engine(sys.argv[1])
began, cpu = time.perf_counter(), time.process_time()
report_figures.load(db, sys.argv[2], int(sys.argv[3]), sys.argv[4])
print(json.dumps([time.perf_counter() - began, time.process_time() - cpu]))
"""


def report_bench(db, project_id, last: int, args, report, out: dict) -> None:  # noqa: ANN001
    from datetime import UTC, datetime

    from relogement.projections import report_figures, report_files

    position = q.position_at(db, rs.Semester(args.year, args.half).as_of_instant)
    text = report_files.key_text(project_id, args.year, args.half, None, "personne", position, "figures")
    figures = rs.build(db, project_id, args.year, args.half, convention="personne")
    with db.begin() as conn:
        conn.execute(delete(rstate.snapshots).where(rstate.snapshots.c.format.like("fig-%")))
    report_figures.store(db, project_id, position, text, figures, datetime.now(UTC))
    if report_figures.load(db, project_id, position, text) != figures:
        raise SystemExit("stored report figures differ")
    cold, cold_cpu = [], []
    for _ in range(args.repeat):
        done = subprocess.run([sys.executable, "-c", REPORT_CHILD, args.database, str(project_id), str(position), text],
                              check=True, capture_output=True, text=True)
        wall, cpu = json.loads(done.stdout.strip().splitlines()[-1])
        cold.append(wall)
        cold_cpu.append(cpu)
    report(f"report {args.year}-S{args.half} (over): first request of a new process, stored", cold)
    report("  (its CPU time)", cold_cpu)
    year, half = (int(x) for x in args.running.split("-"))
    alone = [timed(lambda: rs.build(db, project_id, year, half))[0] for _ in range(args.repeat)]  # noqa: B023
    report(f"report {year}-S{half} (running): build alone", alone)
    states = rstate.SuiviStates(db, store=False)
    held = rstate.SuiviState(project_id)
    states._held[held.project_id] = [held]
    rstate.suivi(db, project_id, position=last - 1, state=held)
    expected = rs.build(db, project_id, year, half)
    after = []
    for _ in range(args.repeat):
        held.move_to(db, last - 1)
        seconds, got = timed(lambda: rs.build(db, project_id, year, half, held_suivi=lambda *a, **k: states.near(
            project_id, *a, **k)))
        after.append(seconds)
        if got != expected or held.position != last:
            raise SystemExit("the running report from a held state differs")
    report(f"report {year}-S{half} (running): after a new event, held reste-à-vivre", after)
    rows_bench(db, project_id, last, year, half, args, report, out, states, held, expected)


def rows_bench(db, project_id, last: int, year: int, half: int, args, report, out: dict,  # noqa: ANN001
               states, held, expected: dict) -> None:
    """The running report from held rows (:mod:`relogement.projections.report_state`, what the
    web does): the first request of a process (every row read), then after a new event (rows
    and reste-à-vivre held at P-1, the report asked at P, for the last ``--events`` positions),
    each compared with the report built from its own queries; the oracle compared once."""
    from oracles.report_today import build as build_today

    from relogement.projections import report_state

    rows = report_state.ReportStates(db)
    first = []
    for _ in range(args.repeat):
        rows._held.clear()
        seconds, got = timed(lambda: rs.build(db, project_id, year, half, held_suivi=lambda *a, **k: states.near(
            project_id, *a, **k), held_rows=lambda p: rows.near(project_id, p, create=True)))
        first.append(seconds)
        if got != expected:
            raise SystemExit("the running report from new held rows differs")
    report(f"report {year}-S{half} (running): held rows read (first of a process)", first)
    if build_today(db, project_id, year, half) != expected:
        raise SystemExit("the running report differs from today's computation (oracle)")
    pinned = q.position_at
    after = []
    try:
        for position in range(last - args.events + 1, last + 1):
            held.move_to(db, position - 1)
            rows.near(project_id, position - 1)
            q.position_at = lambda db_, instant, p=position: p
            seconds, got = timed(lambda: rs.build(  # noqa: B023
                db, project_id, year, half, held_suivi=lambda *a, **k: states.near(project_id, *a, **k),
                held_rows=lambda p: rows.near(project_id, p)))
            after.append(seconds)
            if position in (last - args.events + 1, last) and got != rs.build(db, project_id, year, half):
                raise SystemExit(f"the running report from held rows differs at {position}")
    finally:
        q.position_at = pinned
    report(f"report {year}-S{half} (running): after a new event, held rows", after)


if __name__ == "__main__":
    main()
