"""Anti-framing and content-security headers on every kind of response, and the
pages work under that policy in a real browser (no violation, htmx still swaps)."""

from __future__ import annotations

from pathlib import Path

from relogement.web.security_headers import CONTENT_SECURITY_POLICY
from tests.web.conftest import browser_test, launch_chromium


def _assert_headers(response, what: str) -> None:
    h = response.headers
    assert h.get("X-Frame-Options") == "DENY", what
    csp = h.get("Content-Security-Policy", "")
    for directive in ("frame-ancestors 'none'", "default-src 'self'", "script-src 'self'"):
        assert directive in csp, (what, directive)
    assert "'unsafe-eval'" not in csp and "script-src 'self' 'unsafe-inline'" not in csp
    assert h.get("X-Content-Type-Options") == "nosniff", what
    assert h.get("Referrer-Policy") == "same-origin", what


def test_every_kind_of_response_carries_the_headers(world, client_for):
    web_app = world.app
    anonymous = web_app.test_client()
    officer = client_for("vcl.charge")
    admin = client_for("admin")
    cases = {
        "login page": (anonymous.get("/connexion"), 200),
        "redirect to login": (anonymous.get("/offres"), 302),
        "static file": (anonymous.get("/static/app.css"), 200),
        "page": (officer.get("/offres"), 200),
        "htmx fragment": (officer.get("/offres?qpv=oui", headers={
            "HX-Request": "true", "HX-Target": "offres-resultats"}), 200),
        "download csv": (officer.get("/import/modele/offres.csv"), 200),
        "download jsonl": (admin.get("/admin/historique-verifiable/historique.jsonl"), 200),
        "error 404": (officer.get("/pas-une-page"), 404),
        "error fragment": (officer.get("/offres/pas-un-id", headers={
            "HX-Request": "true", "HX-Target": "contenu"}), 404),
        "error 403": (officer.get("/admin/comptes"), 403),
        "failed login 401": (client_for(None).post("/connexion", {
            "identifiant": "x", "mot_de_passe": "y"}), 401),
        "csrf error 400": (officer.client.post("/deconnexion"), 400),
    }
    for what, (response, status) in cases.items():
        assert response.status_code == status, (what, response.status_code)
        _assert_headers(response, what)
    assert "attachment" in cases["download csv"][0].headers["Content-Disposition"]
    assert "<html" not in cases["htmx fragment"][0].text.lower()


def test_an_unexpected_error_page_carries_the_headers(web_app):
    @web_app.route("/_boum")
    def boum():
        raise RuntimeError("boum")

    response = web_app.test_client().get("/_boum")
    assert response.status_code == 500
    _assert_headers(response, "error 500")


def test_templates_hold_no_inline_script():
    # script-src 'self': an inline <script> or on…= handler would be blocked.
    import re

    web = Path(__file__).resolve().parents[2] / "web" / "templates"
    inline = re.compile(r"<script(?![^>]*\bsrc=)|\son[a-z]+\s*=", re.I)
    offenders = [str(p) for p in web.rglob("*.html") if inline.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
    assert "style-src 'self'" in CONTENT_SECURITY_POLICY


def test_no_inline_style_is_allowed_nor_used():
    # No 'unsafe-inline' anywhere in the policy, so no template may carry a style attribute
    # (the browser would ignore it: a chart would lose its bars).
    import re

    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    web = Path(__file__).resolve().parents[2] / "web" / "templates"
    styled = re.compile(r"\sstyle\s*=", re.I)
    assert [str(p) for p in web.rglob("*.html") if styled.search(p.read_text(encoding="utf-8"))] == []


@browser_test
def test_pages_work_under_the_policy_in_a_browser(tmp_path_factory, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    from relogement.web.demo_accounts import DEMO_PASSWORD
    from tests.web.conftest import demo_programme, served

    programme = demo_programme(tmp_path_factory, "csp", seed=5)
    with served(programme, tmp_path, "csp-test") as (base, _app), sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
            page = context.new_page()
            violations: list[str] = []
            page.on("console", lambda m: violations.append(m.text)
                    if "Content Security Policy" in m.text or "Refused to" in m.text else None)
            page.goto(f"{base}/connexion")
            page.fill("#identifiant", "mel.partenaire")
            page.fill("#mot_de_passe", DEMO_PASSWORD)
            page.click("button[type=submit]")
            expect(page.locator(".compte-nom")).to_be_visible()
            for path in ("/", "/offres", "/menages", "/propositions?etat=toutes",
                         "/tableau-de-bord", "/reste-a-vivre", "/notifications", "/projets"):
                page.goto(base + path)
                page.wait_for_load_state("networkidle")
            # The charts keep their bar lengths (SVG geometry, no style attribute): each
            # drawn bar covers its share of its track.
            page.goto(f"{base}/tableau-de-bord")
            drawn = 0
            for bar in page.locator(".barre-piste").all():
                share = float(bar.locator(".barre-remplie").get_attribute("width"))
                track, fill = bar.bounding_box(), bar.locator(".barre-remplie").bounding_box()
                assert abs(fill["width"] - track["width"] * share / 100) < 1.5, (share, track, fill)
                drawn += share > 0
            assert drawn >= 3
            # htmx works: filtering the offers swaps the results without a reload.
            page.goto(f"{base}/offres")
            page.evaluate("window.__sans_rechargement = true")
            page.select_option("select[name=qpv]", "oui")
            page.wait_for_url("**qpv=oui**")
            expect(page.locator("#offres-resultats")).to_be_visible()
            assert page.evaluate("window.__sans_rechargement === true")
            # The auto-submitting select (moved from onchange= to app.js) still submits.
            page.goto(f"{base}/propositions")
            page.select_option("#etat", "toutes")
            page.wait_for_url("**etat=toutes**")
            assert violations == [], violations
        finally:
            browser.close()
