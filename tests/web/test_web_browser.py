"""A whole inter-bailleur relocation in headless Chromium (Debian's), with screenshots.

Bailleur A (LMH) publishes an offer; bailleur B's officer (Vilogia) proposes it to one
of B's households; the city objects, then lifts its objection; the household accepts;
48 hours pass (the app's clock is injected); A's CALEOL grants the attribution; the
lease is signed; the proposal and the dashboard show an inter-bailleur relocation.
Then the city reads the reste-à-vivre follow-up and the semestrial report (XLSX
downloaded) and its inbox (unread count in the header, all marked read); the auditor
reads the access log and the dashboard as it stood before the proposal; the
administrator erases the household's personal data, which then shows "ménage effacé".

A second test loads a realistic programme (the demo generator, a few dozen households
over three years) and photographs the report pages with real volumes.
Screenshots: test-artifacts/.
"""

from __future__ import annotations

import re
import threading

import pytest

from relogement.runtime import create_app
from relogement.simulation import sample
from relogement.web.demo_accounts import DEMO_PASSWORD, create_demo_accounts
from tests.conftest import FakeClock
from tests.web.conftest import ARTIFACTS, BROWSER_MARKS, demo_programme, launch_chromium, served

pytestmark = BROWSER_MARKS


@pytest.fixture
def server(tmp_path):
    from werkzeug.serving import make_server

    clock = FakeClock()
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'browser.sqlite'}",
            "SECRET_KEY": "browser-test",
            "RELOGEMENT_DATA_DIR": str(tmp_path),
            "CLOCK": clock,
        }
    )
    relocation = app.extensions["relogement"]
    world = sample.build_world(relocation)
    household = sample.register(world, bailleur="VCL", name="Famille Benali")
    reference = relocation.household(household).reference
    sample.register(world, bailleur="LMH", name="Famille Martin")
    relocation.publish_offer(world.project_id, sample.dwelling(), world.actor("VCL"))
    create_demo_accounts(
        app.extensions["relogement.accounts"], app.extensions["relogement.readmodels"].organisations()
    )
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield {
            "url": f"http://127.0.0.1:{httpd.server_port}", "clock": clock, "household": household,
            "reference": reference,
        }
    finally:
        httpd.shutdown()
        relocation.close()


