"""The reste-à-vivre follow-up as of a past position, in a new process (issue 19, goal 2).

    python bench/bench_asof_follow_up.py --database sqlite:///bench/out/demo6000.sqlite
    python bench/bench_asof_follow_up.py --database postgresql://postgres@127.0.0.1:5432/relo_bench6000

On a store holding a programme, for its largest project, one after the other in one run:

1. ``residual_state.store_history`` (a state at every multiple of ``EVERY``), timed, with
   the stored states' count and size (nothing is stored if they are there already);
2. "from every row": the follow-up at ``--draws`` random positions computed from a new,
   empty state (what an as-of page far from any stored state paid before the history's
   states: every row read, both conventions' figures computed);
3. "from the history": the same positions, each from a new ``SuiviStates`` (nothing held,
   as in a new process), which starts from the nearest stored state and moves it.

Both are checked equal. Prints p50/p95 (ms); writes bench/results/asof-follow-up-<db>-<time>.json.

``--http PORT``: the page instead, as a user sees it. gunicorn with the production settings
is started on the store; the auditor chooses ``--draws`` random days of the history (the
"consultation de l'historique" form) and each « Reste-à-vivre » page shown then is timed
(its first request at that position: no worker holds a state there), after ``--settle``
seconds (the workers prepare the live pages in the background after their start).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import urllib.parse
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import latency_summary, write_results  # noqa: E402
from sqlalchemy import create_engine, func, select  # noqa: E402

from relogement.platform.config import normalise_url  # noqa: E402
from relogement.projections import queries as q  # noqa: E402
from relogement.projections import residual_state as rstate  # noqa: E402
from relogement.projections.read_models import households  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--draws", type=int, default=15)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--http", type=int, default=None, metavar="PORT")
    parser.add_argument("--settle", type=float, default=30.0,
                        help="with --http: seconds between the start and the first page (the workers' preparation)")
    args = parser.parse_args()
    if args.http:
        return over_http(args)
    engine = create_engine(normalise_url(args.database))
    with engine.connect() as conn:
        project = conn.execute(
            select(households.c.project_id).group_by(households.c.project_id).order_by(func.count().desc())
        ).scalar()
    head = q.current_position(engine)
    out: dict = {"project": project, "head": head, "every": rstate.EVERY}

    began = time.perf_counter()
    written = rstate.store_history(engine, project)
    out["store_history"] = {"seconds": round(time.perf_counter() - began, 1), "written": written}
    c = rstate.snapshots.c
    with engine.connect() as conn:
        count, size = conn.execute(select(func.count(), func.sum(func.length(c.data))).where(
            c.project_id == project, c.format == rstate.FORMAT)).one()
    out["stored"] = {"states": count, "megabytes": round((size or 0) / 1e6, 1)}
    print(f"store_history: {written} written in {out['store_history']['seconds']} s; "
          f"{count} stored, {out['stored']['megabytes']} MB", flush=True)

    draw = random.Random(args.seed)
    positions = [draw.randint(1, head) for _ in range(args.draws)]
    for name, compute in (
        ("from_every_row", lambda p: rstate.suivi(engine, project, position=p)),
        ("from_the_history", lambda p: rstate.SuiviStates(engine, store=False).suivi(project, p)),
    ):
        seconds, results = [], []
        for position in positions:
            began = time.perf_counter()
            results.append(compute(position))
            seconds.append(time.perf_counter() - began)
        out[name] = latency_summary(seconds)
        out.setdefault("results", []).append(results)
        print(f"{name}: p50 {out[name]['p50_ms']} ms, p95 {out[name]['p95_ms']} ms, "
              f"max {out[name]['max_ms']} ms", flush=True)
    first, second = out.pop("results")
    out["equal"] = first == second
    print("equal:", out["equal"])
    print(write_results("asof-follow-up", args.database, out))


def over_http(args: argparse.Namespace) -> None:
    from bench_web import TOKEN, Client, start_server, stop_server

    engine = create_engine(normalise_url(args.database))
    first, last = q.instant_of(engine, 1), q.instant_of(engine, q.current_position(engine))
    draw = random.Random(args.seed)
    days = [(first + timedelta(days=draw.randint(30, (last - first).days - 1))).date() for _ in range(args.draws)]
    log = Path(__file__).resolve().parent / "out" / "gunicorn-asof.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    server = start_server(args.database, args.http, 2, log, conf=True)
    out: dict = {"pages": []}
    try:
        client = Client(args.http)
        client.login("anru.auditeur")
        time.sleep(args.settle)  # each worker prepares itself in the background after its start
        for day in days:
            _, text, _ = client.request("GET", "/reste-a-vivre")
            token = TOKEN.search(text).group(1)
            body = urllib.parse.urlencode({"au": day.isoformat(), "heure": "", "csrf_token": token})
            status, _, headers = client.request("POST", "/historique/date", body)
            client._keep_cookie(headers)
            began = time.perf_counter()
            status, text, _ = client.request("GET", "/reste-a-vivre")
            ms = round((time.perf_counter() - began) * 1000)
            shown = status == 200 and day.strftime("%d/%m/%Y") in text
            out["pages"].append({"day": day.isoformat(), "status": status, "as_of_shown": shown, "ms": ms})
            print(day, status, shown, ms, "ms", flush=True)
    finally:
        stop_server(server)
    out["page"] = latency_summary([p["ms"] / 1000 for p in out["pages"]])
    print(f"page: p50 {out['page']['p50_ms']} ms, p95 {out['page']['p95_ms']} ms, max {out['page']['max_ms']} ms")
    print(write_results("asof-follow-up-page", args.database, out))


if __name__ == "__main__":
    main()
