"""Commands arriving while the pages are read: one relocation officer's edit every few seconds.

    python bench/write_load.py --database URL --every 5 --seconds 60

Run by ``bench_web.py --write-every S`` in a process of its own (as another web worker or
the scheduler would be): every ``--every`` seconds it records new wishes for a household
still to relocate, through the use case, as that household's officer (one event each,
so the position moves and every page cache keyed by position is renewed). Prints how many
commands it ran and their latency; stops after ``--seconds``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from uuid import UUID

from sqlalchemy import select

from relogement.platform.application import Actor
from relogement.platform.values import Wishes
from relogement.projections.machinery import as_of
from relogement.projections.read_models import households
from relogement.runtime.application import RelocationApp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--every", type=float, default=5.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    app = RelocationApp(args.database)
    try:
        engine = app.recorder.datastore.engine
        c = households.c
        with engine.connect() as conn:
            rows = conn.execute(
                select(c.household_id, c.officer_org).where(
                    as_of(households, None), c.status == "a_reloger"
                )
            ).all()
        if not rows:
            raise SystemExit("no household to relocate in this store")
        rng = random.Random(args.seed)
        communes = ("Lille", "Roubaix", "Tourcoing", "Villeneuve-d'Ascq", "Lomme", "Wattrelos")
        latencies = []
        stop_at = time.monotonic() + args.seconds
        next_at = time.monotonic()
        while time.monotonic() < stop_at:
            household, officer = rng.choice(rows)
            wishes = Wishes(communes=tuple(rng.sample(communes, 2)), needs_lift=rng.random() < 0.3)
            began = time.perf_counter()
            app.record_wishes(UUID(hex=household), wishes, Actor("bench.ecriture", UUID(hex=officer)))
            latencies.append(time.perf_counter() - began)
            next_at += args.every
            time.sleep(max(0.0, next_at - time.monotonic()))
        print(f"{len(latencies)} commands, one every {args.every} s; latency p50 "
              f"{statistics.median(latencies) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms", flush=True)
    finally:
        app.close()


if __name__ == "__main__":
    main()
