"""Command throughput: proposals per second (indicators computed) and command latencies.

    python bench/bench_commands.py                       # SQLite file in a temporary folder
    python bench/bench_commands.py --database postgresql://postgres@127.0.0.1:5432/relo_bench

Set-up (timed too, reported apart): the sample organisations and project, N households
registered and N offers published. Measured: N ``make_proposal`` calls (each loads the
household, the offer and the project, computes the indicators and saves three aggregates
atomically), one client, one at a time; then, unless ``--no-lifecycle``, the rest of each
proposal's life (window closing 48 h later on an injected clock, acceptance, CALEOL
decision, lease). The first ``--warmup`` calls of each kind are left out of the latency
figures. Prints the figures and writes bench/results/commands-<db>-<time>.json.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import latency_summary, write_results  # noqa: E402

from relogement.runtime.application import RelocationApp  # noqa: E402
from relogement.simulation import sample  # noqa: E402
from relogement.simulation.clock import ProgrammeClock  # noqa: E402


def timed(calls: list, latencies: list[float]) -> None:
    for call in calls:
        began = time.perf_counter()
        call()
        latencies.append(time.perf_counter() - began)


def run(database: str, n: int, warmup: int, lifecycle: bool, seed: int, env: dict | None = None,
        catch_up: bool = False, seal_after_save: bool = False) -> dict:
    rng = random.Random(seed)
    clock = ProgrammeClock(datetime(2026, 3, 2, 9, tzinfo=UTC))
    if seal_after_save:
        env = {**(env or {}), "RELOGEMENT_AUDIT_SEAL": "0"}
    app = RelocationApp(database, clock=clock, env=env)
    runner = None
    try:
        if seal_after_save:
            # The sealing before commit 'audit chain in the runner's batch': a second
            # transaction after every save (for before/after comparisons).
            app.save = _then(app.save, app.audit_chain.extend)
        if catch_up:
            # Like the web application: the read models (and the audit chain) catch up
            # after each command, in the command's latency.
            from relogement.projections import build_runner

            runner = build_runner(app)
            app.save = _then(app.save, runner.catch_up)
        began = time.perf_counter()
        world = sample.build_world(app)
        households, offers = [], []
        t0 = time.perf_counter()
        for i in range(n):
            households.append(sample.register(
                world, bailleur=rng.choice(["LMH", "VCL", "PDC"]), name=f"Ménage {i}",
                resources_cents=rng.randint(110_000, 260_000), apl_cents=rng.randint(0, 26_000),
            ))
        t1 = time.perf_counter()
        for _ in range(n):
            offers.append(app.publish_offer(world.project_id, sample.dwelling(
                typology=rng.choice(["T2", "T3", "T4"]), qpv=rng.random() < 0.5,
                construction_year=rng.choice([1972, 1995, 2024]), individual=rng.random() < 0.3,
                rent_cents=rng.randint(33_000, 52_000),
            ), world.actor(rng.choice(["LMH", "VCL", "PDC"]))))
        t2 = time.perf_counter()
        setup = {
            "seconds": round(t2 - began, 2),
            "households_registered_per_s": round(n / (t1 - t0), 1),
            "offers_published_per_s": round(n / (t2 - t1), 1),
        }

        officer = {h: app.household(h).bailleur_org for h in households}
        actor_of = {org: actor for actor in world.actors.values() for org in [actor.org]}
        proposals: list = []
        latencies: dict[str, list[float]] = {"make_proposal": []}

        def propose(h, o):  # noqa: ANN001, ANN202
            return lambda: proposals.append(app.make_proposal(h, o, rng.randint(15_000, 30_000),
                                                             actor_of[officer[h]]))

        t3 = time.perf_counter()
        timed([propose(h, o) for h, o in zip(households, offers, strict=True)], latencies["make_proposal"])
        t4 = time.perf_counter()
        result = {
            "env": env or {},
            "catch_up_after_each_command": catch_up,
            "seal_after_each_save": seal_after_save,
            "n": n,
            "warmup_excluded": warmup,
            "setup": setup,
            "proposals_per_s": round(n / (t4 - t3), 1),
            "latency": {"make_proposal": latency_summary(latencies["make_proposal"][warmup:])},
        }
        if lifecycle:
            clock.now += timedelta(hours=49)
            today = clock.now.date()
            owners = {p: app.proposal(p) for p in proposals}
            steps = {
                "close_objection_window": lambda p: app.close_objection_window(p),
                "accept_proposal": lambda p: app.accept_proposal(
                    p, today, actor_of[owners[p].household_bailleur]),
                "decide_caleol": lambda p: app.decide_caleol(
                    p, "attribution", today, "", actor_of[owners[p].offer_bailleur]),
                "sign_lease": lambda p: app.sign_lease(
                    p, 48_000, 10_000, 20_000, today, today, actor_of[owners[p].offer_bailleur]),
            }
            for name, step in steps.items():
                latencies[name] = []
                t5 = time.perf_counter()
                timed([(lambda p=p, step=step: step(p)) for p in proposals], latencies[name])
                result.setdefault("commands_per_s", {})[name] = round(n / (time.perf_counter() - t5), 1)
                result["latency"][name] = latency_summary(latencies[name][warmup:])
        result["events_stored"] = app.recorder.max_notification_id()
        return result
    finally:
        if runner is not None:
            runner.close()
        app.close()


def _then(save, after):  # noqa: ANN001, ANN202
    def wrapped(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        recordings = save(*args, **kwargs)
        after()
        return recordings

    return wrapped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="SQLAlchemy URL (default: a fresh SQLite file)")
    parser.add_argument("--n", type=int, default=1000, help="proposals to make (default 1000)")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--no-lifecycle", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                        help="application setting, e.g. RELOGEMENT_AUDIT_SEAL=0 (repeatable)")
    parser.add_argument("--catch-up", action="store_true",
                        help="catch the projections up after each save, like the web application")
    parser.add_argument("--seal-after-save", action="store_true",
                        help="extend the audit chain in its own transaction after each save "
                             "(the former behaviour), instead of in the catch-up")
    args = parser.parse_args()
    env = dict(item.split("=", 1) for item in args.env)
    with tempfile.TemporaryDirectory() as scratch:
        database = args.database or f"sqlite:///{Path(scratch) / 'bench.sqlite'}"
        result = run(database, args.n, args.warmup, not args.no_lifecycle, args.seed, env,
                     catch_up=args.catch_up, seal_after_save=args.seal_after_save)
        path = write_results("commands", database, result)
    lat = result["latency"]
    print(f"database: {database if not args.database else path.name.split('-')[1]}")
    print(f"set-up: {result['setup']}  env: {env}  catch-up after each save: {args.catch_up}  "
          f"seal after each save: {args.seal_after_save}")
    print(f"make_proposal: {result['proposals_per_s']} proposals/s, "
          f"p50 {lat['make_proposal']['p50_ms']} ms, p95 {lat['make_proposal']['p95_ms']} ms")
    for name, rate in result.get("commands_per_s", {}).items():
        print(f"{name}: {rate}/s, p50 {lat[name]['p50_ms']} ms, p95 {lat[name]['p95_ms']} ms")
    print(f"results: {path}")


if __name__ == "__main__":
    main()