def test_inter_bailleur_relocation_in_the_browser(server):
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    base = server["url"]
    household_reference = server["reference"]
    shots = iter(range(1, 100))

    with sync_playwright() as pw:
        browser = launch_chromium(pw)

        def session(login: str):
            context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris",
                                          viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.goto(f"{base}/connexion")
            page.fill("#identifiant", login)
            page.fill("#mot_de_passe", DEMO_PASSWORD)
            page.click("button[type=submit]")
            expect(page.locator(".compte-nom")).to_be_visible()
            return page

        def shot(page, name: str) -> None:
            page.screenshot(path=str(ARTIFACTS / f"{next(shots):02d}-{name}.png"), full_page=True)

        try:
            # 1. Bailleur A publishes an offer.
            lmh = session("lmh.charge")
            shot(lmh, "tableau-de-bord-vide")
            lmh.click("text=Offres")
            lmh.click("text=Publier une offre")
            lmh.fill("#f-adresse", "8 allée des Peupliers")
            lmh.fill("#f-commune", "Lomme")
            lmh.fill("#f-quartier", "Bourg")
            lmh.check("#f-quartier_hors_projet")  # not a quartier of the project: confirmed
            lmh.select_option("#f-typologie", "T4")
            lmh.fill("#f-surface", "81,5")
            lmh.fill("#f-annee", "2024")
            lmh.fill("#f-etage", "1")
            lmh.check("#f-ascenseur")
            lmh.select_option("#f-financement", "PLUS")
            lmh.fill("#f-loyer", "495,00")
            lmh.fill("#f-charges", "95,50")
            lmh.fill("#f-reservataire", "Préfecture (contingent)")
            shot(lmh, "offre-formulaire")
            lmh.click("text=Publier l'offre")
            expect(lmh.locator("h1")).to_contain_text("Offre LMH-2026-0")  # issue 23: readable scheme
            expect(lmh.locator(".alerte-success")).to_contain_text("Offre publiée")
            offer_url = lmh.url
            shot(lmh, "offre-publiee")

            # 2. Bailleur B's officer proposes it to one of B's households.
            vcl = session("vcl.charge")
            vcl.goto(f"{base}/offres")
            shot(vcl, "tableau-des-offres")
            vcl.goto(offer_url)
            vcl.select_option("#menage", str(server["household"]))
            vcl.click("text=Préparer la proposition")
            expect(vcl.locator("h1")).to_contain_text("Famille Benali")
            vcl.fill("#f-apl_estimee", "250")
            shot(vcl, "proposition-formulaire")
            vcl.click("text=Faire la proposition")
            expect(vcl.locator("#delai")).to_contain_text("il reste")
            proposal_url = vcl.url
            shot(vcl, "proposition-faite")

            # 3. The city objects, then lifts its objection.
            city = session("vls.partenaire")
            city.goto(proposal_url)
            expect(city.locator("body")).not_to_contain_text("Famille Benali")
            city.fill("#f-motif_opposition", "Équilibre de peuplement du quartier à vérifier en commission.")
            city.click("text=S'opposer à la proposition")
            expect(city.locator("#etat-proposition")).to_contain_text("opposition ouverte")
            shot(city, "opposition-ville")
            city.fill("input[name=commentaire]", "Vu en groupe de suivi : pas d'objection.")
            city.click("text=Lever mon opposition")
            expect(city.locator(".alerte-success")).to_contain_text("Opposition levée")

            # 4. The household accepts.
            vcl.goto(proposal_url)
            vcl.fill("#f-date_acceptation", "2026-03-03")
            vcl.click("text=Enregistrer l'acceptation")
            expect(vcl.locator(".alerte-success")).to_contain_text("Acceptation du ménage enregistrée")
            shot(vcl, "acceptation")

            # 5. 49 hours later the window is over; A's CALEOL grants the attribution.
            server["clock"].advance(hours=49)
            lmh.goto(proposal_url)
            expect(lmh.locator("#delai")).to_contain_text("validée par les partenaires")
            lmh.select_option("#f-decision_caleol", "attribution")
            lmh.fill("#f-date_caleol", "2026-03-05")
            lmh.click("text=Enregistrer la décision")
            expect(lmh.locator("#etat-proposition")).to_contain_text("bail à signer")
            shot(lmh, "caleol")

            # 6. The lease is signed.
            lmh.fill("#f-loyer_bail", "495,00")
            lmh.fill("#f-charges_bail", "95,50")
            lmh.fill("#f-apl_bail", "250,00")
            lmh.fill("#f-date_signature", "2026-03-06")
            lmh.fill("#f-date_entree", "2026-03-15")
            lmh.click("text=Enregistrer le bail signé")
            expect(lmh.locator("#etat-proposition")).to_contain_text("Bail signé")
            expect(lmh.locator("#inter-bailleurs")).to_contain_text("Relogement inter-bailleurs")
            shot(lmh, "bail-signe")

            # 7. The dashboard counts it as inter-bailleur; the household file has its story.
            lmh.click("nav >> text=Tableau de bord")
            # hx-boost swaps the page: wait for the dashboard before reading it.
            expect(lmh.locator("h1")).to_contain_text("Tableau de bord du relogement")
            inter = lmh.locator(".barre-ligne", has_text="Inter-bailleurs")
            expect(inter).to_contain_text("100,00 %")
            expect(lmh.locator("#derniers-baux")).to_contain_text("Inter-bailleurs")
            expect(lmh.locator("#etat-position")).to_contain_text("événement n°")
            shot(lmh, "tableau-de-bord")
            vcl.goto(f"{base}/menages/{server['household']}")
            expect(vcl.locator(".frise")).to_contain_text("Bail signé")
            shot(vcl, "dossier-menage")

            # 8. Reste-à-vivre and the semestrial report, with its XLSX download.
            city.click("nav >> text=Reste-à-vivre")
            expect(city.locator("h1")).to_contain_text("Suivi du reste-à-vivre")
            expect(city.locator("#menages-rav")).to_be_visible()
            shot(city, "reste-a-vivre")
            city.click("nav >> text=Rapport semestriel")
            expect(city.locator("h1")).to_contain_text("Rapport semestriel")
            expect(city.locator("#relogements")).to_contain_text("Relogés par un autre bailleur")
            expect(city.locator("#graphique-destinations")).to_be_visible()
            shot(city, "rapport-semestriel")
            with city.expect_download() as download:
                city.click("#telecharger-xlsx")
            assert download.value.suggested_filename.endswith(".xlsx")

            # 9. The inbox: the header counts the city's unread notifications.
            counter = city.locator("#notifications-entete .compteur")
            expect(counter).to_be_visible()
            city.click("#notifications-entete")
            expect(city.locator("h1")).to_contain_text("Notifications")
            expect(city.locator(".boite")).to_contain_text("Bail signé")
            shot(city, "notifications")
            city.click("text=Tout marquer comme lu")
            expect(city.locator(".alerte-success")).to_contain_text("marquée(s) comme lue(s)")
            expect(city.locator("#notifications-entete .compteur")).to_have_count(0)

            # 10. The auditor: the access log, then the dashboard as it stood before the lease.
            auditor = session("anru.auditeur")
            auditor.click("nav >> text=Journal des accès")
            expect(auditor.locator("#journal-acces")).to_contain_text("vcl.charge")
            expect(auditor.locator("body")).not_to_contain_text("Famille Benali")
            shot(auditor, "journal-des-acces")
            auditor.goto(f"{base}/tableau-de-bord")
            auditor.fill("#au", "2026-03-03")
            auditor.fill("#heure", "18:00")
            auditor.click(".asof-form >> text=Afficher")
            expect(auditor.locator(".asof-etat")).to_contain_text("état au 03/03/2026 18:00")
            # Before the CALEOL and the lease: one proposal in progress, no lease yet.
            expect(auditor.locator("main")).to_contain_text("Aucun bail signé pour l'instant")
            expect(auditor.locator(".carte", has_text="propositions en cours")).to_contain_text("1")
            shot(auditor, "tableau-de-bord-historique")

            # 11. The administrator erases the household's personal data on request.
            admin = session("admin")
            admin.click("nav >> text=Administration")
            admin.click(".menu-secondaire >> text=Données personnelles")
            admin.fill("#reference", household_reference)
            admin.click("text=Continuer")
            expect(admin.locator("h1")).to_contain_text("Effacer les données personnelles")
            admin.select_option("#f-motif_effacement", "demande")
            admin.fill("#f-precision", "Demande écrite reçue le 05/03/2026")
            admin.fill("#f-confirmation", household_reference)
            shot(admin, "effacement")
            admin.click("text=Effacer définitivement")
            expect(admin.locator(".alerte-success")).to_contain_text("Données personnelles effacées")
            vcl.goto(f"{base}/menages/{server['household']}")
            expect(vcl.locator("h1")).to_contain_text("ménage effacé")
            expect(vcl.locator("body")).not_to_contain_text("Famille Benali")
            shot(vcl, "menage-efface")
        finally:
            browser.close()


