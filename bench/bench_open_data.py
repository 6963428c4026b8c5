"""Open-data package write time on a programme already in the store (e.g. the 6,000 households).

    python bench/bench_open_data.py --database sqlite:////tmp/copy-of-demo6000.sqlite --project CODE
    python bench/bench_open_data.py --database postgresql://postgres@127.0.0.1:5432/relo_bench6000 --project CODE

Brings the read models up to the store first (catch-up, not timed), then times, at the
last position, what ``relogement export open-data`` does (``open_data.write_package``:
the project's events read and decoded from the notification log, one CSV per kind of
fact, the figure tables, ``datapackage.json``) and what the web's download does on top
(``open_data_archive.package_zip``: the same, zipped). Target: < 30 s for the
6,000-household programme. ``--project``: the project's code or id (default: the
project with the most households). Prints the figures and writes
bench/results/open-data-<db>-<time>.json.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from uuid import UUID

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import write_results  # noqa: E402

from relogement.projections import build_runner, open_data, open_data_archive  # noqa: E402
from relogement.projections import queries as q  # noqa: E402
from relogement.runtime.application import RelocationApp  # noqa: E402

TARGET_S = 30.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--project", default=None, help="code or id of the project")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()

    app = RelocationApp(args.database)
    runner = build_runner(app)
    try:
        began = time.perf_counter()
        caught = runner.catch_up()
        print(f"catch-up before measuring: {caught} events in {time.perf_counter() - began:.1f} s", flush=True)
        db = runner.engine
        projects = q.list_projects(db)
        if args.project is None:
            project_id = max(projects, key=lambda p: len(q.list_households(db, p["project_id"])))["project_id"]
        else:
            by_code = {p["code"]: p["project_id"] for p in projects}
            project_id = by_code.get(args.project) or UUID(args.project).hex
        position = q.current_position(db)
        instant = q.instant_of(db, position)
        row = q.get_project(db, project_id, position=position)
        if row is None:
            sys.exit(f"unknown project: {args.project}")
        households = len(q.list_households(db, project_id))
        print(f"project {row['code']} ({project_id}): {households} households, position {position}; "
              f"{args.repeat} runs each", flush=True)

        package_runs, zip_runs, rows, zip_bytes = [], [], 0, 0
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as folder:
                began = time.perf_counter()
                descriptor = open_data.write_package(app, db, row, position, instant, Path(folder) / "p")
                package_runs.append(time.perf_counter() - began)
                rows = sum(
                    sum(1 for _ in (Path(folder) / "p" / r["path"]).open(encoding="utf-8")) - 1
                    for r in descriptor["resources"]
                )
            print(f"write_package  {package_runs[-1]:7.1f} s  ({len(descriptor['resources'])} tables, {rows} rows)",
                  flush=True)
            began = time.perf_counter()
            archive = open_data_archive.package_zip(app, db, UUID(str(project_id)), position, instant)
            zip_runs.append(time.perf_counter() - began)
            zip_bytes = len(archive.data)
            print(f"package_zip    {zip_runs[-1]:7.1f} s  ({zip_bytes / 1e6:.1f} MB zip)", flush=True)
        best = min(package_runs)
        result = {
            "project_id": str(project_id), "project_code": row["code"], "households": households,
            "events": position, "repeat": args.repeat, "tables": len(descriptor["resources"]), "rows": rows,
            "write_package_s": {"best": round(best, 2), "median": round(statistics.median(package_runs), 2),
                                "all": [round(r, 2) for r in package_runs]},
            "package_zip_s": {"best": round(min(zip_runs), 2), "all": [round(r, 2) for r in zip_runs]},
            "zip_bytes": zip_bytes, "target_s": TARGET_S, "met": best < TARGET_S,
            "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }
        path = write_results("open-data", args.database, result)
        print(f"best {best:.1f} s (target < {TARGET_S:.0f} s: {'met' if result['met'] else 'MISSED'}); "
              f"peak RSS {result['max_rss_mb']} MB; results: {path}")
    finally:
        runner.close()
        app.close()


if __name__ == "__main__":
    main()
