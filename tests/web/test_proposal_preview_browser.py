"""The officer's proposal in headless Chromium: household → proposal form → the aid
changes → the preview follows with a warning → sent with the confirmation → the letter's
DOCX downloaded and read with python-docx. Screenshots (1280 and 390 px): test-artifacts/.

Hand-worked (the sample household: 4 persons, 1,800 € a month; the offer T4, 78 m², Lomme,
480 € + 100 €; the project's ceiling set to 30 %): aid 250 € → 330 €, 18,33 %, no
warning; aid 0 € → 580 €, 580 / 1,800 = 32,22 % > 30 %: the warning; the letter is dated
02/03/2026 (the injected clock) and asks for an answer by 12/03/2026 (10 days).
"""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest

from relogement.runtime import create_app
from relogement.simulation import sample
from relogement.web.demo_accounts import DEMO_PASSWORD, create_demo_accounts
from tests.conftest import FakeClock
from tests.web.conftest import ARTIFACTS, BROWSER_MARKS, launch_chromium

pytestmark = BROWSER_MARKS


@pytest.fixture
def server(tmp_path):
    from werkzeug.serving import make_server

    app = create_app({
        "TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'preview.sqlite'}",
        "SECRET_KEY": "preview-test", "RELOGEMENT_DATA_DIR": str(tmp_path), "CLOCK": FakeClock(),
    })
    relocation = app.extensions["relogement"]
    world = sample.build_world(relocation, settings={"max_effort_rate": "30"})
    household = sample.register(world, bailleur="VCL", name="Famille Benali")
    offer = relocation.publish_offer(world.project_id, sample.dwelling(), world.actor("LMH"))
    create_demo_accounts(app.extensions["relogement.accounts"], app.extensions["relogement.readmodels"].organisations())
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield {"url": f"http://127.0.0.1:{httpd.server_port}", "household": household, "offer": offer,
               "app": relocation}
    finally:
        httpd.shutdown()
        relocation.close()


def test_preview_warning_confirmation_and_letter(server):
    from docx import Document
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    base = server["url"]
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris",
                                          viewport={"width": 1280, "height": 900}, accept_downloads=True)
            page = context.new_page()
            page.goto(f"{base}/connexion")
            page.fill("#identifiant", "vcl.charge")
            page.fill("#mot_de_passe", DEMO_PASSWORD)
            page.click("button[type=submit]")
            expect(page.locator(".compte-nom")).to_be_visible()

            page.goto(f"{base}/menages/{server['household']}")
            page.click("text=Proposer un logement")
            expect(page.locator("h1")).to_contain_text("Famille Benali")
            page.select_option("#f-offre", str(server["offer"]))
            page.fill("#f-apl_estimee", "250")
            expect(page.locator("#apercu")).to_contain_text("18,33")
            expect(page.locator("#alertes-proposition")).to_contain_text("Aucune alerte")

            page.fill("#f-apl_estimee", "0")
            expect(page.locator("#apercu")).to_contain_text("32,22")
            warning = page.locator("[data-alerte=taux_effort_plafond]")
            expect(warning).to_contain_text("au-dessus du maximum fixé par le projet")
            events = server["app"].recorder.max_notification_id()
            page.screenshot(path=str(ARTIFACTS / "apercu-proposition-1280.png"), full_page=True)
            page.set_viewport_size({"width": 390, "height": 844})
            page.screenshot(path=str(ARTIFACTS / "apercu-proposition-390.png"), full_page=True)
            page.set_viewport_size({"width": 1280, "height": 900})

            # The browser asks for the confirmation first (a required box): nothing is sent.
            page.click("#envoyer-proposition")
            assert "/proposer" in page.url
            assert server["app"].recorder.max_notification_id() == events
            page.check("#f-confirmer_alertes")
            page.click("#envoyer-proposition")
            expect(page.locator("#delai")).to_contain_text("il reste")
            expect(page.locator(".indicateurs")).to_contain_text("32,22")
            page.screenshot(path=str(ARTIFACTS / "proposition-courrier-1280.png"), full_page=True)
            page.set_viewport_size({"width": 390, "height": 844})
            page.screenshot(path=str(ARTIFACTS / "proposition-courrier-390.png"))
            page.set_viewport_size({"width": 1280, "height": 900})

            with page.expect_download() as download:
                page.click("#courrier-docx")
            assert download.value.suggested_filename.endswith(".docx")
            doc = Document(io.BytesIO(Path(download.value.path()).read_bytes()))
            text = "\n".join(
                [p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells]
            ).replace("\u00a0", " ")
            for figure in ("480,00 €", "580,00 €", "32,22 %", "02/03/2026", "12/03/2026", "Famille Benali"):
                assert figure in text, figure
        finally:
            browser.close()
