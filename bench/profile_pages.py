"""Where a page's time goes: one process, Flask's test client, no HTTP server.

    python bench/profile_pages.py --database sqlite:///bench/out/demo6000.sqlite
    python bench/profile_pages.py --database … --profile bench/out/pages.html

Logs in as ``--login`` (default the pilot EPCI's partner, as bench_web.py), requests
each page once to warm the caches, then ``--repeat`` times and prints the per-request
mean and best in milliseconds: the service time of one request with no queue (the
floor of bench_web.py's latencies). ``--profile FILE`` writes a pyinstrument HTML
profile of the repeated requests (``pip install pyinstrument``).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--login", default="mel.partenaire")
    parser.add_argument("--password", default="demo-relogement")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--pages", nargs="*", default=None)
    parser.add_argument("--profile", default=None)
    parser.add_argument("--settle", type=float, default=15.0,
                        help="seconds to wait after the warm-up (the app prepares reports in the background)")
    args = parser.parse_args()
    os.environ.setdefault("RELOGEMENT_SECURE_COOKIES", "0")
    os.environ.setdefault("RELOGEMENT_DATA_DIR", "bench/out/web-data")

    from relogement.runtime import create_app

    app = create_app({"DATABASE_URL": args.database, "SECRET_KEY": "profile", "RELOGEMENT_POLL_SECONDS": 0})
    client = app.test_client()
    token = TOKEN.search(client.get("/connexion").get_data(as_text=True)).group(1)
    answer = client.post("/connexion", data={"identifiant": args.login, "mot_de_passe": args.password,
                                             "csrf_token": token})
    if answer.status_code != 302:
        raise SystemExit(f"{args.login}: cannot log in ({answer.status_code})")
    pages = args.pages
    if not pages:
        listing = client.get("/propositions").get_data(as_text=True)
        proposal = re.search(r'href="(/propositions/[0-9a-f-]{36})"', listing)
        pages = ["/tableau-de-bord", "/menages", "/rapport-semestriel"]
        if proposal:
            pages.insert(2, proposal.group(1))
    for page in pages:  # warm-up: caches, report computed once per position
        status = client.get(page).status_code
        if status != 200:
            raise SystemExit(f"{page}: {status}")
    time.sleep(args.settle)
    profiler = None
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=float(os.environ.get("PROFILE_INTERVAL", "0.0005")))
        profiler.start()
    for page in pages:
        times = []
        for _ in range(args.repeat):
            began = time.perf_counter()
            client.get(page)
            times.append((time.perf_counter() - began) * 1000)
        print(f"{page:60s} mean {statistics.mean(times):7.1f} ms  best {min(times):7.1f} ms")
    if profiler is not None:
        profiler.stop()
        with open(args.profile, "w") as out:
            out.write(profiler.output_html())
        print(profiler.output_text(unicode=False, color=False, show_all=False)[:20000])
    app.extensions["relogement"].close()


if __name__ == "__main__":
    main()
