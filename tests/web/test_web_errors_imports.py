"""Bad input gives a French message and a 4xx (never 500), forms keep what was typed;
imports validate every row, are all-or-nothing and idempotent; login is rate-limited;
auditors read the past."""

from __future__ import annotations

import html
import io
import re
from uuid import uuid4

from relogement.web.demo_accounts import DEMO_PASSWORD
from relogement.web.importer import HOUSEHOLD_COLUMNS, OFFER_COLUMNS


def test_bad_query_strings_are_400_in_french(world, client_for):
    c = client_for("vcl.charge")
    r = c.get("/offres?loyer_max=beaucoup&qpv=peut-etre")
    assert r.status_code == 400
    assert "Montant invalide « beaucoup »" in r.text
    assert 'value="beaucoup"' in r.text  # the filter keeps what was typed
    assert c.get("/menages?statut=inconnu").status_code == 400
    assert c.get("/propositions?etat=hier").status_code == 400
    assert c.get("/offres?bailleur=pas-un-uuid").status_code == 400
    r = c.get("/offres/pas-un-identifiant")
    assert r.status_code == 404 and "Page introuvable" in r.text
    assert c.get(f"/propositions/{uuid4()}").status_code == 404
    assert c.get(f"/menages/{uuid4()}").status_code == 404
    assert c.get("/import/modele/inconnu.csv").status_code == 404


def test_form_errors_keep_the_input(world, client_for):
    c = client_for("lmh.charge")
    r = c.post("/offres/nouvelle", {"adresse": "3 rue Solférino", "loyer": "12,3,4", "typologie": "T9"})
    assert r.status_code == 422
    assert 'value="3 rue Solférino"' in r.text and 'value="12,3,4"' in r.text
    assert "Montant invalide" in r.text and "Choix invalide" in r.text
    assert "Ce champ est obligatoire." in r.text
    # A domain rule (the offer is proposed elsewhere) → 409 with its French message.
    app = world.app.extensions["relogement"]
    app.make_proposal(world.ids["household"], world.ids["offer"], 20_000, world.world.actor("VCL"))
    r = c.post(f"/offres/{world.ids['offer']}/retrait", {"motif": "Travaux"})
    assert r.status_code == 409
    assert "proposition en cours" in r.text and 'value="Travaux"' in r.text


def test_htmx_filter_returns_the_fragment(world, client_for):
    c = client_for("vls.partenaire")
    r = c.get("/offres?typologie=T3", headers={"HX-Request": "true", "HX-Target": "offres-resultats"})
    assert r.status_code == 200
    assert r.text.lstrip().startswith('<div id="offres-resultats">')
    assert "<html" not in r.text


