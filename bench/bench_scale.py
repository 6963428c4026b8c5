"""National scale: ≈ 3 million synthetic events, replay (rebuild) and dashboard, memory peak.

    # 1. write: K clones of a generated programme into an empty store (separate process)
    python bench/bench_scale.py write --source postgresql://…/relo_bench6000 \\
        --database postgresql://…/relo_scale --clones 31
    # 2. measure: raw and decoded reads, rebuild of every projection, dashboards
    python bench/bench_scale.py measure --database postgresql://…/relo_scale

How the events are made (``write``). The 6,000-household programme (≈ 95,000 events,
generated through the use cases by ``relogement demo``) is cloned K times with new ids:
every 32-hex-digit id in a stored event (originator, and every id the state refers to:
project, household, offer, proposal, organisation, objection) is mapped to
``uuid5(clone, id)`` (clone 0 keeps the original ids), so each clone is a metropolis of
its own with its own organisations, project, households, offers and proposals, and
the aggregates' versions stay consistent. Clones are *interleaved*: for each source
event in order, its K copies are stored one after the other, so positions follow time
as in a national store where every programme lives at once. The stored bytes are
written through the library's recorder (``app.recorder.insert_events``) in batches of
``--batch`` events, not through the use cases (≈ 100 commands/s would take 8 hours).
Personal data: clone 0 keeps its households' keys; the clones' households get a destroyed
key (a tombstone, as erased households have), so their ``personal`` field decodes as
erased (identity read model left empty for them) — the identity table is not what scales.

``measure`` reports, each in events/s: the raw read of the notification log (pages of
10,000), the decoded read, the rebuild of every projection (``runner.rebuild`` in
chunks so progress is printed; audit chain left out: ``RELOGEMENT_AUDIT_SEAL=0``, its
sealing measured apart by ``--seal``), then the live dashboard of one programme and of
every programme, with the process's peak RSS after each phase (``ru_maxrss``) and
tracemalloc's peak for the dashboard. ``--max-rebuild-seconds`` stops the rebuild early
(the rate so far is still reported). Writes bench/results/scale-<db>-<time>.json.
"""

from __future__ import annotations

import argparse
import re
import resource
import sys
import time
import tracemalloc
from pathlib import Path
from uuid import UUID, uuid5

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import write_results  # noqa: E402

HEX = re.compile(rb"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")
NAMESPACE = UUID("6f1f2c1e-7d0a-4d5e-9b8e-3c1d2a4b5c6d")
ZERO = b"0" * 32


def rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def clone_tombstones(target, keys: list[dict], clones: int) -> int:  # noqa: ANN001
    """A destroyed key (tombstone) for each household of clones 1…K-1, as erased households have.

    Without a row, decoding each such household's first event asked the database for its
    key (one SELECT per household, ≈ 180,000 at national scale: 40 % of a decoded read);
    a store's households all have a key row, which the key cache loads in one query.
    """
    from relogement.runtime.keystore import household_keys

    rows = [
        {
            "household_id": uuid5(NAMESPACE, f"{k}:{key['household_id']}").hex,
            "key": None,
            "created_at": key["created_at"],
            "destroyed_at": key["created_at"],
            "destroyed_by": "bench_scale: clone",
        }
        for k in range(1, clones)
        for key in keys
    ]
    with target.privacy.engine.begin() as conn:
        for start in range(0, len(rows), 10_000):
            conn.execute(household_keys.insert(), rows[start : start + 10_000])
    return len(rows)


