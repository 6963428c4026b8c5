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


EXPLICIT_MONTHS = True  # --derived-months: the situations as before session 10 (zero salaries derived)


def batch(n: int, seed: int) -> dict:
    situation = sit.empty()
    for i in range(n):
        k = seed * 100_000 + i
        ages = [35 + k % 20] + ([33] if k % 3 else []) + [k % 17 for _ in range(k % 4)]
        inputs = sit.inputs_of(ages, 90_000 + (k * 137) % 200_000,
                               {"rent_cents": 30_000 + (k * 71) % 40_000, "charges_cents": 8_000,
                                "typology": "T3", "commune": COMMUNES[k % len(COMMUNES)]})
        sit.add_case(situation, f"h{i}", inputs, MONTH, explicit_months=EXPLICIT_MONTHS)
    return situation


TIMEOUT = 300


def post(url: str, payload: dict) -> float:
    data = json.dumps(payload).encode()
    started = time.perf_counter()
    request = urllib.request.Request(f"{url}/calculate", data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        answer = json.loads(response.read())
    elapsed = time.perf_counter() - started
    assert all(v["aide_logement"][sit.month_key(MONTH)] is not None for v in answer["familles"].values() if "aide_logement" in v)
    return elapsed


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the process has used so far: a figure the other processes'
    load barely changes, unlike the wall-clock times."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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


def _timed(url: str, payload: dict) -> float | str:
    try:
        return round(post(url, payload), 2)
    except OSError:  # a timeout, or a worker killed by gunicorn's own timeout
        return f"> {TIMEOUT} s or failed"


def measure(name: str, url: str, pid: int, singles: int, runs: int) -> dict:
    for _ in range(2):  # warm every worker a little (the Web API has several)
        post(url, batch(1, 0))
    one, one_cpu = [], []
    for i in range(singles):
        before = cpu_seconds(pid)
        one.append(post(url, batch(1, 1 + i)))
        one_cpu.append(cpu_seconds(pid) - before)
    result = {
        "service": name,
        "load_average_before": os.getloadavg(),
        "one_p50_s": round(statistics.median(one), 3),
        "one_p95_s": round(statistics.quantiles(one, n=20)[-1], 3) if len(one) >= 2 else round(one[0], 3),
        "one_cpu_p50_s": round(statistics.median(one_cpu), 3),
        "one_cpu_p95_s": round(statistics.quantiles(one_cpu, n=20)[-1], 3) if len(one_cpu) >= 2 else round(one_cpu[0], 3),
        "rss_mb_after_singles": rss_mb(pid),
    }
    print(json.dumps(result), flush=True)
    for n in (100, 1000):
        times, cpus = [], []
        for r in range(runs):
            before = cpu_seconds(pid)
            times.append(_timed(url, batch(n, 1000 + n + r)))
            cpus.append(round(cpu_seconds(pid) - before, 2))
        result[f"batch_{n}_s"], result[f"batch_{n}_cpu_s"] = times, cpus
        print(json.dumps(result), flush=True)
    result["rss_mb"] = rss_mb(pid)
    print(json.dumps(result), flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ours", type=int, default=5791)
    parser.add_argument("--webapi", type=int, default=5792)
    parser.add_argument("--singles", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", choices=["ours", "webapi"], default=None)
    parser.add_argument("--label", default="", help="added to the result file's name (e.g. before, after)")
    parser.add_argument("--derived-months", action="store_true",
                        help="leave the zero salaries to the model (the situations before session 10)")
    args = parser.parse_args()
    global EXPLICIT_MONTHS
    EXPLICIT_MONTHS = not args.derived_months
    results = []
    ours_url, webapi_url = f"http://127.0.0.1:{args.ours}", f"http://127.0.0.1:{args.webapi}"
    # One service at a time: the other one loading beside it would skew the timings.
    if args.only in (None, "ours"):
        results.append(_run([str(PY / "python"), str(ROOT / "housing_aid" / "service.py"), "--port", str(args.ours)],
                            "relogement housing_aid service (1 process)", ours_url, "/health", args))
    if args.only in (None, "webapi"):
        results.append(_run([str(PY / "openfisca"), "serve", "--country-package", "openfisca_france",
                             "--port", str(args.webapi)], "openfisca serve (Web API, gunicorn)", webapi_url, "/spec", args))
    _write(results, args)


def _run(command: list[str], name: str, url: str, ready: str, args: argparse.Namespace) -> dict:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait(url, ready)
        return measure(name, url, process.pid, args.singles, args.runs)
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()


def _write(results: list[dict], args: argparse.Namespace) -> None:
    out = {"explicit_months": EXPLICIT_MONTHS, "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "load_average": os.getloadavg(),
           "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout.strip(),
           "results": results}
    (ROOT / "bench" / "results" / f"simulation-{args.only or 'both'}{'-' + args.label if args.label else ''}-{time.strftime('%Y%m%dT%H%MZ', time.gmtime())}.json").write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
