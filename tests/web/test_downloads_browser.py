"""Every download link downloads (issue 23, points 1, 2, 9 and 14), in headless Chromium on
a realistic programme: the auditor's history (JSONL), the open data (zip), the ANRU export
(XLSX and CSV, from its own page), the import templates (CSV, XLSX), the semestrial
report (XLSX, PDF). Each click gives a file and leaves the page where it was: htmx never
swaps a file into the page. The report's buttons download the semester selected in the
form even before "Afficher"; the first PDF either downloads at once or says it is being
prepared and then downloads by itself. A too-big import file answers on the import page.
Screenshots at 1280 and 390 px: test-artifacts/D-*.png.
"""

from __future__ import annotations

import pytest

from relogement.web.demo_accounts import DEMO_PASSWORD
from tests.web.conftest import ARTIFACTS, BROWSER_MARKS, demo_programme, launch_chromium, served

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def programme(tmp_path_factory):
    return demo_programme(tmp_path_factory, "telechargements", seed=3)


@pytest.fixture
def server(programme, tmp_path):
    with served(programme, tmp_path, "downloads-test") as (url, app):
        yield url, app


def test_every_download_link_downloads_and_the_page_stays(server):
    from playwright.sync_api import expect, sync_playwright

    base, app = server
    ARTIFACTS.mkdir(exist_ok=True)
    project = app.extensions["relogement.readmodels"].projects()[0]

    with sync_playwright() as pw:
        browser = launch_chromium(pw)

        def session(login: str, width: int = 1280):
            page = browser.new_context(accept_downloads=True, locale="fr-FR",
                                       viewport={"width": width, "height": 900}).new_page()
            page.goto(f"{base}/connexion")
            page.fill("#identifiant", login)
            page.fill("#mot_de_passe", DEMO_PASSWORD)
            page.click("button[type=submit]")
            expect(page.locator("h1")).to_be_visible()
            return page

        def downloads(page, selector: str, suffix: str, timeout: float = 30_000) -> str:
            """Click; a file arrives; the page's address and title have not changed."""
            url, title = page.url, page.locator("h1").inner_text()
            with page.expect_download(timeout=timeout) as download:
                page.click(selector)
            name = download.value.suggested_filename
            assert name.endswith(suffix), name
            assert download.value.failure() is None
            assert page.url == url
            expect(page.locator("h1")).to_have_text(title)
            return name

        def shot(page, name: str) -> None:
            page.screenshot(path=str(ARTIFACTS / f"D-{name}.png"), full_page=True)

        try:
            auditor = session("anru.auditeur")
            auditor.goto(f"{base}/admin/historique-verifiable")
            downloads(auditor, "#telecharger-historique", ".jsonl")
            auditor.goto(f"{base}/projets/{project.id}")
            downloads(auditor, "text=Données ouvertes (zip)", ".zip", timeout=60_000)

            pilot = session("mel.partenaire")
            pilot.goto(f"{base}/projets/{project.id}")
            pilot.click("#lien-export-anru")
            expect(pilot.locator("h1")).to_have_text("Export ANRU")
            shot(pilot, "export-anru-1280")
            assert downloads(pilot, "#telecharger-export-anru", ".xlsx").startswith(f"export-anru-{project.code}-")
            pilot.select_option("#f-format", "csv")
            pilot.fill("#f-au", "30/06/2026")
            assert downloads(pilot, "#telecharger-export-anru", ".csv") == f"export-anru-{project.code}-2026-06-30.csv"
            pilot.fill("#f-au", "31/02/2026")
            pilot.click("#telecharger-export-anru")
            expect(pilot.locator(".alerte-error")).to_contain_text("date invalide « 31/02/2026 »")
            phone = session("mel.partenaire", width=390)
            phone.goto(f"{base}/projets/{project.id}/export-anru")
            shot(phone, "export-anru-390")

            officer = session("vil.charge")
            officer.goto(f"{base}/import")
            downloads(officer, "a[href$='/import/modele/menages.csv']", ".csv")
            downloads(officer, "a[href$='/import/modele/offres.xlsx']", ".xlsx")
            # Too big a file: the answer is the import page, in French.
            officer.set_input_files("#fichier-menages", files=[{
                "name": "menages.csv", "mimeType": "text/csv", "buffer": b"reference;nom\n" + b"x" * (6 * 1024 * 1024),
            }])
            officer.locator("#fichier-menages").locator("xpath=ancestor::form").locator("button").click()
            expect(officer.locator(".alerte-error")).to_contain_text("dépasse la taille maximale de 5 Mo")
            expect(officer.locator("h1")).to_have_text("Importer des ménages ou des offres")
            shot(officer, "import-trop-volumineux")

            city = session("v-lille.partenaire")
            city.goto(f"{base}/rapport-semestriel")
            options = city.locator("#semestre option")
            shown = city.locator("#semestre").input_value()
            other = next(v for v in options.evaluate_all("os => os.map(o => o.value)") if v != shown)
            city.select_option("#semestre", other)  # not "Afficher"
            shot(city, "rapport-1280")
            report_url = city.url

            def report_file(selector: str, fmt: str) -> str:
                """The file of the semester selected: at once (the page stays), or through
                the page that says it is being prepared and then downloads it by itself
                (this server never waits for a file, as a large programme's first PDF)."""
                with city.expect_download(timeout=90_000) as download:
                    city.click(selector)
                    if city.url != report_url:
                        expect(city.locator("h1")).to_contain_text(f"fichier {fmt} en préparation")
                        expect(city.locator("#preparation")).to_contain_text(f"Préparation du fichier {fmt} en cours")
                        shot(city, f"rapport-{fmt}-en-preparation")
                name = download.value.suggested_filename
                if city.url != report_url:
                    expect(city.locator("#fichier-pret")).to_be_visible()  # and a link, should it not start
                    shot(city, f"rapport-{fmt}-pret")
                    city.goto(report_url)
                    city.select_option("#semestre", other)
                return name

            assert report_file("#telecharger-xlsx", "XLSX").endswith(f"-{other}.xlsx")
            assert report_file("#telecharger-pdf", "PDF").endswith(f"-{other}.pdf")
            # Once produced, the file comes at once and the report stays on screen.
            assert downloads(city, "#telecharger-pdf", ".pdf").endswith(f"-{other}.pdf")
        finally:
            browser.close()
