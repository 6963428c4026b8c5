"""Web pages under load: p50/p95 with concurrent clients, the app served by gunicorn.

    python bench/bench_web.py --database postgresql://postgres@127.0.0.1:5432/relo_bench6000
    python bench/bench_web.py --database sqlite:///bench/out/demo6000.sqlite

On a store already holding a programme (e.g. the 6,000 households):

1. creates the demo accounts (``relogement demo-accounts``; password ``demo-relogement``);
2. starts gunicorn on 127.0.0.1 (``--workers`` sync workers, default 2, like the
   Dockerfile) with ``DATABASE_URL`` and a fixed ``SECRET_KEY``; waits until it answers;
3. from this process (a separate process from the server), logs ``--sessions`` users in
   (the login limit is 10 per minute and per address) and shares their cookies among
   ``--clients`` threads (default 20), each a keep-alive HTTP/1.1 connection;
4. per page (dashboard, household list, one proposal, semestrial report), one first
   request, then ``--warmup`` seconds of discarded load (each worker process fills its
   own caches); then, per page, every client requests the page in a loop, for at most ``--seconds``
   and ``--max-requests`` requests in all; ``--think`` seconds between a client's
   requests (0: closed loop, the harshest: latency = queue + service); ``--write-every S``
   adds a writer process (bench/write_load.py) running one command every S seconds
   meanwhile (0: the programme at rest);
5. stops gunicorn (the process it started, by its id).

Prints p50/p95/p99 per page, requests/s and errors; writes bench/results/web-<db>-<time>.json.
Load only on 127.0.0.1, bounded in time and count.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import latency_summary, write_results  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "demo-relogement"


class Client:
    """One keep-alive connection with a cookie."""

    def __init__(self, port: int, cookie: str | None = None) -> None:
        self.port = port
        self.cookie = cookie
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str, dict]:
        headers = {"Connection": "keep-alive"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                text = response.read().decode("utf-8", "replace")
                return response.status, text, dict(response.getheaders())
            except (http.client.HTTPException, OSError):
                # sync workers close idle keep-alive connections: reconnect once
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def login(self, login: str) -> None:
        status, text, headers = self.request("GET", "/connexion")
        self._keep_cookie(headers)
        token = TOKEN.search(text).group(1)
        body = urllib.parse.urlencode({"identifiant": login, "mot_de_passe": PASSWORD, "csrf_token": token})
        status, _, headers = self.request("POST", "/connexion", body)
        if status != 302:
            raise SystemExit(f"{login}: cannot log in ({status})")
        self._keep_cookie(headers)
        # The first page after login adds the form token to the session (a new cookie), as
        # a browser would keep it: else every request of the load (wrk sends this cookie
        # unchanged) would add the token again and sign a new session cookie.
        _, _, headers = self.request("GET", "/a-traiter")
        self._keep_cookie(headers)

    def _keep_cookie(self, headers: dict) -> None:
        raw = headers.get("Set-Cookie")
        if raw:
            self.cookie = raw.split(";", 1)[0]


def start_server(database: str, port: int, workers: int, log: Path, conf: bool = False) -> subprocess.Popen:
    """gunicorn with ``workers`` sync workers; with ``conf``, the production settings
    (``web/gunicorn_conf.py``: gthread workers, 16 threads each), bound to ``port``."""
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "SECRET_KEY": "bench-web-secret",
        "RELOGEMENT_SECURE_COOKIES": "0",  # plain http on loopback
        "RELOGEMENT_DATA_DIR": str(ROOT / "bench" / "out" / "web-data"),
    }
    command = [
        str(Path(sys.executable).parent / "gunicorn"), *(["-c", "python:relogement.web.gunicorn_conf"] if conf else []),
        "-w", str(workers), "-b", f"127.0.0.1:{port}", "--timeout", "120", "relogement.runtime:create_app()",
    ]
    server = subprocess.Popen(command, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
                              cwd=ROOT, start_new_session=True)
    deadline = time.time() + 180
    while time.time() < deadline:
        try:
            status, _, _ = Client(port).request("GET", "/connexion")
            if status == 200:
                return server
        except OSError:
            pass
        if server.poll() is not None:
            raise SystemExit(f"gunicorn stopped; see {log}")
        time.sleep(1)
    stop_server(server)
    raise SystemExit(f"gunicorn did not answer in 180 s; see {log}")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)  # the group of the gunicorn we started
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def load(port: int, cookies: list[str], path: str, clients: int, seconds: float,
         max_requests: int, think: float) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    budget = [max_requests]
    stop_at = time.perf_counter() + seconds
    barrier = threading.Barrier(clients)

    def worker(i: int) -> None:
        client = Client(port, cookies[i % len(cookies)])
        barrier.wait()
        while time.perf_counter() < stop_at:
            with lock:
                if budget[0] <= 0:
                    return
                budget[0] -= 1
            began = time.perf_counter()
            try:
                status, _, _ = client.request("GET", path)
                ok = status == 200
            except (http.client.HTTPException, OSError) as error:
                ok, status = False, repr(error)
            elapsed = time.perf_counter() - began
            with lock:
                if ok:
                    latencies.append(elapsed)
                else:
                    errors.append(str(status))
            if think:
                time.sleep(think)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    return {"path": path, "requests": len(latencies), "errors": len(errors), "error_samples": errors[:5],
            "seconds": round(wall, 1), "requests_per_s": round(len(latencies) / wall, 1),
            **latency_summary(latencies)}


def load_wrk(port: int, cookies: list[str], urls: list[str], clients: int, seconds: float, seed: int) -> dict:
    """The same closed loop driven by wrk (Debian's package, written in C): ``clients``
    connections over 2 threads, each request a path drawn at random (bench/wrk_paths.lua).
    The Python driver's 20 threads share the 2 vCPU and one GIL with their own parsing; wrk
    leaves the CPU to the server, so its latencies are the server's, not the client's."""
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "wrk-paths.txt").write_text("\n".join(urls) + "\n")
    (out / "wrk-cookies.txt").write_text("\n".join(cookies) + "\n")
    env = {**os.environ, "WRK_PATHS": str(out / "wrk-paths.txt"), "WRK_COOKIES": str(out / "wrk-cookies.txt"),
           "WRK_SEED": str(seed)}
    wrk = subprocess.Popen(["wrk", "-t", "2", "-c", str(clients), "-d", f"{max(1, round(seconds))}s", "--timeout", "10s",
                            "-s", str(ROOT / "bench" / "wrk_paths.lua"), f"http://127.0.0.1:{port}"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    time.sleep(seconds / 2)
    split = connections_per_worker(port)
    stdout, stderr = wrk.communicate()
    if wrk.returncode:
        raise SystemExit(f"wrk failed: {stderr}")
    summary = json.loads(stdout.strip().splitlines()[-1])
    ok = summary["requests"] - summary["not_200"]
    return {"driver": "wrk", "requests": ok, "errors": summary["not_200"] + summary["socket_errors"],
            "seconds": round(summary["seconds"], 1), "requests_per_s": round(ok / summary["seconds"], 1),
            "distinct_targets": len(urls), "p50_ms": summary["p50_ms"], "p95_ms": summary["p95_ms"],
            "p99_ms": summary["p99_ms"], "max_ms": summary["max_ms"], "mean_ms": summary["mean_ms"],
            "connections_per_worker": split}


def connections_per_worker(port: int) -> list[int]:
    """The clients' open connections held by each server process, largest first (``ss``):
    with keep-alive, a connection stays in the worker that accepted it, so an uneven split
    leaves one worker (one GIL, one core) with most of the load."""
    found = subprocess.run(["ss", "-tnpH", "state", "established", f"( sport = :{port} )"],
                           capture_output=True, text=True)
    counts: dict[str, int] = {}
    for pid in re.findall(r"pid=(\d+)", found.stdout):
        counts[pid] = counts.get(pid, 0) + 1
    return sorted(counts.values(), reverse=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--sessions", type=int, default=4)
    parser.add_argument("--login", default=None, help="account (default: the pilot EPCI's partner)")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--max-requests", type=int, default=2000)
    parser.add_argument("--think", type=float, default=0.0)
    parser.add_argument("--pages", nargs="*", default=None)
    parser.add_argument("--write-every", type=float, default=0.0,
                        help="seconds between commands of a concurrent writer process (0: none, the programme at rest)")
    parser.add_argument("--warmup", type=float, default=10.0,
                        help="seconds of discarded load per page before measuring (every worker warms its caches)")
    parser.add_argument("--conf", action="store_true",
                        help="gunicorn with web/gunicorn_conf.py (gthread, 16 threads per worker)")
    parser.add_argument("--driver", choices=["python", "wrk"], default="python",
                        help="the load generator: Python threads (default) or wrk (apt install wrk; closed loop, no --think)")
    args = parser.parse_args()

    created = subprocess.run([str(Path(sys.executable).parent / "relogement"), "--database", args.database,
                              "demo-accounts"], capture_output=True, text=True, cwd=ROOT)
    if created.returncode:
        raise SystemExit(created.stderr)
    logins = [line.strip() for line in created.stdout.splitlines()[1:] if line.strip()]
    listed = subprocess.run([str(Path(sys.executable).parent / "relogement"), "--database", args.database,
                             "users"], capture_output=True, text=True, cwd=ROOT).stdout
    login = args.login or next((x for x in ("mel.partenaire",) if x in listed), None) or logins[0]

    log = ROOT / "bench" / "out" / "gunicorn.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    server = start_server(args.database, args.port, args.workers, log, conf=args.conf)
    started = time.perf_counter() - began
    print(f"gunicorn ({args.workers} workers) answering after {started:.1f} s; user {login}", flush=True)
    try:
        cookies = []
        for _ in range(args.sessions):
            client = Client(args.port)
            client.login(login)
            cookies.append(client.cookie)
        probe = Client(args.port, cookies[0])
        _, households, _ = probe.request("GET", "/menages")
        _, proposals, _ = probe.request("GET", "/propositions?etat=toutes")
        proposal = re.search(r'href="(/propositions/[0-9a-f-]{32,36})"', proposals)
        pages = args.pages or ["/tableau-de-bord", "/menages", proposal.group(1) if proposal else "/propositions",
                               "/rapport-semestriel"]
        results = {}
        first = {}
        for path in pages:
            warm_began = time.perf_counter()
            status, _, _ = probe.request("GET", path)
            first[path] = time.perf_counter() - warm_began
            print(f"{path}: first request {status} in {first[path] * 1000:.0f} ms", flush=True)
        if args.warmup > 0:
            # Each gunicorn worker has its own caches and prepares the dashboards and the
            # default report once in the background: let every worker do so before measuring.
            for path in pages:
                warmed = (load_wrk(args.port, cookies, [path], args.clients, args.warmup, 0) if args.driver == "wrk"
                          else load(args.port, cookies, path, args.clients, args.warmup, 10**9, 0.0))
                print(f"{path}: warm-up {warmed['requests']} requests in {warmed['seconds']} s (discarded)", flush=True)
        writer = None
        if args.write_every > 0:
            # Another process runs a command every few seconds while the pages are read: the
            # position moves, and every worker renews what it keeps per position.
            total = len(pages) * (args.seconds + 5)
            writer = subprocess.Popen(
                [sys.executable, str(ROOT / "bench" / "write_load.py"), "--database", args.database,
                 "--every", str(args.write_every), "--seconds", str(total)],
                stdout=subprocess.PIPE, text=True, cwd=ROOT)
        for path in pages:
            warm = first[path]
            load_avg = os.getloadavg()[0]
            results[path] = (load_wrk(args.port, cookies, [path], args.clients, args.seconds, 1) if args.driver == "wrk"
                             else load(args.port, cookies, path, args.clients, args.seconds, args.max_requests, args.think))
            results[path]["first_request_ms"] = round(warm * 1000, 1)
            results[path]["load_average_before"] = round(load_avg, 2)
            r = results[path]
            print(f"  {r['requests']} requests in {r['seconds']} s ({r['requests_per_s']}/s), errors {r['errors']}: "
                  f"p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms, p99 {r['p99_ms']} ms", flush=True)
        writes = None
        if writer is not None:
            writes = (writer.communicate(timeout=len(pages) * args.seconds + 120)[0] or "").strip()
            print(f"writer: {writes or 'stopped before its report'}", flush=True)
        payload = {"driver": args.driver, "gunicorn": "web/gunicorn_conf.py (gthread)" if args.conf else "sync workers",
                   "workers": args.workers, "write_every_seconds": args.write_every, "writer": writes, "clients": args.clients, "sessions": args.sessions, "login": login,
                   "think_seconds": args.think, "seconds_per_page": args.seconds,
                   "warmup_seconds_per_page": args.warmup,
                   "max_requests_per_page": args.max_requests, "server_start_seconds": round(started, 1),
                   "pages": results, "target_p95_ms_postgres": 150}
        path = write_results("web", args.database, payload)
        print(f"results: {path}")
    finally:
        stop_server(server)


if __name__ == "__main__":
    main()
