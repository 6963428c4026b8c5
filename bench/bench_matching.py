"""The ranking pages under load: "Logements adaptés" (every offer for one household) and
"Ménages correspondants" (every household for one offer), 20 concurrent clients.

    python bench/bench_matching.py --database sqlite:///bench/out/demo6000.sqlite
    python bench/bench_matching.py --database postgresql://postgres@127.0.0.1:5432/relo_bench6000
    python bench/bench_matching.py --database … --service   # one process, no HTTP: service time

With ``--service``, the app's first request starts the dashboards' warm-up in a background
thread (seconds of CPU): each page kind's timing starts once it has ended (``settle``).

On a store holding a programme (``relogement demo --households 6000 --seed 1``):

1. reads, from the read models, the largest project's households still to relocate and its
   available offers (the pools the pages rank);
2. creates the demo accounts and starts gunicorn (``--workers`` sync workers, as
   bench_web.py, whose server and client it reuses);
3. logs ``--sessions`` sessions of ``--login`` (default ``mous.charge``: the project's
   relocation team sees every household, the largest reverse list);
4. per page kind (and the household list, as a yardstick measured in the same run),
   ``--warmup`` seconds of discarded load (each worker builds the pool's
   columns once per position), then ``--clients`` closed-loop clients, each request on
   a household (or offer) drawn at random, for ``--seconds`` or ``--max-requests``
   (``--driver wrk``: the same loop driven by wrk, a load generator in C, for ``--seconds``);
5. stops gunicorn (the process it started, by its id).

Prints p50/p95/p99 per page kind; writes bench/results/matching-<db>-<time>.json.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_web import Client, load_wrk, start_server, stop_server  # noqa: E402
from common import latency_summary, write_results  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def pools(database: str) -> tuple[str, list[str], list[str]]:
    """(project id, households to relocate, available offers) of the largest project."""
    from sqlalchemy import create_engine

    from relogement.platform.config import normalise_url
    from relogement.projections.queries import matching as mq
    from relogement.projections.queries import organisations as orgq

    engine = create_engine(normalise_url(database))
    try:
        best = None
        for project in orgq.list_projects(engine):
            households = [r["household_id"] for r in mq.household_pool(engine, project["project_id"])]
            offers = [r["offer_id"] for r in mq.offer_pool(engine, project["project_id"])]
            if best is None or len(households) > len(best[1]):
                best = (project["project_id"], households, offers)
        assert best is not None, "no project in this store"
        return best
    finally:
        engine.dispose()


def server_cpu_seconds(server: subprocess.Popen) -> float:
    """User + system CPU of the server's workers (the children of gunicorn's master)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    try:
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    except OSError:
        return float("nan")
    for pid in children:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (after the name: fields 14, 15)
    return total / tick


def paths(kind: str, households: list[str], offers: list[str]) -> list[str]:
    if kind == "a-traiter":
        return ["/a-traiter"]
    if kind == "reference":
        # The household list (bench_web.py's "/menages"), measured in the same run: the
        # machine's load moves every figure, so each run carries its own yardstick.
        return ["/menages"]
    if kind == "logements":
        return [f"/menages/{h}/logements-adaptes" for h in households]
    return [f"/offres/{o}/menages-correspondants" for o in offers]


def load(port: int, cookies: list[str], urls: list[str], clients: int, seconds: float, max_requests: int,
         seed: int) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    budget = [max_requests]
    stop_at = time.perf_counter() + seconds
    barrier = threading.Barrier(clients)

    def worker(i: int) -> None:
        client = Client(port, cookies[i % len(cookies)])
        draw = random.Random(seed * 1000 + i)
        barrier.wait()
        while time.perf_counter() < stop_at:
            with lock:
                if budget[0] <= 0:
                    return
                budget[0] -= 1
            path = draw.choice(urls)
            began = time.perf_counter()
            try:
                status, _, _ = client.request("GET", path)
            except OSError as error:
                status = repr(error)
            elapsed = time.perf_counter() - began
            with lock:
                (latencies.append(elapsed) if status == 200 else errors.append(f"{status} {path}"))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    return {"requests": len(latencies), "errors": len(errors), "error_samples": errors[:5],
            "seconds": round(wall, 1), "requests_per_s": round(len(latencies) / wall, 1),
            "distinct_targets": len(urls), **latency_summary(latencies)}


def settle(app) -> None:
    """Wait for the dashboards' warm-up: the first request starts it in a background thread
    (seconds of CPU), which would otherwise be counted in the first page kind's times. The
    reports' pool has one worker, so a no-op queued behind the warm-up ends after it."""
    reports = app.extensions.get("relogement.reports")
    if reports is not None:
        reports._pool.submit(lambda: None).result()


