"""The first request after a start: a user arriving at a started server (issue 19, < 300 ms).

Starts gunicorn with the production settings (``-c python:relogement.web.gunicorn_conf``),
sends nothing for ``--settle`` seconds (the workers boot; with ``post_worker_init`` they
also prepare themselves: templates compiled, dashboards computed), then times the very
first requests of a user whose session survived the restart: the dashboard, the same
again, the reste-à-vivre, the semestrial report page. ``--no-prepare`` runs the same
settings without the worker preparation (the behaviour before it). Each variant runs
``--runs`` times, alternately. Writes bench/results/first-request-<time>.json.

    .venv/bin/python bench/bench_first_request.py --database sqlite:///bench/out/live6000.sqlite
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_web import Client  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["/tableau-de-bord", "/tableau-de-bord", "/reste-a-vivre", "/rapport-semestriel"]


def start(database: str, port: int, prepare: bool, log: Path) -> subprocess.Popen:
    conf = "python:relogement.web.gunicorn_conf"
    if not prepare:
        handle = tempfile.NamedTemporaryFile("w", suffix=".py", delete=False)
        handle.write("from relogement.web.gunicorn_conf import *  # noqa\n"
                     "from relogement.web import gunicorn_conf as _c\n"
                     "globals().pop('post_worker_init', None)\n"
                     "when_ready = _c.when_ready\n")
        handle.close()
        conf = handle.name
    env = {**os.environ, "DATABASE_URL": database, "SECRET_KEY": "bench-first-request",
           "RELOGEMENT_SECURE_COOKIES": "0", "GUNICORN_BIND": f"127.0.0.1:{port}",
           "RELOGEMENT_DATA_DIR": str(ROOT / "bench" / "out" / "web-data")}
    return subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c", conf, "relogement.runtime:create_app()"],
                            env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True)


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def session_cookie(args: argparse.Namespace, log: Path) -> str:
    server = start(args.database, args.port, False, log)
    try:
        for _ in range(180):
            try:
                client = Client(args.port)
                client.login(args.login)
                return client.cookie
            except (OSError, SystemExit, AttributeError):
                time.sleep(1)
        raise SystemExit("no login")
    finally:
        stop(server)


def one_start(args: argparse.Namespace, prepare: bool, cookie: str, log: Path) -> dict:
    server = start(args.database, args.port, prepare, log)
    try:
        time.sleep(args.settle)
        client = Client(args.port, cookie)
        timings = []
        for path in args.pages:
            began = time.perf_counter()
            status, _, _ = client.request("GET", path)
            timings.append({"path": path, "status": status, "ms": round((time.perf_counter() - began) * 1000)})
        return {"prepare": prepare, "load_average": os.getloadavg(), "requests": timings}
    finally:
        stop(server)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument("--login", default="mel.partenaire")
    parser.add_argument("--settle", type=float, default=40.0, help="seconds between the start and the first request")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pages", nargs="+", default=PAGES,
                        help="paths asked in this order (default: dashboard twice, reste-à-vivre, report)")
    parser.add_argument("--prepared-only", action="store_true", help="only the variant with the worker preparation")
    args = parser.parse_args()
    log = ROOT / "bench" / "out" / "gunicorn-first-request.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    cookie = session_cookie(args, log)
    results = []
    for _ in range(args.runs):
        for prepare in ((True,) if args.prepared_only else (False, True)):
            result = one_start(args, prepare, cookie, log)
            print(json.dumps(result), flush=True)
            results.append(result)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    out = {"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "commit": commit, "database": args.database.split("://")[0],
           "settle_seconds": args.settle, "results": results}
    name = f"first-request-{time.strftime('%Y%m%dT%H%MZ', time.gmtime())}.json"
    (ROOT / "bench" / "results" / name).write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
