"""What the pages show (issue 23): names where codes showed, forms offered only when they
can succeed (else why and when), the refusal's date and the CALEOL comment in the history,
today's ages on the follow-up form, and every field in error tied to its message.
On SQLite and PostgreSQL (the ``world`` fixture)."""

from __future__ import annotations

import html
import re
from datetime import date
from html.parser import HTMLParser

from relogement.platform.ages import ages_today


def _proposal(world, clock):
    app = world.app.extensions["relogement"]
    return app, app.make_proposal(world.ids["household"], world.ids["offer"], 25_000, world.world.actor("VCL"))


def _block(page: str, element_id: str) -> str:
    """The element with this id, up to its end (forms and divs are not nested here)."""
    start = page.index(f'id="{element_id}"')
    tag = page.rfind("<", 0, start)
    name = page[tag + 1:start].split()[0]
    if name == "input":  # a void element: its tag only
        return page[tag:page.index(">", start) + 1]
    return page[tag:page.index(f"</{name}>", start)]


class _Fields(HTMLParser):
    """Every element's id and attributes, to check what aria-describedby points at."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.elements: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        self.elements.append((tag, a))


def _check_error_links(page: str) -> list[tuple[str, dict]]:
    """Fields in error: each has aria-invalid and aria-describedby naming ids on the page,
    one of them an error span's; every error span is named by a field. Returns them."""
    parsed = _Fields()
    parsed.feed(page)
    invalid = [(t, a) for t, a in parsed.elements if a.get("aria-invalid") == "true"]
    described = set()
    for tag, a in invalid:
        ids = (a.get("aria-describedby") or "").split()
        assert ids, (tag, a)
        assert all(i in parsed.ids for i in ids), (tag, a)
        described.update(ids)
    spans = [a["id"] for t, a in parsed.elements if t == "span" and "erreur" in (a.get("class") or "").split()]
    assert all(s in described for s in spans), (spans, described)
    return invalid


def test_names_with_codes_in_tooltips(world, client_for, clock):
    app, proposal = _proposal(world, clock)
    vcl = client_for("vcl.charge")
    household = world.ids["household"]
    # The sample household: operation DEM-FAU-1 "Démolition tour Mont-de-Terre", quartier LS-FAU
    # "Faubourg de Béthune" (simulation/sample.py).
    quartier = '<span title="LS-FAU">Faubourg de Béthune</span>'
    operation = '<span title="DEM-FAU-1">Démolition tour Mont-de-Terre</span>'
    file = vcl.get(f"/menages/{household}").text
    assert f"{operation} (quartier {quartier})" in file
    assert quartier in vcl.get("/menages").text
    page = vcl.get(f"/propositions/{proposal}").text
    assert f"T3 · {quartier}" in page  # Logement actuel
    # The history's registration line names the operation too.
    assert f"Opération : {operation}" in file
    for code in ("LS-FAU", "DEM-FAU-1"):
        for text in (file, page):
            assert re.search(rf">[^<]*\b{code}\b", text) is None, code  # never as text
    # A quartier outside the project (typed on the offer) is shown as typed.
    assert "Lomme-Centre" in page


def test_forms_offered_only_when_they_can_succeed(world, client_for, clock):
    app, proposal = _proposal(world, clock)
    vcl, lmh, city = client_for("vcl.charge"), client_for("lmh.charge"), client_for("vls.partenaire")
    url = f"/propositions/{proposal}"
    # Made on 02/03/2026 at 10:00 in Paris (09:00 UTC), 48 h window: ends 04/03/2026 at 10:00.
    deadline = "04/03/2026 à 10:00"
    assert city.post(f"{url}/opposition", {"motif_opposition": "Peuplement à revoir"}).status_code == 302

    page = vcl.get(url).text
    assert 'id="form-acceptation"' not in page
    waiting = html.unescape(_block(page, "acceptation-attente"))
    assert "une opposition est ouverte" in waiting and "dès sa levée ou son arbitrage" in waiting
    assert 'id="form-refus"' in page  # a refusal stays possible

    page = lmh.get(url).text
    assert 'id="form-caleol"' not in page
    waiting = html.unescape(_block(page, "caleol-attente"))
    assert f"jusqu'au <strong>{deadline}</strong>" in waiting
    assert "acceptation" in waiting

    objection = re.search(r"/opposition/([0-9a-f-]{36})/levee", city.get(url).text).group(1)
    assert city.post(f"{url}/opposition/{objection}/levee", {"commentaire": "Vu"}).status_code == 302
    page = vcl.get(url).text
    assert 'id="form-acceptation"' in page and 'id="acceptation-attente"' not in page
    assert vcl.post(f"{url}/acceptation", {"date_acceptation": "02/03/2026"}).status_code == 302

    page = lmh.get(url).text
    assert 'id="form-caleol"' not in page
    waiting = html.unescape(_block(page, "caleol-attente"))
    assert deadline in waiting and "acceptation" not in waiting

    clock.advance(hours=48, seconds=1)
    page = lmh.get(url).text
    assert 'id="form-caleol"' in page and 'id="caleol-attente"' not in page


