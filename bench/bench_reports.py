"""Report generation time on a programme already in the store (e.g. the 6,000 households).

    python bench/bench_reports.py --database sqlite:///bench/out/demo6000.sqlite
    python bench/bench_reports.py --database postgresql://postgres@127.0.0.1:5432/relo_bench6000

Brings the read models up to the store first (catch-up, not timed), then times, from
the read models (projections/), for the programme's project:

- the live dashboard (``dashboard.dashboard``) and the dashboard as of an instant;
- the semestrial report: figures (``semester_report.build``), HTML, PDF (WeasyPrint),
  XLSX (openpyxl), each from the same figures; the PDF read back from the store of
  frozen semesters' files (``report_files``, the path every request takes once the
  semester's file was produced);
- the reste-à-vivre follow-up (``residual_income.suivi``), live;
- the ANRU export: data (``anru_export.anru_data``), XLSX and CSV.

Each is run ``--repeat`` times (best and median reported). Prints the figures and
writes bench/results/reports-<db>-<time>.json.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import write_results  # noqa: E402

from relogement.projections import (  # noqa: E402
    anru_export,
    build_runner,
    dashboard,
    report_files,
    residual_income,
)
from relogement.projections import queries as q  # noqa: E402
from relogement.projections import report_output as ro  # noqa: E402
from relogement.projections import semester_report as rs  # noqa: E402
from relogement.runtime.application import RelocationApp  # noqa: E402


def measure(fn, repeat: int) -> tuple[dict, object]:  # noqa: ANN001
    runs = []
    value = None
    for _ in range(repeat):
        began = time.perf_counter()
        value = fn()
        runs.append(time.perf_counter() - began)
    return {
        "best_ms": round(min(runs) * 1000, 1),
        "median_ms": round(statistics.median(runs) * 1000, 1),
        "all_ms": [round(r * 1000, 1) for r in runs],
    }, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--half", type=int, default=1)
    args = parser.parse_args()

    app = RelocationApp(args.database)
    runner = build_runner(app)
    try:
        began = time.perf_counter()
        caught = runner.catch_up()
        print(f"catch-up before measuring: {caught} events in {time.perf_counter() - began:.1f} s", flush=True)
        db = runner.engine
        projects = q.list_projects(db)
        project_id = max(projects, key=lambda p: len(q.list_households(db, p["project_id"])))["project_id"]
        households = len(q.list_households(db, project_id))
        print(f"project {project_id}: {households} households; {args.repeat} runs each", flush=True)
        timings: dict[str, dict] = {}
        sizes: dict[str, int] = {}

        def run(label: str, fn):  # noqa: ANN001, ANN202
            timings[label], value = measure(fn, args.repeat)
            if isinstance(value, bytes | str):
                sizes[label] = len(value)
            print(f"{label:34s} best {timings[label]['best_ms']:9.1f} ms   median "
                  f"{timings[label]['median_ms']:9.1f} ms", flush=True)
            return value

        run("dashboard (live)", lambda: dashboard.dashboard(db, project_id))
        instant = datetime(args.year, 6 if args.half == 1 else 12, 1, 12, tzinfo=UTC)
        run("dashboard (as of an instant)", lambda: dashboard.dashboard_at(db, project_id, instant))
        report = run("semestrial report: figures", lambda: rs.build(db, project_id, args.year, args.half))
        run("semestrial report: HTML", lambda: ro.render_html(report))
        run("semestrial report: figures + HTML",
            lambda: ro.render_html(rs.build(db, project_id, args.year, args.half)))
        pdf = run("semestrial report: PDF", lambda: ro.render_pdf(report))
        run("semestrial report: XLSX", lambda: ro.render_xlsx(report))
        stored_key = report_files.key_text(
            project_id, args.year, args.half, None, report["convention"], report["position"], "pdf"
        )
        report_files.store(db, stored_key, pdf)
        run("semestrial report: PDF from the store", lambda: report_files.load(db, stored_key))
        run("reste-à-vivre follow-up (live)", lambda: residual_income.suivi(db, project_id))
        data = run("ANRU export: data", lambda: anru_export.anru_data(db, project_id))
        run("ANRU export: XLSX", lambda: anru_export.anru_export(db, project_id, data=data))
        run("ANRU export: CSV", lambda: anru_export.anru_csv(db, project_id, data=data))
        run("ANRU export: data + XLSX", lambda: anru_export.anru_export(db, project_id))
        result = {
            "project_id": str(project_id), "households": households, "events": app.recorder.max_notification_id(),
            "semester": f"{args.year}-S{args.half}", "repeat": args.repeat,
            "timings": timings, "output_bytes": sizes,
            "anru_rows": len(data["rows"]),
            "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }
        path = write_results("reports", args.database, result)
        print(f"peak RSS {result['max_rss_mb']} MB; results: {path}")
    finally:
        runner.close()
        app.close()


if __name__ == "__main__":
    main()
