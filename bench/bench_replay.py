"""Replay ratio: rebuilding every projection vs reading the same events and doing nothing.

    python bench/bench_replay.py --database sqlite:///bench/out/demo6000.sqlite
    python bench/bench_replay.py --database postgresql://postgres@127.0.0.1:5432/relo_bench6000

On a store that already holds events (e.g. the 6,000-household demo programme), measures:

- **raw read**: every event through the library's notification log
  (``app.notification_log.select``), pages of ``--batch-size`` (the runner's batch),
  doing nothing with them; also with pages of 10,000 for reference;
- **decoded**: the same, each notification decoded to its domain event
  (``app.mapper.to_domain_event``: JSON, upcasting, per-household unsealing);
- **rebuild**: ``build_runner(app).rebuild()`` — drop every read model, replay from
  position 1 into all the projectors (operational tables, journal, deadlines,
  notifications; the audit chain is durable and already sealed, so it only re-reads its
  head per batch), one transaction per batch.

Each is run ``--repeat`` times; the best run counts (the others are in the JSON). Two
ratios are printed: the **replay ratio**, rebuild events/s ÷ raw-read events/s at the same
page size, and **rebuild ÷ decoded read** (issue 19's target: ≥ 0.5). ``--breakdown`` adds
one instrumented rebuild (time in reading, decoding, each projector, flushing);
``--profile FILE`` one rebuild under pyinstrument (text report); ``--floor`` the
cost of writing the rebuilt rows with no projector (``replay_floor.py``).
Prints the figures and writes bench/results/replay-<db>-<time>.json.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import write_results  # noqa: E402

from relogement.projections import build_runner  # noqa: E402
from relogement.runtime.application import RelocationApp  # noqa: E402


def raw_read(app: RelocationApp, page: int, decode: bool) -> int:
    count = 0
    start = 1
    to_domain_event = app.mapper.to_domain_event
    while True:
        notifications = list(app.notification_log.select(start=start, limit=page))
        if not notifications:
            return count
        if decode:
            for notification in notifications:
                to_domain_event(notification)
        count += len(notifications)
        start = notifications[-1].id + 1


def timed(fn, *args) -> tuple[float, int]:  # noqa: ANN001
    began = time.perf_counter()
    count = fn(*args)
    return time.perf_counter() - began, count


def rebuild(app: RelocationApp, batch_size: int) -> int:
    runner = build_runner(app, batch_size=batch_size)
    try:
        return runner.rebuild()
    finally:
        runner.close()


def best(runs: list[tuple[float, int]]) -> dict:
    seconds, count = min(runs)
    return {
        "events": count,
        "best_seconds": round(seconds, 3),
        "events_per_s": round(count / seconds, 1),
        "all_seconds": [round(s, 3) for s, _ in runs],
    }


def breakdown(app: RelocationApp, batch_size: int) -> dict:
    """One rebuild with timers around reading, decoding and every projector hook."""
    spent: dict[str, float] = defaultdict(float)

    def wrap(owner, attr: str, label: str) -> None:  # noqa: ANN001
        original = getattr(owner, attr)

        def timed_call(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            began = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent[label] += time.perf_counter() - began

        setattr(owner, attr, timed_call)

    runner = build_runner(app, batch_size=batch_size)
    try:
        wrap(runner, "_read", "read (runner._read: the recorder's table, Core)")
        wrap(app.mapper, "to_domain_event", "decode (to_domain_event)")
        wrap(runner, "drop_tables", "drop the read models' tables")
        wrap(runner, "finish_rebuild", "build the deferred indexes, analyse")
        for projector in runner.projectors:
            name = type(projector).__name__
            for hook in ("begin_batch", "apply", "end_batch"):
                if hasattr(projector, hook):
                    wrap(projector, hook, f"{name}.{hook}")
        began = time.perf_counter()
        count = runner.rebuild()
        total = time.perf_counter() - began
    finally:
        runner.close()
        app.mapper.__dict__.pop("to_domain_event", None)
    accounted = sum(spent.values())
    parts = {k: round(v, 3) for k, v in sorted(spent.items(), key=lambda kv: -kv[1])}
    parts["other (runner loop, tracking, commits, DDL)"] = round(total - accounted, 3)
    return {"events": count, "seconds": round(total, 3), "seconds_by_part": parts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True, help="SQLAlchemy URL of a store holding events")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=500, help="the runner's batch (default 500)")
    parser.add_argument("--breakdown", action="store_true", help="one more, instrumented, rebuild")
    parser.add_argument("--profile", type=Path, help="one more rebuild under pyinstrument; text report here")
    parser.add_argument("--skip-reads", action="store_true", help="rebuild only (when profiling)")
    parser.add_argument("--floor", action="store_true",
                        help="then copy the rebuilt read models into fresh tables (bench/replay_floor.py)")
    args = parser.parse_args()

    app = RelocationApp(args.database)
    try:
        total = app.recorder.max_notification_id() or 0
        print(f"store: {total} events; batch {args.batch_size}; {args.repeat} runs each", flush=True)
        result: dict = {"events_in_store": total, "batch_size": args.batch_size, "repeat": args.repeat}
        if not args.skip_reads:
            for label, page, decode in (
                ("raw_read", args.batch_size, False),
                ("raw_read_page_10000", 10_000, False),
                ("decoded_read", args.batch_size, True),
            ):
                result[label] = best([timed(raw_read, app, page, decode) for _ in range(args.repeat)])
                print(f"{label}: {result[label]['events_per_s']:.0f} events/s "
                      f"(best of {result[label]['all_seconds']} s)", flush=True)
        result["rebuild"] = best([timed(rebuild, app, args.batch_size) for _ in range(args.repeat)])
        print(f"rebuild: {result['rebuild']['events_per_s']:.0f} events/s "
              f"(best of {result['rebuild']['all_seconds']} s)", flush=True)
        if not args.skip_reads:
            result["replay_ratio"] = round(result["rebuild"]["events_per_s"] / result["raw_read"]["events_per_s"], 3)
            result["rebuild_vs_decoded"] = round(
                result["rebuild"]["events_per_s"] / result["decoded_read"]["events_per_s"], 3)
            result["target_replay_ratio"] = 0.5
            result["target_rebuild_vs_decoded"] = 0.5
            print(f"replay ratio (rebuild / raw read): {result['replay_ratio']:.2f}; "
                  f"rebuild / decoded read: {result['rebuild_vs_decoded']:.2f} (issue 19's target >= 0.5)")
        if args.breakdown:
            result["breakdown"] = breakdown(app, args.batch_size)
            print("breakdown of one rebuild (s):")
            for part, seconds in result["breakdown"]["seconds_by_part"].items():
                print(f"  {seconds:8.3f}  {part}")
        if args.profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.002)
            profiler.start()
            rebuild(app, args.batch_size)
            profiler.stop()
            args.profile.parent.mkdir(parents=True, exist_ok=True)
            args.profile.write_text(profiler.output_text(unicode=True, color=False, show_all=False))
            print(f"profile: {args.profile}")
        if args.floor:
            from replay_floor import measure, measure_postgresql

            runner = build_runner(app, batch_size=args.batch_size)
            try:
                if args.database.startswith("sqlite:///"):
                    floor = measure(args.database.removeprefix("sqlite:///"), runner,
                                    Path(__file__).resolve().parent / "out")
                    driver = "executemany of stored text"
                else:
                    floor = measure_postgresql(args.database, runner)
                    driver = "COPY of stored text, row by row"
                result["floor"] = floor
            finally:
                runner.close()
            print(f"floor: {floor['rows_total']} rows; engine (INSERT … SELECT) {floor['engine']['total_s']} s "
                  f"({floor['engine']['indexes_s']} s indexes); driver ({driver}) "
                  f"{floor['driver']['total_s']} s ({floor['driver']['indexes_s']} s indexes)")
            if "decoded_read" in result:
                decoded_s = result["decoded_read"]["best_seconds"]
                for kind in ("engine", "driver"):
                    floor[f"max_ratio_vs_decoded_{kind}"] = round(
                        decoded_s / (decoded_s + floor[kind]["total_s"]), 3)
                print(f"best rebuild / decoded read with these writes and no projector work: "
                      f"{floor['max_ratio_vs_decoded_engine']:.2f} (engine), "
                      f"{floor['max_ratio_vs_decoded_driver']:.2f} (driver)")
        result["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        path = write_results("replay", args.database, result)
        print(f"results: {path}")
    finally:
        app.close()


if __name__ == "__main__":
    main()