def write(args: argparse.Namespace) -> None:
    from eventsourcing.persistence import StoredEvent
    from sqlalchemy import select

    from relogement.runtime.application import RelocationApp
    from relogement.runtime.keystore import household_keys

    source = RelocationApp(args.source, env={"AGGREGATE_CACHE_MAXSIZE": ""})
    target = RelocationApp(args.database, env={"AGGREGATE_CACHE_MAXSIZE": "", "RELOGEMENT_AUDIT_SEAL": "0"})
    try:
        if target.recorder.max_notification_id():
            raise SystemExit("the target store is not empty")
        began = time.perf_counter()
        events = []
        start = 1
        while True:
            page = source.recorder.select_notifications(start=start, limit=10_000)
            if not page:
                break
            events.extend(page)
            start = page[-1].id + 1
        print(f"source: {len(events)} events read in {time.perf_counter() - began:.1f} s", flush=True)
        # Clone 0 keeps its personal data readable: copy the households' keys.
        with source.privacy.engine.connect() as conn:
            keys = [dict(r) for r in conn.execute(select(household_keys)).mappings()]
        with target.privacy.engine.begin() as conn:
            conn.execute(household_keys.insert(), keys)

        maps: list[dict[bytes, bytes]] = [{} for _ in range(args.clones)]

        def remap(token: bytes, k: int) -> bytes:
            if k == 0 or token == ZERO:
                return token
            table = maps[k]
            new = table.get(token)
            if new is None:
                new = uuid5(NAMESPACE, f"{k}:{token.decode()}").hex.encode()
                table[token] = new
            return new

        total = len(events) * args.clones
        written = 0
        began = time.perf_counter()
        batch: list = []
        per_batch = max(1, args.batch // args.clones)
        for i in range(0, len(events), per_batch):
            batch = []
            for n in events[i : i + per_batch]:
                oid = n.originator_id.hex.encode()
                for k in range(args.clones):
                    state = n.state if k == 0 else HEX.sub(lambda m, k=k: remap(m.group(0), k), n.state)
                    batch.append(StoredEvent(
                        originator_id=UUID(remap(oid, k).decode()),
                        originator_version=n.originator_version,
                        topic=n.topic,
                        state=state,
                    ))
            target.recorder.insert_events(batch)
            written += len(batch)
            if (i // per_batch) % 20 == 0:
                elapsed = time.perf_counter() - began
                print(f"  {written}/{total} events, {written / elapsed:.0f} events/s", flush=True)
        seconds = time.perf_counter() - began
        result = {
            "phase": "write", "source_events": len(events), "clones": args.clones, "events": written,
            "seconds": round(seconds, 1), "events_per_s": round(written / seconds, 1), "max_rss_mb": rss_mb(),
            "method": "clones of the demo programme, ids remapped with uuid5, interleaved, "
                      "inserted with app.recorder.insert_events",
        }
        clone_tombstones(target, keys, args.clones)
        path = write_results("scale-write", args.database, result)
        print(f"{written} events written in {seconds:.0f} s ({written / seconds:.0f}/s); results: {path}")
    finally:
        source.close()
        target.close()


def measure(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_replay import raw_read

    from relogement.projections import build_runner, dashboard
    from relogement.projections import queries as q
    from relogement.runtime.application import RelocationApp

    app = RelocationApp(args.database, env={"AGGREGATE_CACHE_MAXSIZE": "", "RELOGEMENT_AUDIT_SEAL": "0"})
    result: dict = {"phase": "measure"}
    try:
        total = app.recorder.max_notification_id() or 0
        result["events_in_store"] = total
        print(f"store: {total} events", flush=True)
        if not args.skip_reads:
            for label, decode in (("raw_read", False), ("decoded_read", True)):
                began = time.perf_counter()
                count = raw_read(app, 10_000, decode)
                seconds = time.perf_counter() - began
                result[label] = {"events": count, "seconds": round(seconds, 1),
                                 "events_per_s": round(count / seconds, 1), "max_rss_mb_after": rss_mb()}
                print(f"{label}: {count / seconds:.0f} events/s ({seconds:.0f} s); peak RSS {rss_mb()} MB",
                      flush=True)

        runner = build_runner(app)
        try:
            began = time.perf_counter()
            # runner.rebuild(), in chunks so that progress shows and a time limit applies.
            deferred = runner.start_rebuild()
            applied = 0
            stopped_early = False
            while applied < total:
                count = runner.catch_up(up_to=applied + args.chunk, batch_size=runner.rebuild_batch_size,
                                        analyze=False)
                if not count:
                    break
                applied += count
                elapsed = time.perf_counter() - began
                print(f"  rebuild: {applied}/{total} events, {applied / elapsed:.0f} events/s, "
                      f"peak RSS {rss_mb()} MB", flush=True)
                if args.max_rebuild_seconds and elapsed > args.max_rebuild_seconds:
                    stopped_early = True
                    break
            t0 = time.perf_counter()
            runner.finish_rebuild(deferred)  # deferred indexes, then ANALYZE on PostgreSQL
            result["finish_rebuild_seconds"] = round(time.perf_counter() - t0, 1)
            seconds = time.perf_counter() - began
            print(f"indexes built and statistics refreshed in {result['finish_rebuild_seconds']} s", flush=True)
            result["rebuild"] = {"events": applied, "seconds": round(seconds, 1),
                                 "events_per_s": round(applied / seconds, 1),
                                 "complete": not stopped_early, "max_rss_mb_after": rss_mb()}
            if "raw_read" in result:
                result["replay_ratio"] = round(result["rebuild"]["events_per_s"]
                                               / result["raw_read"]["events_per_s"], 3)
            print(f"rebuild: {applied} events in {seconds:.0f} s ({applied / seconds:.0f} events/s)"
                  f"{' (stopped early)' if stopped_early else ''}; peak RSS {rss_mb()} MB", flush=True)

            db = runner.engine
            projects = q.list_projects(db)
            result["projects"] = len(projects)
            first = projects[0]["project_id"]
            tracemalloc.start()
            timings = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                dashboard.dashboard(db, first)
                timings.append(time.perf_counter() - t0)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            result["dashboard_one_programme"] = {
                "best_ms": round(min(timings) * 1000, 1), "all_ms": [round(t * 1000, 1) for t in timings],
                "tracemalloc_peak_mb": round(peak / 1024 / 1024, 1),
            }
            print(f"dashboard of one programme: best {min(timings) * 1000:.0f} ms "
                  f"(tracemalloc peak {peak / 1024 / 1024:.0f} MB, tracing slows it)", flush=True)
            t0 = time.perf_counter()
            for p in projects:
                dashboard.dashboard(db, p["project_id"])
            seconds = time.perf_counter() - t0
            result["dashboard_every_programme"] = {"projects": len(projects), "seconds": round(seconds, 1)}
            print(f"dashboards of all {len(projects)} programmes: {seconds:.1f} s", flush=True)
            if args.seal:
                from relogement.projections.audit import AuditChain

                chain = AuditChain(app)
                t0 = time.perf_counter()
                sealed = chain.extend()
                seconds = time.perf_counter() - t0
                result["audit_seal"] = {"events": sealed, "seconds": round(seconds, 1),
                                        "events_per_s": round(sealed / seconds, 1)}
                print(f"audit chain: {sealed} events sealed in {seconds:.0f} s", flush=True)
                chain.close()
        finally:
            runner.close()
        result["max_rss_mb"] = rss_mb()
        path = write_results("scale", args.database, result)
        print(f"peak RSS {result['max_rss_mb']} MB; results: {path}")
    finally:
        app.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="phase", required=True)
    w = sub.add_parser("write")
    w.add_argument("--source", required=True, help="store holding the programme to clone")
    w.add_argument("--database", required=True, help="empty target store")
    w.add_argument("--clones", type=int, default=31)
    w.add_argument("--batch", type=int, default=10_000)
    m = sub.add_parser("measure")
    m.add_argument("--database", required=True)
    m.add_argument("--chunk", type=int, default=100_000)
    m.add_argument("--repeat", type=int, default=3)
    m.add_argument("--max-rebuild-seconds", type=float, default=None)
    m.add_argument("--skip-reads", action="store_true")
    m.add_argument("--seal", action="store_true", help="then seal the audit chain over every event")
    args = parser.parse_args()
    write(args) if args.phase == "write" else measure(args)


if __name__ == "__main__":
    main()