def _csv(columns, rows) -> bytes:
    import csv

    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([c[0] for c in columns])
    for row in rows:
        writer.writerow([row.get(c[0], "") for c in columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


HOUSEHOLD = {
    "reference": "VCL-0001", "operation": "DEM-MOU-1", "nom": "Famille Import", "ages": "41; 12",
    "ressources": "1 450,00", "apl": "180", "typologie": "T3", "surface": "64", "loyer": "390,00",
    "charges": "85", "souhait_typologies": "T3", "droit_au_retour": "non",
}


def _count(world) -> int:
    return world.app.extensions["relogement"].recorder.max_notification_id()


def test_import_households_all_or_nothing_and_idempotent(world, client_for):
    c = client_for("vcl.charge")
    bad = [HOUSEHOLD, {**HOUSEHOLD, "reference": "VCL-0002", "ages": "", "loyer": "cher"},
           {**HOUSEHOLD, "reference": "VCL-0001", "operation": "X"}]
    before = _count(world)
    r = c.post("/import/menages", {"fichier": (io.BytesIO(_csv(HOUSEHOLD_COLUMNS, bad)), "menages.csv")},
               content_type="multipart/form-data")
    assert r.status_code == 422
    assert "Aucune ligne importée" in r.text
    for fragment in ("<td class=\"num\">3</td>", "ages", "loyer", "operation", "en double"):
        assert fragment in r.text
    assert _count(world) == before  # nothing written

    good = [HOUSEHOLD, {**HOUSEHOLD, "reference": "VCL-0002", "nom": "Famille Deux"}]
    data = _csv(HOUSEHOLD_COLUMNS, good)
    r = c.post("/import/menages", {"fichier": (io.BytesIO(data), "menages.csv")}, content_type="multipart/form-data")
    assert r.status_code == 200 and "2 ligne(s) importée(s)" in r.text
    after = _count(world)
    r = c.post("/import/menages", {"fichier": (io.BytesIO(data), "menages.csv")}, content_type="multipart/form-data")
    assert r.status_code == 200 and "0 ligne(s) importée(s), 2 déjà présente(s)" in r.text
    assert _count(world) == after  # re-import changes nothing
    assert "Famille Deux" in c.get("/menages?recherche=deux").text


def test_an_import_too_large_is_refused_whole(world, client_for, monkeypatch):
    from relogement.web import importer

    monkeypatch.setattr(importer, "MAX_IMPORT_ROWS", 2)
    c = client_for("vcl.charge")
    rows = [{**HOUSEHOLD, "reference": f"VCL-00{i}"} for i in range(1, 4)]
    before = _count(world)
    r = c.post("/import/menages", {"fichier": (io.BytesIO(_csv(HOUSEHOLD_COLUMNS, rows)), "menages.csv")},
               content_type="multipart/form-data")
    assert r.status_code == 422
    assert "Le fichier contient plus de 2 lignes : au plus 2 par import" in r.text
    assert _count(world) == before


def test_import_offers_xlsx_and_templates(world, client_for):
    from openpyxl import Workbook

    c = client_for("lmh.charge")
    template = c.get("/import/modele/offres.xlsx")
    assert template.status_code == 200 and template.data[:2] == b"PK"
    assert c.get("/import/modele/menages.csv").data.decode("utf-8-sig").startswith("reference;operation")
    book = Workbook()
    sheet = book.active
    sheet.append([col[0] for col in OFFER_COLUMNS])
    example = {col[0]: col[3] for col in OFFER_COLUMNS}
    sheet.append([example[col[0]] for col in OFFER_COLUMNS])
    sheet.append([{**example, "reference": "LMH-0002", "surface": 55, "loyer": 410.5}[col[0]] for col in OFFER_COLUMNS])
    out = io.BytesIO()
    book.save(out)
    r = c.post("/import/offres", {"fichier": (io.BytesIO(out.getvalue()), "offres.xlsx")}, content_type="multipart/form-data")
    assert r.status_code == 200, r.text
    assert "2 ligne(s) importée(s)" in r.text
    assert "410,50" in c.get("/offres").text
    # A row in one of the project's quartiers with the other QPV status: its line and column.
    book = Workbook()
    sheet = book.active
    sheet.append([col[0] for col in OFFER_COLUMNS])
    sheet.append([{**example, "reference": "LMH-0003", "quartier": "Moulins", "qpv": "non"}[col[0]]
                  for col in OFFER_COLUMNS])
    out = io.BytesIO()
    book.save(out)
    r = c.post("/import/offres", {"fichier": (io.BytesIO(out.getvalue()), "offres.xlsx")}, content_type="multipart/form-data")
    assert r.status_code == 422
    row = re.search(r"<tr>\s*<td[^>]*>2</td>\s*<td[^>]*>qpv</td>\s*<td[^>]*>([^<]+)</td>", r.text)
    assert row and "« Moulins » du projet est un quartier prioritaire" in html.unescape(row.group(1)), r.text[-1500:]
    r = c.post("/import/offres", {"fichier": (io.BytesIO(b"pas un tableur"), "offres.xlsx")}, content_type="multipart/form-data")
    assert r.status_code == 422 and "illisible" in r.text
    r = c.post("/import/offres", {"fichier": (io.BytesIO(b"x"), "offres.pdf")}, content_type="multipart/form-data")
    assert r.status_code == 422 and "Format non reconnu" in r.text


def test_login_is_rate_limited(web_app, world):
    from tests.web.conftest import Client

    web_app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    client = Client(web_app)
    statuses = [client.login("vcl.charge", "mauvais-mot-de-passe").status_code for _ in range(3)]
    assert statuses == [401, 401, 401]


def test_login_rate_limit_default(database_url, clock, tmp_path):
    from relogement.runtime import create_app
    from tests.web.conftest import Client

    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "k",
                      "RELOGEMENT_DATA_DIR": str(tmp_path), "CLOCK": clock})
    try:
        client = Client(app)
        statuses = [client.login("inconnu", "mauvais-mot-de-passe").status_code for _ in range(11)]
        assert statuses[:10] == [401] * 10
        assert statuses[10] == 429
        r = client.client.post("/connexion", data={"identifiant": "a", "mot_de_passe": "b", "csrf_token": client.token})
        assert r.status_code == 429 and "patientez une minute" in r.text
        r = client.get("/connexion")
        assert r.status_code == 200
    finally:
        app.extensions["relogement"].close()


def _attempt(app, login: str, password: str, address: str = "127.0.0.1"):
    from tests.web.conftest import Client

    client = Client(app)
    client.client.environ_base["REMOTE_ADDR"] = address
    return client.login(login, password)


