"""Housing-aid simulation: our service against the OpenFisca Web API, in the same run.

Starts both on loopback from .venv-simulation (the same OpenFisca-France), warms them, then
measures, with the app's own client payloads (housing_aid/situation.py):
- one household (p50 / p95 over N calls, each a different household so nothing is cached),
- a batch of 100 and of 1,000 households (one request each, 3 runs, best and median),
- the resident memory (RSS) of each service's processes (gunicorn: master + workers).
Writes bench/results/simulation.json; the figures go to bench/RESULTS.md by hand.

    .venv/bin/python bench/bench_simulation.py [--ours PORT] [--webapi PORT] [--singles N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path

from relogement.housing_aid import situation as sit

ROOT = Path(__file__).resolve().parent.parent
PY = ROOT / ".venv-simulation" / "bin"
MONTH = date(2026, 12, 1)
COMMUNES = ["Lille", "Roubaix", "Tourcoing", "Paris", "Auch", "Villeneuve-d'Ascq"]


def batch(n: int, seed: int) -> dict:
    situation = sit.empty()
    for i in range(n):
        k = seed * 100_000 + i
        ages = [35 + k % 20] + ([33] if k % 3 else []) + [k % 17 for _ in range(k % 4)]
        inputs = sit.inputs_of(ages, 90_000 + (k * 137) % 200_000,
                               {"rent_cents": 30_000 + (k * 71) % 40_000, "charges_cents": 8_000,
                                "typology": "T3", "commune": COMMUNES[k % len(COMMUNES)]})
        sit.add_case(situation, f"h{i}", inputs, MONTH)
    return situation


def post(url: str, payload: dict) -> float:
    data = json.dumps(payload).encode()
    started = time.perf_counter()
    request = urllib.request.Request(f"{url}/calculate", data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=600) as response:
        answer = json.loads(response.read())
    elapsed = time.perf_counter() - started
    assert all(v["aide_logement"][sit.month_key(MONTH)] is not None for v in answer["familles"].values() if "aide_logement" in v)
    return elapsed


def rss_mb(pid: int) -> float:
    """RSS of a process and its children (MB)."""
    pids = [pid]
    try:
        children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    total = 0
    for p in pids:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return round(total / 1024, 1)


def wait(url: str, path: str, seconds: int = 300) -> None:
    for _ in range(seconds):
        try:
            urllib.request.urlopen(f"{url}{path}", timeout=5)
            return
        except OSError:
            time.sleep(1)
    raise SystemExit(f"{url} not ready")


def measure(name: str, url: str, pid: int, singles: int) -> dict:
    for _ in range(2):  # warm every worker a little (the Web API has several)
        post(url, batch(1, 0))
    one = [post(url, batch(1, 1 + i)) for i in range(singles)]
    runs = {n: [post(url, batch(n, 1000 + n + r)) for r in range(3)] for n in (100, 1000)}
    result = {
        "service": name,
        "one_p50_s": round(statistics.median(one), 3),
        "one_p95_s": round(statistics.quantiles(one, n=20)[-1], 3),
        "batch_100_s": [round(t, 2) for t in runs[100]],
        "batch_1000_s": [round(t, 2) for t in runs[1000]],
        "rss_mb": rss_mb(pid),
    }
    print(json.dumps(result), flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ours", type=int, default=5791)
    parser.add_argument("--webapi", type=int, default=5792)
    parser.add_argument("--singles", type=int, default=20)
    args = parser.parse_args()
    ours = subprocess.Popen([str(PY / "python"), str(ROOT / "housing_aid" / "service.py"), "--port", str(args.ours)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    webapi = subprocess.Popen([str(PY / "openfisca"), "serve", "--country-package", "openfisca_france",
                               "--port", str(args.webapi)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        ours_url, webapi_url = f"http://127.0.0.1:{args.ours}", f"http://127.0.0.1:{args.webapi}"
        wait(ours_url, "/health")
        wait(webapi_url, "/spec")
        results = [measure("relogement housing_aid service (1 process)", ours_url, ours.pid, args.singles),
                   measure("openfisca serve (Web API, gunicorn)", webapi_url, webapi.pid, args.singles)]
    finally:
        for process in (ours, webapi):
            process.terminate()
            process.wait(timeout=30)
    out = {"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "load_average": os.getloadavg(),
           "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout.strip(),
           "results": results}
    (ROOT / "bench" / "results" / "simulation.json").write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
