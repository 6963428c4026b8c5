"""Live figures (issue 19): the dashboard cold, warm, after each new event and as of any position.

    python bench/bench_live_figures.py --database sqlite:///bench/out/demo6000.sqlite
    python bench/bench_live_figures.py --database postgresql://postgres@127.0.0.1:5432/relo_bench6000

On a store holding a programme, for its largest project, in one process, one after the other:

1. today's computation (``tests/oracles/dashboard_today.py``: every figure from every row),
   live, ``--repeat`` times: the "before";
2. the tallies computed from every row (what a process with no stored state pays once);
3. stored states: ``store_history`` (one every 500 events), timed;
4. cold start: a new ``DashboardStates`` (nothing held) asked the live dashboard, which starts
   from the nearest stored state;
5. after a new event: a state held at position P-1 asked P, for the last ``--events`` positions
   (what each page pays after each command);
6. warm: the same position asked again (the web caches it; here the render from the tallies);
7. as of random positions (``--asof`` draws): a new ``DashboardStates`` each time (cold), from
   the nearest stored state.

Prints p50/p95 (ms) per item; writes bench/results/live-figures-<db>-<time>.json.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "tests"))

from common import latency_summary, write_results  # noqa: E402
from oracles.dashboard_today import dashboard as dashboard_today  # noqa: E402
from sqlalchemy import create_engine, delete  # noqa: E402

from relogement.platform.config import normalise_url  # noqa: E402
from relogement.projections import dashboard as dash  # noqa: E402
from relogement.projections import dashboard_snapshots as stored  # noqa: E402
from relogement.projections import queries as q  # noqa: E402
from relogement.projections.queries import organisations  # noqa: E402


def timed(fn) -> tuple[float, object]:  # noqa: ANN001
    began = time.perf_counter()
    value = fn()
    return time.perf_counter() - began, value


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--events", type=int, default=40)
    parser.add_argument("--asof", type=int, default=30)
    args = parser.parse_args()
    engine = create_engine(normalise_url(args.database))
    project = max(organisations.list_projects(engine),
                  key=lambda p: len(q.list_households(engine, p["project_id"])))["project_id"]
    last = q.current_position(engine)
    out: dict = {"database": args.database.split("://")[0], "position": last}

    def report(name: str, seconds: list[float]) -> None:
        summary = latency_summary(seconds)
        out[name] = summary
        print(f"{name}: n={len(seconds)} p50 {summary['p50_ms']} ms, p95 {summary['p95_ms']} ms, "
              f"max {summary['max_ms']} ms", flush=True)

    report("before: today's computation, live", [timed(lambda: dashboard_today(engine, project))[0]
                                                  for _ in range(args.repeat)])
    report("tallies from every row", [timed(lambda: dash.dashboard(engine, project))[0] for _ in range(args.repeat)])
    with engine.begin() as conn:
        conn.execute(delete(stored.snapshots))
    seconds, written = timed(lambda: stored.store_history(engine, project))
    out["store_history"] = {"seconds": round(seconds, 1), "states": written}
    print(f"store_history: {written} states in {seconds:.1f} s", flush=True)

    cold = []
    for _ in range(args.repeat):
        states = dash.DashboardStates(engine, store=False)
        cold.append(timed(lambda: states.dashboard(project))[0])  # noqa: B023
    report("cold: first live request of a process", cold)

    held = dash.ProjectTallies(project)
    dash.dashboard(engine, project, position=last - args.events, tallies=held)
    after, warm = [], []
    for position in range(last - args.events + 1, last + 1):
        after.append(timed(lambda: dash.dashboard(engine, project, position=position, tallies=held))[0])  # noqa: B023
        warm.append(timed(lambda: dash.dashboard(engine, project, position=position, tallies=held))[0])  # noqa: B023
    report("after a new event (one position further)", after)
    report("warm (same position, rendered from the tallies)", warm)

    draw = random.Random(1)
    asof = []
    for _ in range(args.asof):
        position = draw.randint(1, last)
        states = dash.DashboardStates(engine, store=False)
        asof.append(timed(lambda: states.dashboard(project, position))[0])  # noqa: B023
    report("as of a random position (cold, nearest stored state)", asof)
    out["stored_state_bytes_median"] = statistics.median(
        len(stored.to_bytes(s)) for s in [held])
    print(f"results: {write_results('live-figures', args.database, out)}")


if __name__ == "__main__":
    main()
