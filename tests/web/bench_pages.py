"""Time the web pages on a realistic store (not collected by pytest: run it by hand).

    relogement --database sqlite:////tmp/demo/relogement.sqlite demo --households 2000
    python -m tests.web.bench_pages sqlite:////tmp/demo/relogement.sqlite

Builds the app on that store (catching the read models up first), creates the demo
accounts, then requests every page as a bailleur's officer, a partner, an auditor (live
and as of a past date) and the administrator: each page twice (cold, then warm: the
report caches fill on the first request) and prints the times and the number of SQL
statements per request (N+1 queries would show as counts growing with the data).
"""

from __future__ import annotations

import re
import sys
import time
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import event

from relogement.runtime import create_app
from relogement.web.demo_accounts import DEMO_PASSWORD, create_demo_accounts

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@contextmanager
def counting(engines):
    counts = {"n": 0}

    def before(*args, **kwargs):  # noqa: ANN002, ANN003
        counts["n"] += 1

    for engine in engines:
        event.listen(engine, "before_cursor_execute", before)
    try:
        yield counts
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", before)


def main(url: str) -> None:
    started = time.perf_counter()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True,
                      "RELOGEMENT_DATA_DIR": "/tmp/bench-web", "LOGIN_RATE_LIMIT": "1000 per minute"})
    print(f"app ready (read models caught up) in {time.perf_counter() - started:.1f} s")
    relocation = app.extensions["relogement"]
    readmodels = app.extensions["relogement.readmodels"]
    create_demo_accounts(app.extensions["relogement.accounts"], readmodels.organisations())
    engines = {readmodels.db, app.extensions["relogement.runner"].engine, relocation.privacy.engine}
    households = readmodels.households_page(lambda r: False, lambda r: False, lambda ids, p: None).items
    household = households[len(households) // 2].id
    proposal = readmodels.proposals_page(datetime.now(tz=UTC)).items[0].id
    offer = readmodels.offers_page().items[0].id
    pages = [
        "/tableau-de-bord", "/offres", "/offres?statut=toutes&page=3", f"/offres/{offer}", "/menages",
        "/menages?statut=reloge&page=5", f"/menages/{household}", "/propositions",
        "/propositions?etat=toutes&page=10", f"/propositions/{proposal}", "/reste-a-vivre",
        "/reste-a-vivre?liste=sous_seuil&convention=uc", "/rapport-semestriel",
        "/rapport-semestriel.xlsx", "/notifications", "/notifications?afficher=toutes&page=4",
    ]
    logins = {
        "vil.charge": pages,
        "v-lille.partenaire": pages,
        "mous.charge": ["/menages", f"/menages/{household}"],
        "anru.auditeur": pages + ["/admin/journal-des-acces"],
        "admin": ["/admin/donnees-personnelles", "/admin/journal-des-acces"],
    }
    for login, paths in logins.items():
        client = app.test_client()
        token = TOKEN.search(client.get("/connexion").text).group(1)
        r = client.post("/connexion", data={"identifiant": login, "mot_de_passe": DEMO_PASSWORD, "csrf_token": token})
        if r.status_code != 302:
            print(f"{login}: cannot log in ({r.status_code})")
            continue
        variants = [("", paths)]
        if login == "anru.auditeur":
            page = client.get("/offres").text
            token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
            variants.append(("as of 30/06/2025", paths))
        for label, chosen in variants:
            if label:
                client.post("/historique/date", data={"au": "30/06/2025", "csrf_token": token})
            print(f"\n{login} {label}")
            for path in chosen:
                times = []
                for _ in range(2):
                    with counting(engines) as counts:
                        t0 = time.perf_counter()
                        response = client.get(path)
                        times.append(time.perf_counter() - t0)
                print(f"  {response.status_code} {times[0] * 1000:7.0f} ms cold {times[1] * 1000:7.0f} ms warm "
                      f"{counts['n']:4d} SQL  {path}")
    relocation.close()


if __name__ == "__main__":
    main(sys.argv[1])
