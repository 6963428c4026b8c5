"""The semestrial report's figures and the reste-à-vivre follow-up, alone (no rendering).

    python bench/bench_report_figures.py --database sqlite:///bench/out/demo6000.sqlite

Times ``semester_report.build`` (a semester, the whole project) and the live
``residual_income.suivi`` on the largest project, ``--repeat`` runs each after one
untimed run, and prints a digest of each result: two checkouts (before / after a change)
run one after the other must print the same digests (the live follow-up's instant, "now",
left out). Reads the read models as they are (no catch-up): run bench_reports.py first.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import time

from relogement.projections import queries as q
from relogement.projections import residual_income
from relogement.projections import semester_report as rs
from relogement.projections.machinery import make_engine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--half", type=int, default=1)
    args = parser.parse_args()
    db = make_engine(args.database)
    projects = q.list_projects(db)
    project_id = max(projects, key=lambda p: len(q.list_households(db, p["project_id"])))["project_id"]

    def suivi() -> dict:
        result = residual_income.suivi(db, project_id)
        result.pop("instant")
        return result

    print(f"load average {os.getloadavg()[0]:.2f}", flush=True)
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
        print(f"{label:38s} best {min(runs) * 1000:8.0f} ms   median {statistics.median(runs) * 1000:8.0f} ms"
              f"   result {digest}", flush=True)
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
