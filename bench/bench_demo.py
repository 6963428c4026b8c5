"""Demo programme generation: events/s writing a whole programme through the use cases.

    python bench/bench_demo.py --households 6000 --database sqlite:////tmp/relo_demo.sqlite
    python bench/bench_demo.py --households 6000 --database postgresql://postgres@127.0.0.1:5432/relo_bench

The database must be empty. Every command is one transaction (load, decide, save), so
this measures the write path of the platform as much as the generator. Prints the
figures (and the programme's reference figures, computed from the stored events) and
writes bench/results/demo-<db>-<time>.json.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import write_results  # noqa: E402

from relogement.runtime.application import RelocationApp  # noqa: E402
from relogement.simulation import demo  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="SQLAlchemy URL of an empty store (default: fresh SQLite file)")
    parser.add_argument("--households", type=int, default=demo.DEFAULT_HOUSEHOLDS)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--start", type=date.fromisoformat, default=demo.DEFAULT_START)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        database = args.database or f"sqlite:///{Path(scratch) / 'demo.sqlite'}"
        summary = demo.load(database, households=args.households, seed=args.seed, start=args.start,
                            progress=lambda line: print(f"  {line}", flush=True),
                            app_factory=RelocationApp)
        app = RelocationApp(database)
        try:
            began = time.perf_counter()
            figures = demo.programme_figures(app)
            figures_seconds = time.perf_counter() - began
        finally:
            app.close()
        payload = {
            "households": args.households, "seed": args.seed, "start": args.start.isoformat(),
            "events": summary.events, "seconds": round(summary.seconds, 1),
            "events_per_s": round(summary.events_per_second, 1),
            "commands": sum(summary.actions.values()),
            "commands_per_s": round(sum(summary.actions.values()) / summary.seconds, 1),
            "figures_from_events_seconds": round(figures_seconds, 1),
            "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "figures": {k: v for k, v in figures.items() if k != "event_types"},
            "event_types": figures["event_types"],
        }
        path = write_results("demo", database, payload)
    print(f"{summary.events} events in {summary.seconds:.0f} s: {summary.events_per_second:.0f} events/s, "
          f"{payload['commands_per_s']} simulated actions/s; figures from the events in {figures_seconds:.1f} s")
    for key in ("households", "relocated", "departed", "in_progress", "leases", "hors_qpv_pct",
                "inter_bailleur_pct", "neuf_moins_5_ans_pct", "larger_pct", "individual_house_pct",
                "effort_before_15_20_pct", "effort_up_pct", "effort_up_median_points",
                "rav_down_follow_up_pct", "objection_pct"):
        print(f"  {key}: {figures[key]}")
    print(f"results: {path}")


if __name__ == "__main__":
    main()