def test_only_failed_logins_count_per_address(web_app, world):
    # An office behind one address: its users' correct logins never lock it out...
    web_app.config["LOGIN_RATE_LIMIT"] = "10 per minute"  # the default
    for _ in range(8):
        for login in ("lmh.charge", "vcl.charge", "mel.partenaire"):
            assert _attempt(web_app, login, DEMO_PASSWORD).status_code == 302
    # ...but an address that keeps failing (whatever the logins tried) is stopped,
    statuses = [_attempt(web_app, f"inconnu{i}", "mauvais-mot-de-passe").status_code for i in range(11)]
    assert statuses == [401] * 10 + [429]
    # even with a right password, until the minute is over; other addresses go on.
    r = _attempt(web_app, "lmh.charge", DEMO_PASSWORD)
    assert r.status_code == 429
    assert "échouées depuis cette adresse : patientez une minute" in r.text
    assert _attempt(web_app, "lmh.charge", DEMO_PASSWORD, "10.0.0.9").status_code == 302


def test_failed_logins_count_per_login_from_any_address(web_app, world):
    # A login guessed from many addresses (each under its own limit) is stopped too.
    assert web_app.config["LOGIN_RATE_LIMIT_PER_LOGIN"] == "10 per 15 minutes"
    statuses = [
        _attempt(web_app, "vcl.charge", "mauvais-mot-de-passe", f"10.0.0.{i}").status_code
        for i in range(11)
    ]
    assert statuses == [401] * 10 + [429]
    r = _attempt(web_app, " VCL.Charge ", DEMO_PASSWORD, "10.0.1.1")  # same login, other spelling
    assert r.status_code == 429
    assert "échouées pour cet identifiant : patientez 15 minutes" in r.text
    # The other logins, from the same addresses, are not affected.
    assert _attempt(web_app, "lmh.charge", DEMO_PASSWORD, "10.0.0.1").status_code == 302


def test_session_cookie_settings(web_app):
    assert web_app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert web_app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    from werkzeug.security import check_password_hash  # noqa: F401

    user = web_app.extensions["relogement.accounts"]
    from uuid import uuid4 as u

    created = user.create("x.y", "un-mot-de-passe-long", u(), "partenaire")
    from sqlalchemy import text

    with user.engine.connect() as conn:
        stored = conn.execute(text("select password_hash from web_users where login='x.y'")).scalar()
    assert stored.startswith("scrypt:") and "un-mot-de-passe-long" not in stored
    assert created.role == "partenaire"


def test_auditor_reads_the_past(world, client_for, clock):
    app = world.app.extensions["relogement"]
    clock.advance(days=2)  # 04/03/2026
    proposal = app.make_proposal(world.ids["household"], world.ids["offer"], 20_000, world.world.actor("VCL"))
    auditor = client_for("anru.auditeur")
    assert auditor.get(f"/propositions/{proposal}").status_code == 200
    r = auditor.post("/historique/date", {"au": "02/03/2026", "retour": "/offres"})
    assert r.status_code == 302
    assert auditor.get(f"/propositions/{proposal}").status_code == 404  # did not exist yet
    page = auditor.get(f"/offres/{world.ids['offer']}").text
    assert "état au 02/03/2026 23:59" in page and "Disponible" in page
    auditor.post("/historique/date", {"action": "aujourdhui"})
    assert auditor.get(f"/propositions/{proposal}").status_code == 200
    # An hour without a date, or a wrong hour, is said so (not silently ignored).
    r = auditor.post("/historique/date", {"au": "", "heure": "14:30", "retour": "/offres"})
    assert r.status_code == 422 and "Indiquez aussi la date" in r.text
    r = auditor.post("/historique/date", {"au": "02/03/2026", "heure": "25:99", "retour": "/offres"})
    assert r.status_code == 422 and "Heure invalide" in r.text
    # ... keeping what was typed in the bar, with the way back to the page being read.
    assert 'value="02/03/2026"' in r.text and 'value="25:99"' in r.text and 'href="/offres"' in r.text
    assert "Historique : état au" not in r.text  # the state shown did not change (live)
    assert 'name="retour" value="/offres"' in r.text  # the bar there returns to /offres too
    # A day to come: said so, and the present (live) is shown.
    auditor.post("/historique/date", {"au": "02/03/2026", "retour": "/offres"})
    r = auditor.post("/historique/date", {"au": "31/12/2030", "retour": "/offres"})
    assert r.status_code == 302
    page = auditor.get("/offres").text
    assert "31/12/2030 est à venir" in page and "Historique : état au" not in page
    # Reloading the address a form was posted to leads back to the page it belongs to.
    r = auditor.get(f"/propositions/{proposal}/opposition")
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/propositions/{proposal}")
    # Another role cannot pick a date.
    assert client_for("vcl.charge").post("/historique/date", {"au": "02/03/2026"}).status_code == 403
