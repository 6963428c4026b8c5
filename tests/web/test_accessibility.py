"""Accessibility in the browser (RGAA 4.1 / WCAG 2.1 AA), headless Chromium.

axe-core (vendored: tests/web/vendor/axe.min.js, MPL-2.0) runs over the main pages of every
role at 1280 and 390 px; any violation fails, with its rule, impact and first nodes. The
pages are those of the demo programme served as in test_mobile_layout.py. The same pass
checks, at 390 px, that the indicators' "Après" and "Évolution" columns and the household
list's "État" are inside the screen, and that after a form's htmx error the focus is on
the error summary.

The page is opened with ``bypass_csp``: the Content-Security-Policy (script-src 'self')
would refuse the injected axe script; nothing else of the page depends on it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from relogement.web.demo_accounts import DEMO_PASSWORD
from tests.web.conftest import ARTIFACTS, BROWSER_MARKS, demo_programme, launch_chromium, served

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
WIDTHS = (1280, 390)

pytestmark = BROWSER_MARKS

COMMON = ["/tableau-de-bord", "/offres", "/menages", "/propositions?etat=toutes", "PROPOSITION",
          "/reste-a-vivre", "/rapport-semestriel", "/notifications", "/projets"]
# Role → its main pages ("PROPOSITION", "MENAGE", "OFFRE", "PROJET": the first one listed).
PAGES = {
    "mous.charge": ["/a-traiter", *COMMON, "MENAGE", "/menages/nouveau", "/import"],
    "vil.charge": ["/tableau-de-bord", "/offres", "OFFRE", "/offres/nouvelle", "/menages", "MENAGE",
                   "/propositions?etat=toutes", "PROPOSITION", "/notifications"],
    "v-lille.partenaire": ["/a-traiter", "/tableau-de-bord", "/menages", "MENAGE", "PROPOSITION", "/rapport-semestriel",
                           "/notifications"],
    "mel.partenaire": ["/tableau-de-bord", "/projets", "PROJET", "/reste-a-vivre", "PROPOSITION"],
    "anru.auditeur": ["/tableau-de-bord", "/rapport-semestriel", "PROPOSITION", "/admin/journal-des-acces",
                      "/admin/historique-verifiable"],
    "admin": ["/admin/comptes", "/admin/organisations", "/admin/donnees-personnelles", "/admin/journal-des-acces"],
}
FIRST = {
    "PROPOSITION": ("/propositions?etat=toutes", "/propositions/"),
    "MENAGE": ("/menages", "/menages/"),
    "OFFRE": ("/offres?statut=toutes", "/offres/"),
    "PROJET": ("/projets", "/projets/"),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    programme = demo_programme(tmp_path_factory, "axe", seed=5)
    with served(programme, tmp_path_factory.mktemp("axe-data"), "axe-test") as (url, _):
        yield url


def _violations(page) -> list[str]:
    found = page.evaluate(
        """async () => {
          const r = await axe.run(document, {resultTypes: ['violations']});
          return r.violations.map(v => `${v.id} (${v.impact}, ${v.nodes.length}): ` +
            v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
        }"""
    )
    return found


def _inside(page, selector: str) -> list[str]:
    """Elements matching ``selector`` whose right edge passes the viewport's."""
    return page.evaluate(
        """(sel) => [...document.querySelectorAll(sel)]
             .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
             .map(e => `${e.textContent.trim().slice(0, 30)} → ${Math.round(e.getBoundingClientRect().right)}`)""",
        selector,
    )


def test_every_role_main_pages_have_no_axe_violation(server):
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    failures: list[str] = []
    axe = AXE.read_text(encoding="utf-8")
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            for login, pages in PAGES.items():
                context = browser.new_context(
                    locale="fr-FR", timezone_id="Europe/Paris", bypass_csp=True,
                    viewport={"width": WIDTHS[0], "height": 900},
                )
                page = context.new_page()
                page.goto(f"{server}/connexion")
                page.fill("#identifiant", login)
                page.fill("#mot_de_passe", DEMO_PASSWORD)
                page.click("button[type=submit]")
                expect(page.locator(".compte-nom")).to_be_visible()
                for path in pages:
                    if path in FIRST:
                        listing, prefix = FIRST[path]
                        page.goto(server + listing)
                        link = page.locator(f"main a[href^='{prefix}']").filter(
                            has_not_text=re.compile("nouve|Créer", re.I)).first
                        path = link.get_attribute("href")
                    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
                    page.goto(server + path)
                    page.wait_for_load_state("networkidle")
                    page.add_script_tag(content=axe)
                    # One load, both widths: the phone layout is the same page under its media queries.
                    for width in WIDTHS:
                        page.set_viewport_size({"width": width, "height": 900})
                        failures += [f"{login} {width} px {path}: {v}" for v in _violations(page)]
                context.close()
        finally:
            browser.close()
    assert not failures, "\n".join(failures)


def test_phone_shows_key_columns_and_focus_follows_errors(server):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris",
                                          viewport={"width": 390, "height": 844})
            page = context.new_page()
            page.goto(f"{server}/connexion")
            page.fill("#identifiant", "v-lille.partenaire")
            page.fill("#mot_de_passe", DEMO_PASSWORD)
            page.click("button[type=submit]")
            expect(page.locator(".compte-nom")).to_be_visible()

            # The household list: "État" is the second column, on screen without scrolling.
            page.goto(f"{server}/menages")
            head = page.locator("table.liste-menages thead th").nth(1)
            expect(head).to_have_text("État")
            assert _inside(page, "table.liste-menages thead th:nth-child(2), table.liste-menages tbody td:nth-child(2)") == []

            # Proposals' indicators: "Avant", "Après" and "Évolution" fit the screen.
            page.goto(f"{server}/propositions?etat=toutes")
            links = page.locator("main table a[href^='/propositions/']")
            expect(links.first).to_be_visible()
            hrefs = [links.nth(i).get_attribute("href") for i in range(min(5, links.count()))]
            for href in hrefs:
                page.goto(server + href)
                expect(page.locator("table.indicateurs")).to_be_visible()
                assert _inside(page, "table.indicateurs th, table.indicateurs td") == [], href
                assert page.evaluate("document.documentElement.scrollWidth") <= 390, href
            page.screenshot(path=str(ARTIFACTS / "A-390-indicateurs.png"), full_page=True)
            context.close()

            # A form sent through htmx with errors: the focus lands on the error summary,
            # each field in error is tied to its message.
            context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris",
                                          viewport={"width": 390, "height": 844})
            page = context.new_page()
            page.goto(f"{server}/connexion")
            page.fill("#identifiant", "mous.charge")
            page.fill("#mot_de_passe", DEMO_PASSWORD)
            page.click("button[type=submit]")
            expect(page.locator(".compte-nom")).to_be_visible()
            page.goto(f"{server}/menages/nouveau")
            page.locator("main form button[type=submit]").first.click()
            summary = page.locator("#erreurs-formulaire")
            expect(summary).to_be_visible()
            expect(summary).to_be_focused()
            field = page.locator("#f-nom")
            expect(field).to_have_attribute("aria-invalid", "true")
            expect(field).to_have_attribute("aria-describedby", "e-nom")
            expect(page.locator("#e-nom")).to_be_visible()
            context.close()
        finally:
            browser.close()