def test_refusal_date_and_caleol_comment_in_the_history(world, client_for, clock):
    app, proposal = _proposal(world, clock)
    vcl = client_for("vcl.charge")
    url = f"/propositions/{proposal}"
    # A date before the proposal: the field says so, tied to its message and help.
    r = vcl.post(f"{url}/refus", {"motif_refus": "loyer", "date_refus": "01/03/2026"})
    assert r.status_code == 422, r.status_code
    field = _block(r.text, "f-date_refus")
    assert 'aria-invalid="true"' in field and 'aria-describedby="h-date_refus e-date_refus"' in field
    assert "précède la proposition (02/03/2026)" in html.unescape(_block(r.text, "e-date_refus"))
    _check_error_links(r.text)

    assert vcl.post(f"{url}/refus", {"motif_refus": "loyer", "date_refus": "03/03/2026"}).status_code == 302
    history = html.unescape(vcl.get(url).text.split("Historique de la proposition")[1])
    assert "Proposition refusée par le ménage" in history and "Le : 03/03/2026" in history

    # Another proposal goes to the CALEOL, whose comment is kept in the history.
    lmh = client_for("lmh.charge")
    second = app.make_proposal(world.ids["household"], world.ids["offer2"], 25_000, world.world.actor("VCL"))
    clock.advance(hours=49)
    app.accept_proposal(second, date(2026, 3, 4), world.world.actor("VCL"))
    caleol = {"decision_caleol": "ajournement", "date_caleol": "04/03/2026",
              "commentaire_caleol": "Pièces justificatives à compléter"}
    assert lmh.post(f"/propositions/{second}/caleol", caleol).status_code == 302
    for reader in (lmh, client_for("vls.partenaire")):
        history = html.unescape(reader.get(f"/propositions/{second}").text.split("Historique de la proposition")[1])
        assert "Commentaire : Pièces justificatives à compléter" in history


def test_follow_up_prefills_todays_ages(world, client_for, clock):
    app, proposal = _proposal(world, clock)
    w = world.world
    clock.advance(hours=49)
    app.accept_proposal(proposal, date(2026, 3, 4), w.actor("VCL"))
    app.decide_caleol(proposal, "attribution", date(2026, 3, 4), "", w.actor("LMH"))
    app.sign_lease(proposal, 49_500, 9_550, 25_000, date(2026, 3, 5), date(2026, 3, 10), w.actor("LMH"))
    officer = client_for("vcl.charge")
    hid = world.ids["household"]
    # Registered 02/03/2026 aged 38; 36; 9; 5. On 15/09/2027, 562 days later = 1.54 years:
    # nearest whole year 2, so 40; 38; 11; 7.
    clock.now = clock.now.replace(year=2027, month=9, day=15)
    form = officer.get(f"/menages/{hid}/suivi").text
    assert 'value="40; 38; 11; 7"' in form
    # A follow-up records ages: the next form starts from those, aged since their measure.
    fields = {"ages": "40; 38; 11; 7", "ressources": "1 900,00", "loyer": "495,00", "charges": "95,50"}
    assert officer.post(f"/menages/{hid}/suivi", {**fields, "date_mesure": "15/09/2027"}).status_code == 302
    clock.now = clock.now.replace(year=2028, month=1, day=10)  # 117 days: 0.32 year → + 0
    assert 'value="40; 38; 11; 7"' in officer.get(f"/menages/{hid}/suivi").text