def service(database: str, login: str, households: list[str], offers: list[str], repeat: int) -> dict:
    """Service time of each page kind with no queue: Flask's test client, one process."""
    import re

    os.environ.setdefault("RELOGEMENT_SECURE_COOKIES", "0")
    from relogement.runtime import create_app

    app = create_app({"DATABASE_URL": database, "SECRET_KEY": "bench", "RELOGEMENT_POLL_SECONDS": 0})
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/connexion").get_data(as_text=True))
    answer = client.post("/connexion", data={"identifiant": login, "mot_de_passe": "demo-relogement",
                                             "csrf_token": token.group(1)})
    assert answer.status_code == 302, answer.status_code
    out = {}
    draw = random.Random(1)
    for kind in ("logements", "menages", "reference"):
        urls = paths(kind, households, offers)
        assert client.get(urls[0]).status_code == 200  # the pool's columns, once per position
        settle(app)
        times = []
        cpu = time.process_time()
        for _ in range(repeat):
            url = draw.choice(urls)
            began = time.perf_counter()
            status = client.get(url).status_code
            times.append((time.perf_counter() - began) * 1000)
            assert status == 200, (url, status)
        cpu_ms = (time.process_time() - cpu) * 1000 / repeat
        out[kind] = {"mean_ms": round(statistics.mean(times), 1), "best_ms": round(min(times), 1),
                     "p95_ms": round(sorted(times)[int(len(times) * .95) - 1], 1), "cpu_ms": round(cpu_ms, 1)}
        print(f"{kind}: service time mean {out[kind]['mean_ms']} ms, best {out[kind]['best_ms']} ms, "
              f"p95 {out[kind]['p95_ms']} ms, CPU {out[kind]['cpu_ms']} ms ({repeat} requests, "
              f"load {os.getloadavg()[0]:.1f})", flush=True)
    app.extensions["relogement"].close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--port", type=int, default=5510)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--sessions", type=int, default=4)
    parser.add_argument("--login", default="mous.charge")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--max-requests", type=int, default=5000)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--settle", type=float, default=20.0,
                        help="seconds with no request after the start (each worker's background warm-up of the "
                             "dashboards and reports runs then, not during the measure)")
    parser.add_argument("--service", action="store_true", help="only the service time (no server)")
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--kinds", nargs="+", default=["logements", "menages", "reference"],
                        choices=["logements", "menages", "a-traiter", "reference"])
    parser.add_argument("--driver", choices=["python", "wrk"], default="python",
                        help="the load generator: Python threads (default) or wrk (apt install wrk)")
    parser.add_argument("--conf", action="store_true",
                        help="gunicorn with web/gunicorn_conf.py (gthread, 16 threads per worker)")
    args = parser.parse_args()

    project, households, offers = pools(args.database)
    print(f"project {project}: {len(households)} households to relocate, {len(offers)} available offers", flush=True)
    created = subprocess.run([str(Path(sys.executable).parent / "relogement"), "--database", args.database,
                              "demo-accounts"], capture_output=True, text=True, cwd=ROOT)
    if created.returncode:
        raise SystemExit(created.stderr)
    if args.service:
        result = service(args.database, args.login, households, offers, args.repeat)
        path = write_results("matching-service", args.database, {
            "login": args.login, "households": len(households), "offers": len(offers), "repeat": args.repeat,
            "pages": result})
        print(f"results: {path}")
        return
    log = ROOT / "bench" / "out" / "gunicorn-matching.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    server = start_server(args.database, args.port, args.workers, log, conf=args.conf)
    time.sleep(args.settle)
    try:
        cookies = []
        for _ in range(args.sessions):
            client = Client(args.port)
            client.login(args.login)
            cookies.append(client.cookie)
        results = {}
        for seed, kind in enumerate(args.kinds, start=1):
            urls = paths(kind, households, offers)
            def run(seconds: float, draw: int, budget: int, urls: list[str] = urls) -> dict:
                if args.driver == "wrk":
                    return load_wrk(args.port, cookies, urls, args.clients, seconds, draw)
                return load(args.port, cookies, urls, args.clients, seconds, budget, draw)

            if args.warmup > 0:
                run(args.warmup, seed + 100, 10**9)
            load_avg = os.getloadavg()[0]
            cpu = server_cpu_seconds(server)
            r = run(args.seconds, seed, args.max_requests)
            cpu = server_cpu_seconds(server) - cpu
            r["load_average_before"] = round(load_avg, 2)
            r["load_average_after"] = round(os.getloadavg()[0], 2)
            # The workers' CPU per request served (every request counted, errors included).
            r["server_cpu_ms_per_request"] = round(cpu * 1000 / max(1, r["requests"] + r["errors"]), 2)
            results[kind] = r
            print(f"{kind}: {r['requests']} requests in {r['seconds']} s ({r['requests_per_s']}/s), errors "
                  f"{r['errors']}: p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms, p99 {r['p99_ms']} ms; server CPU "
                  f"{r['server_cpu_ms_per_request']} ms/request; load {load_avg:.1f} → "
                  f"{r['load_average_after']:.1f}"
                  + (f"; connections per worker {r['connections_per_worker']}" if "connections_per_worker" in r else ""),
                  flush=True)
        path = write_results("matching", args.database, {
            "workers": args.workers, "clients": args.clients, "sessions": args.sessions, "login": args.login,
            "households": len(households), "offers": len(offers), "seconds_per_page": args.seconds,
            "warmup_seconds": args.warmup, "driver": args.driver, "pages": results, "target_p95_ms": 100,
            "gunicorn": "web/gunicorn_conf.py (gthread)" if args.conf else "sync workers",
            "code": str(Path(sys.executable).parents[1])})
        print(f"results: {path}")
    finally:
        stop_server(server)


if __name__ == "__main__":
    main()
