"""The offer ranking ("Logements adaptés") with the simulated housing aid: one process, the
simulation service warm; first call (one batch for every offer) and cached call.

    relogement --database sqlite:///bench/out/demo200.sqlite init-db
    relogement --database sqlite:///bench/out/demo200.sqlite demo --households 200 --seed 1
    relogement --database sqlite:///bench/out/demo200.sqlite demo-accounts
    bash scripts/simulation.sh start 5001
    python bench/bench_ranking_aid.py --database sqlite:///bench/out/demo200.sqlite \
        --simulation http://127.0.0.1:5001

Picks the project whose available offers are closest to ``--offers`` (default 90); warms the
page (the pool's columns, once per position) with one household, then times, for each of
``--households`` other households: the first call (its batch goes to the service), the same
page again (cached by inputs), and the page with no service (closed port, the fallback).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import write_results  # noqa: E402


def _pool(database: str, offers: int) -> tuple[str, list[str], int]:
    from sqlalchemy import create_engine

    from relogement.platform.config import normalise_url
    from relogement.projections.queries import matching as mq
    from relogement.projections.queries import organisations as orgq

    engine = create_engine(normalise_url(database))
    try:
        pools = []
        for project in orgq.list_projects(engine):
            h = [r["household_id"] for r in mq.household_pool(engine, project["project_id"])]
            o = mq.offer_pool(engine, project["project_id"])
            if h:
                pools.append((abs(len(o) - offers), project["project_id"], h, len(o)))
        _, project, households, count = min(pools)
        return project, households, count
    finally:
        engine.dispose()


def _timed(client, url: str) -> tuple[float, str]:
    began = time.perf_counter()
    answer = client.get(url)
    assert answer.status_code == 200, (url, answer.status_code)
    return (time.perf_counter() - began) * 1000, answer.get_data(as_text=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--simulation", required=True)
    parser.add_argument("--offers", type=int, default=90)
    parser.add_argument("--households", type=int, default=5)
    parser.add_argument("--login", default="mous.charge")
    args = parser.parse_args()
    os.environ.setdefault("RELOGEMENT_SECURE_COOKIES", "0")
    from relogement.housing_aid.client import AidSimulator
    from relogement.runtime import create_app

    project, households, offers = _pool(args.database, args.offers)
    app = create_app({"DATABASE_URL": args.database, "SECRET_KEY": "bench", "RELOGEMENT_POLL_SECONDS": 0,
                      "SIMULATION_URL": args.simulation, "SIMULATION_TIMEOUT": 120})
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/connexion").get_data(as_text=True))
    answer = client.post("/connexion", data={"identifiant": args.login, "mot_de_passe": "demo-relogement",
                                             "csrf_token": token.group(1)})
    assert answer.status_code == 302, answer.status_code
    url = "/menages/{}/logements-adaptes"
    _timed(client, url.format(households[0]))  # the pool's columns, once per position; the service warm
    first, cached, down = [], [], []
    for household in households[1:1 + args.households]:
        ms, text = _timed(client, url.format(household))
        assert "APL simulée :" in text and "simulation indisponible" not in text, "no simulated figure"
        first.append(ms)
        cached.append(_timed(client, url.format(household))[0])
    app.extensions["relogement.aid_simulator"] = AidSimulator("http://127.0.0.1:9", 5)
    _timed(client, url.format(households[0]))  # the refused call (then 30 s of back-off)
    for household in households[1:1 + args.households]:
        down.append(_timed(client, url.format(household))[0])
    app.extensions["relogement"].close()
    out = {"project": project, "offers": offers, "households": len(first), "load": os.getloadavg()[0]}
    for name, times in (("first_batch", first), ("cached", cached), ("service_down", down)):
        out[name] = {"mean_ms": round(statistics.mean(times), 1), "best_ms": round(min(times), 1),
                     "max_ms": round(max(times), 1)}
        print(f"{name}: mean {out[name]['mean_ms']} ms, best {out[name]['best_ms']} ms, "
              f"max {out[name]['max_ms']} ms ({len(times)} households, {offers} offers)", flush=True)
    print(f"load average {out['load']:.1f}")
    print(write_results("ranking-aid", args.database, out))


if __name__ == "__main__":
    main()