def test_ages_today_rounds_to_the_nearest_year():
    recorded = date(2026, 3, 2)
    assert ages_today((38, 5), recorded, recorded) == (38, 5)
    assert ages_today((38,), recorded, date(2026, 8, 1)) == (38,)  # 152 days: 0.42 year
    assert ages_today((38,), recorded, date(2026, 9, 15)) == (39,)  # 197 days: 0.54 year
    assert ages_today((38,), recorded, date(2029, 3, 2)) == (41,)
    assert ages_today((38,), recorded, date(2025, 1, 1)) == (38,)  # never younger


def test_fields_in_error_are_tied_to_their_messages(world, client_for):
    # Login: both fields point at the message.
    anonymous = client_for(None)
    r = anonymous.post("/connexion", {"identifiant": "vcl.charge", "mot_de_passe": "faux"})
    assert 'id="erreur-connexion"' in r.text
    assert len(_check_error_links(r.text)) == 2

    # A proposal's objection, with no motive: the required textarea says so and is tied.
    city = client_for("vls.partenaire")
    vcl = client_for("vcl.charge")
    app = world.app.extensions["relogement"]
    proposal = app.make_proposal(world.ids["household"], world.ids["offer"], 25_000, world.world.actor("VCL"))
    r = city.post(f"/propositions/{proposal}/opposition", {"motif_opposition": ""})
    assert r.status_code == 422
    textarea = _block(r.text, "f-motif_opposition")
    assert 'aria-required="true"' in textarea and 'aria-invalid="true"' in textarea
    assert [a["id"] for _, a in _check_error_links(r.text)] == ["f-motif_opposition"]
    # The summary takes the focus after an htmx error (app.js): it can (tabindex -1).
    assert 'id="erreurs-formulaire" tabindex="-1" data-resume-erreurs' in r.text

    # Registration with nothing typed: every field in error is tied, required selects say so.
    r = vcl.post("/menages/nouveau", {"projet": str(world.world.project_id)})
    assert r.status_code == 422
    invalid = {a["id"] for _, a in _check_error_links(r.text)}
    assert {"f-operation", "f-nom", "f-ages", "f-ressources", "f-typologie"} <= invalid
    for select_id in ("f-operation", "f-typologie"):
        assert 'aria-required="true"' in _block(r.text, select_id)

    # The offer form and the proposal form, empty.
    lmh = client_for("lmh.charge")
    r = lmh.post("/offres/nouvelle", {})
    assert r.status_code == 422
    assert len(_check_error_links(r.text)) >= 4
    r = vcl.post(f"/menages/{world.ids['household']}/proposer", {"offre": "", "apl_estimee": ""})
    assert r.status_code == 422
    invalid = {a["id"] for _, a in _check_error_links(r.text)}
    assert {"f-offre", "f-apl_estimee"} <= invalid
    # A help text is tied to its field even without an error.
    page = vcl.get(f"/menages/{world.ids['household']}/proposer").text
    assert 'aria-describedby="h-apl_estimee"' in _block(page, "f-apl_estimee")


def _luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_grey_text_keeps_4_5_to_1_over_the_scroll_shadow():
    """Grey text (--gris) over the darkest point of the phones' scroll shadow (black at the
    gradient's alpha over white) keeps the WCAG AA ratio of 4.5:1 (issue 23, point 20)."""
    from pathlib import Path

    css = (Path(__file__).resolve().parents[2] / "web" / "static" / "app.css").read_text(encoding="utf-8")
    grey = re.search(r"--gris:\s*#([0-9a-fA-F]{3,6});", css).group(1)
    if len(grey) == 3:
        grey = "".join(c * 2 for c in grey)
    text = tuple(int(grey[i:i + 2], 16) for i in (0, 2, 4))
    shadow = re.search(r"\.table-scroll \{ background:(.*?);\s*background-repeat", css, re.S).group(1)
    alphas = [float(a) for a in re.findall(r"rgba\(0,\s*0,\s*0,\s*([0-9.]+)\)", shadow)]
    assert alphas, "the scroll shadow's gradients"
    darkest = 255 * (1 - max(alphas))
    background = (darkest, darkest, darkest)
    ratio = (_luminance(background) + 0.05) / (_luminance(text) + 0.05)
    assert ratio >= 4.5, ratio
