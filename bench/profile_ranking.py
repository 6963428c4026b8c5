"""Where a ranking request's CPU goes: one process, Flask's test client, cProfile.

    python bench/profile_ranking.py --database sqlite:///bench/out/live6000.sqlite
    python bench/profile_ranking.py --database … --kind menages --repeat 100 --top 40

Logs in as ``--login`` (default ``mous.charge``: it sees every household), requests one
page of each kind to build the pools (once per position), waits for the background
warm-up, then ``--repeat`` requests of ``--kind`` (``logements``: "Logements adaptés"
of a household drawn at random; ``menages``: "Ménages correspondants" of an offer drawn
at random; ``a-traiter``: the work list) under cProfile, and prints the CPU ms per
request (``time.process_time``), then the same draws again (``--again``: every page
already seen at this position), and the ``--top`` functions by cumulative time.
``--warm N``: N other pages served first, unmeasured (a worker in its steady state).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_matching import paths, pools, settle  # noqa: E402

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--login", default="mous.charge")
    parser.add_argument("--kind", default="logements", choices=("logements", "menages", "a-traiter"))
    parser.add_argument("--repeat", type=int, default=60)
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--no-profile", action="store_true", help="CPU ms only (cProfile adds its own cost)")
    parser.add_argument("--profile-pass", default="first", choices=("first", "again"),
                        help="the pass profiled: the first requests, or the same requests again")
    parser.add_argument("--statements", action="store_true",
                        help="count the statements per request of each pass, by kind (first 110 characters)")
    parser.add_argument("--warm", type=int, default=0,
                        help="first serve this many pages drawn among the others (never measured): the "
                             "process's own memos (« équilibre » columns, residences' judgements) are then "
                             "as warm as in a worker that has served them, while the measured pages stay new")
    args = parser.parse_args()
    os.environ.setdefault("RELOGEMENT_SECURE_COOKIES", "0")
    _, households, offers = pools(args.database)
    from relogement.runtime import create_app

    app = create_app({"DATABASE_URL": args.database, "SECRET_KEY": "profile", "RELOGEMENT_POLL_SECONDS": 0})
    client = app.test_client()
    token = TOKEN.search(client.get("/connexion").get_data(as_text=True)).group(1)
    answer = client.post("/connexion", data={"identifiant": args.login, "mot_de_passe": "demo-relogement",
                                             "csrf_token": token})
    assert answer.status_code == 302, answer.status_code
    urls = ["/a-traiter"] if args.kind == "a-traiter" else paths(args.kind, households, offers)
    assert client.get(urls[0]).status_code == 200
    settle(app)
    draw = random.Random(7)
    chosen = [draw.choice(urls) for _ in range(args.repeat)]
    if args.warm:
        others = [u for u in urls if u not in set(chosen)] or urls
        for url in [draw.choice(others) for _ in range(args.warm)]:
            assert client.get(url).status_code == 200, url
    profiler = None if args.no_profile else cProfile.Profile()
    seen: list[str] = []
    if args.statements:
        from sqlalchemy import event

        def record(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001, ANN002
            seen.append(statement)

        for engine in {app.extensions["relogement.readmodels"].db, app.extensions["relogement"].recorder.datastore.engine}:
            event.listen(engine, "before_cursor_execute", record)
    for label, batch in (("first", chosen), ("again", chosen)):
        if profiler is not None and label == args.profile_pass:
            profiler.enable()
        seen.clear()
        cpu, wall = time.process_time(), time.perf_counter()
        for url in batch:
            status = client.get(url).status_code
            assert status == 200, (url, status)
        cpu_ms = (time.process_time() - cpu) * 1000 / len(batch)
        wall_ms = (time.perf_counter() - wall) * 1000 / len(batch)
        if profiler is not None and label == args.profile_pass:
            profiler.disable()
        if args.statements:
            kinds = Counter(" ".join(statement.split())[:110] for statement in seen)
            print(f"{label}: {len(seen) / len(batch):.2f} statements per request")
            for text, count in kinds.most_common(12):
                print(f"  {count / len(batch):5.2f}  {text}")
        print(f"{args.kind} ({label} requests): CPU {cpu_ms:.2f} ms, wall {wall_ms:.2f} ms per request "
              f"({len(batch)} requests, load {os.getloadavg()[0]:.1f}"
              f"{', under cProfile' if profiler is not None and label == args.profile_pass else ''})", flush=True)
    if profiler is not None:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(args.sort).print_stats(args.top)
        print(out.getvalue())
    app.extensions["relogement"].close()


if __name__ == "__main__":
    main()
