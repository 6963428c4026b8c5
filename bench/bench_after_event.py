"""The first page after each new event, on a started server (issue 19: < 300 ms).

    python bench/bench_after_event.py --database sqlite:///bench/out/copy-of-demo6000.sqlite

Writes to the store: run it on a copy. Starts gunicorn with the production settings (2
workers), logs in as ``--login``, waits ``--settle`` seconds (each worker prepares itself),
asks each page once, then ``--rounds`` times: records one command (new wishes of a household
still to relocate, through the use case, as its officer: one event, as bench/write_load.py),
waits ``--pause`` seconds, and times each page once (the first request at the new position).
Prints the times per page; writes bench/results/after-event-<db>-<time>.json.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path
from uuid import UUID

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_web import Client, start_server, stop_server  # noqa: E402
from common import latency_summary, write_results  # noqa: E402
from sqlalchemy import select  # noqa: E402

from relogement.platform.application import Actor  # noqa: E402
from relogement.platform.values import Wishes  # noqa: E402
from relogement.projections.machinery import as_of  # noqa: E402
from relogement.projections.read_models import households  # noqa: E402
from relogement.runtime.application import RelocationApp  # noqa: E402

PAGES = ["/rapport-semestriel?semestre=2026-S2", "/reste-a-vivre", "/tableau-de-bord"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--port", type=int, default=8796)
    parser.add_argument("--login", default="mel.partenaire")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--settle", type=float, default=40.0)
    parser.add_argument("--pause", type=float, default=1.5)
    parser.add_argument("--pages", nargs="+", default=PAGES)
    args = parser.parse_args()
    log = Path(__file__).resolve().parent / "out" / "gunicorn-after-event.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    server = start_server(args.database, args.port, 2, log, conf=True)
    times: dict[str, list[float]] = {page: [] for page in args.pages}
    try:
        client = Client(args.port)
        client.login(args.login)
        time.sleep(args.settle)
        for page in args.pages:
            client.request("GET", page)
        app = RelocationApp(args.database)
        try:
            c = households.c
            with app.recorder.datastore.engine.connect() as conn:
                rows = conn.execute(select(c.household_id, c.officer_org).where(
                    as_of(households, None), c.status == "a_reloger")).all()
            draw = random.Random(5)
            communes = ("Lille", "Roubaix", "Lomme", "Wattrelos")
            for _ in range(args.rounds):
                household, officer = draw.choice(rows)
                app.record_wishes(UUID(hex=household), Wishes(communes=tuple(draw.sample(communes, 2))),
                                  Actor("bench.ecriture", UUID(hex=officer)))
                time.sleep(args.pause)
                for page in args.pages:
                    began = time.perf_counter()
                    status, _, _ = client.request("GET", page)
                    if status != 200:
                        raise SystemExit(f"{page}: {status}")
                    times[page].append(time.perf_counter() - began)
        finally:
            app.close()
    finally:
        stop_server(server)
    out = {"pages": {page: {"ms": [round(s * 1000) for s in seconds], **latency_summary(seconds)}
                     for page, seconds in times.items()}}
    for page, figures in out["pages"].items():
        print(f"{page}: {figures['ms']} (max {figures['max_ms']:.0f} ms)")
    print(write_results("after-event", args.database, out))


if __name__ == "__main__":
    main()