@pytest.fixture(scope="module")
def programme(tmp_path_factory):
    return demo_programme(tmp_path_factory, "programme", seed=3)


@pytest.fixture
def programme_server(programme, tmp_path):
    with served(programme, tmp_path, "browser-test") as (url, app):
        yield {"url": url, "readmodels": app.extensions["relogement.readmodels"]}


def test_report_pages_with_a_realistic_programme(programme_server):
    """The pages as a user sees them with three years of history (screenshots R-*)."""
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    base = programme_server["url"]
    with sync_playwright() as pw:
        browser = launch_chromium(pw)

        def session(login: str):
            context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris",
                                          viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.goto(f"{base}/connexion")
            page.fill("#identifiant", login)
            page.fill("#mot_de_passe", DEMO_PASSWORD)
            page.click("button[type=submit]")
            expect(page.locator(".compte-nom")).to_be_visible()
            return page

        def shot(page, name: str) -> None:
            page.screenshot(path=str(ARTIFACTS / f"R-{name}.png"), full_page=True)

        try:
            city = session("v-lille.partenaire")
            # Partners land on their work list; the dashboard is one click away.
            expect(city.locator("h1")).to_contain_text("À traiter")
            city.click("nav >> text=Tableau de bord")
            expect(city.locator("h1")).to_contain_text("Tableau de bord du relogement")
            expect(city.locator(".barre-ligne", has_text="Inter-bailleurs")).to_be_visible()
            shot(city, "01-tableau-de-bord")
            city.goto(f"{base}/reste-a-vivre")
            expect(city.locator("#menages-rav")).to_be_visible()
            shot(city, "02-reste-a-vivre")
            city.goto(f"{base}/rapport-semestriel")
            expect(city.locator("#etat-position")).to_contain_text("fin du semestre")
            shot(city, "03-rapport-semestriel")
            report_url = city.url
            city.click("#telecharger-pdf")
            expect(city.locator("h1")).to_contain_text("fichier PDF")
            shot(city, "03b-rapport-pdf-en-preparation")
            link = city.locator("#fichier-pret")
            expect(link).to_be_visible(timeout=60_000)  # the page polls until the file is ready
            with city.expect_download() as download:
                link.click()
            assert download.value.suggested_filename.endswith(".pdf")
            city.goto(report_url)
            city.goto(f"{base}/notifications")
            expect(city.locator(".boite li").first).to_be_visible()
            shot(city, "04-notifications")
            city.goto(f"{base}/menages")
            expect(city.locator("#menages-resultats")).to_contain_text("pseudonymisé")
            shot(city, "05-menages-partenaire")
            city.goto(f"{base}/propositions?etat=toutes")
            shot(city, "06-propositions")
            city.goto(f"{base}/offres")
            shot(city, "07-offres")

            officer = session("mous.charge")
            officer.goto(f"{base}/menages?statut=a_reloger")
            rows = officer.locator("#menages-resultats tbody tr")
            expect(rows.first).to_be_visible()
            shot(officer, "08-menages-mous")
            rows.first.locator("a").first.click()
            expect(officer).to_have_url(re.compile(r"/menages/[0-9a-f-]{36}$"))
            expect(officer.locator(".fil")).to_contain_text("Ménages ›")
            shot(officer, "09-fiche-menage-mous")

            auditor = session("anru.auditeur")
            auditor.click("nav >> text=Journal des accès")
            expect(auditor.locator("#journal-acces")).to_contain_text("mous.charge")
            shot(auditor, "10-journal-des-acces")

            admin = session("admin")
            admin.goto(f"{base}/admin/donnees-personnelles")
            expect(admin.locator("h1")).to_contain_text("Données personnelles")
            shot(admin, "11-donnees-personnelles")
        finally:
            browser.close()
