"""The pages on a phone (390 × 844, headless Chromium): the page never scrolls sideways.

Relocation officers read the platform in the field. At 390 px wide the menu folds behind
a "Menu" button, forms stack, and a wide table scrolls inside its own box
(``.table-scroll``) instead of widening the whole page. For each main page, as an officer
who sees identities (the widest household list) and as a city partner, the test asserts
``document.documentElement.scrollWidth <= window.innerWidth``; it photographs every page
at 390 px and a few at 1280 px (test-artifacts/M-*.png) to look at.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from relogement.web.demo_accounts import DEMO_PASSWORD
from tests.web.conftest import ARTIFACTS, BROWSER_MARKS, demo_programme, launch_chromium, served

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def programme(tmp_path_factory):
    """Proposals in every state, wide tables."""
    return demo_programme(tmp_path_factory, "mobile", seed=5)


@pytest.fixture
def server(programme, tmp_path):
    with served(programme, tmp_path, "mobile-test") as (url, _):
        yield url


def _too_wide(page) -> list[str]:
    """Elements sticking out to the right of the viewport outside any scrolling box."""
    return page.evaluate(
        """() => {
          const width = window.innerWidth, out = [];
          for (const el of document.querySelectorAll('body *')) {
            const box = el.getBoundingClientRect();
            if (box.width === 0 || box.right <= width + 1) continue;
            let a = el.parentElement, scrolled = false;
            while (a) { const o = getComputedStyle(a).overflowX;
              if (o === 'auto' || o === 'scroll' || o === 'hidden') { scrolled = true; break; } a = a.parentElement; }
            if (!scrolled) out.push(`${el.tagName.toLowerCase()}.${el.className}#${el.id} → ${Math.round(box.right)} px`);
          }
          return out.slice(0, 5);
        }"""
    )


def test_main_pages_fit_a_phone_screen(server):
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    base = server

    with sync_playwright() as pw:
        browser = launch_chromium(pw)

        def session(login: str, viewport=PHONE):
            context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris", viewport=viewport)
            page = context.new_page()
            page.goto(f"{base}/connexion")
            assert _scroll_width(page) <= page.evaluate("window.innerWidth"), "page de connexion"
            page.fill("#identifiant", login)
            page.fill("#mot_de_passe", DEMO_PASSWORD)
            page.click("button[type=submit]")
            expect(page.locator(".compte-nom")).to_be_visible()
            return page

        def _scroll_width(page) -> int:
            return page.evaluate("document.documentElement.scrollWidth")

        def check(page, name: str, viewport=PHONE) -> None:
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(ARTIFACTS / f"M-{viewport['width']}-{name}.png"), full_page=True)
            if viewport is PHONE:
                inner = page.evaluate("window.innerWidth")
                assert inner == PHONE["width"]
                assert _scroll_width(page) <= inner, (name, _scroll_width(page), _too_wide(page))

        try:
            # The relocation officer who sees identities: the widest household list.
            officer = session("mous.charge")
            # Officers land on their work list; the dashboard is one click away.
            expect(officer.locator("h1")).to_contain_text("À traiter")
            check(officer, "00-a-traiter")
            officer.goto(f"{base}/tableau-de-bord")
            expect(officer.locator("h1")).to_contain_text("Tableau de bord du relogement")
            check(officer, "01-tableau-de-bord")

            # The menu folds behind its button and opens on a tap.
            menu = officer.locator("#menu-principal")
            expect(menu).to_be_hidden()
            officer.click("label.menu-bouton")
            expect(menu).to_be_visible()
            check(officer, "02-menu-ouvert")
            menu.get_by_text("Ménages", exact=True).click()
            expect(officer.locator("h1")).to_contain_text("Ménages")
            expect(officer.locator("#menages-resultats tbody tr").first).to_be_visible()
            check(officer, "03-menages")
            officer.locator("#menages-resultats tbody tr a").first.click()
            expect(officer).to_have_url(re.compile(r"/menages/[0-9a-f-]{36}$"))
            check(officer, "04-fiche-menage")

            officer.goto(f"{base}/propositions?etat=toutes")
            check(officer, "05-propositions")
            officer.locator("main table a[href*='/propositions/']").first.click()
            expect(officer).to_have_url(re.compile(r"/propositions/[0-9a-f-]{36}$"))
            expect(officer.locator("table.indicateurs")).to_be_visible()
            check(officer, "06-proposition")
            proposal_url = officer.url

            for path, name in [("/reste-a-vivre", "07-reste-a-vivre"), ("/rapport-semestriel", "08-rapport-semestriel"),
                               ("/notifications", "09-notifications"), ("/offres", "10-offres"),
                               ("/menages/nouveau", "11-inscrire-menage"), ("/import", "12-import")]:
                officer.goto(base + path)
                check(officer, name)

            # A city partner: pseudonymised pages, and the objection form on a proposal.
            city = session("v-lille.partenaire")
            for path, name in [("/tableau-de-bord", "20-partenaire-tableau-de-bord"),
                               ("/menages", "21-partenaire-menages"), ("/notifications", "22-partenaire-notifications")]:
                city.goto(base + path)
                check(city, name)
            city.goto(proposal_url)
            check(city, "23-partenaire-proposition")

            # The auditor: the as-of bar under the menu, at a past date.
            auditor = session("anru.auditeur")
            auditor.goto(f"{base}/rapport-semestriel")
            check(auditor, "30-auditeur-rapport")
            year_ago = (date.today() - timedelta(days=365)).isoformat()
            auditor.goto(f"{base}/tableau-de-bord")
            auditor.fill("#au", year_ago)
            auditor.click(".asof-form >> text=Afficher")
            expect(auditor.locator(".asof-etat")).to_contain_text("Historique : état au")
            check(auditor, "31-auditeur-tableau-de-bord-passe")

            # The same pages on a desktop screen: the menu is always shown, no button.
            desk = session("mous.charge", DESKTOP)
            expect(desk.locator("label.menu-bouton")).to_be_hidden()
            expect(desk.locator("#menu-principal")).to_be_visible()
            for path, name in [("/tableau-de-bord", "tableau-de-bord"), ("/menages", "menages"),
                               (proposal_url.removeprefix(base), "proposition"),
                               ("/rapport-semestriel", "rapport-semestriel")]:
                desk.goto(base + path)
                check(desk, name, DESKTOP)
        finally:
            browser.close()
