"""Every form of the UI, every field, odd values: a French 4xx or the page, never a 500.
The import forms get odd files (tests/web/odd_files.py) the same way.

The forms are read from the pages themselves (so a new field or form is covered without
editing this test). Each field in turn gets each odd value while the others keep what
the page offers (its prefilled value, its selected or first option); the author of the
request is a user allowed to post that form, so the request reaches validation and the
use case rather than stopping at the policy.
"""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import pytest

from relogement.simulation import sample
from relogement.web.demo_accounts import create_demo_accounts
from tests.web.odd_files import odd_files

ODD = (
    "",
    " ",
    "-1",
    "0",
    "1e999",
    "NaN",
    "99999999999999999999999",
    "12,3,4",
    "é" * 3000,
    "\x00",
    "<script>alert(1)</script>",
    "31/02/2026",
    "2026-13-45",
    "1 234,56",
)

# What a user would type in the fields a page leaves empty, so that each odd value meets
# otherwise valid input and reaches the use case (the sample clock is 02/03/2026).
TYPED = {
    "adresse": "3 rue Neuve", "commune": "Lille", "quartier": "Lomme-Centre", "surface": "65",
    "quartier_hors_projet": "oui",
    "annee": "2020", "loyer": "450,00", "charges": "80,00", "nom": "Famille Essai",
    "ages": "40; 12", "ressources": "1 500,00", "apl": "100,00", "quartile": "2",
    "souhait_communes": "Lille", "souhait_typologies": "T3", "date_visite": "02/03/2026",
    "compte_rendu": "Visite faite.", "apl_estimee": "100,00", "motif_opposition": "Motif",
    "commentaire": "Vu en commission.", "date_caleol": "02/03/2026", "date_acceptation": "02/03/2026",
    "motif_retrait": "Retrait", "identifiant": "essai.charge", "mot_de_passe": "Essai-2026-mot-de-passe",
    "motif": "Vendu", "date_signature": "02/03/2026", "date_entree": "02/03/2026",
    "date_mesure": "02/03/2026", "motif_sortie": "Autre", "precision_sortie": "Parti chez un proche.",
    "nom_projet": "NPNRU Essai", "code_projet": "ESSAI", "quartiers": "Q1 ; Quartier un ; Lille ; oui",
    "operations": "OP1 ; Démolition ; démolition ; Q1", "nom_organisation": "Habitat Essai",
    "code_organisation": "HES", "nouvelles_operations": "OP9 ; Démolition barre ; démolition ; LS-FAU",
}

# (login, page holding forms), destructive forms last: a withdrawn proposal or an erased
# household leaves the other forms nothing to validate.
PAGES = [
    ("lmh.charge", "/offres/nouvelle"),
    ("lmh.charge", "/offres/{offer2}/modifier"),
    ("vcl.charge", "/menages/nouveau"),
    ("vcl.charge", "/menages/{household}/situation"),
    ("vcl.charge", "/menages/{household}/souhaits"),
    ("vcl.charge", "/menages/{household}/identite"),
    ("vcl.charge", "/menages/{household}/visite"),
    ("vcl.charge", "/menages/{household}/proposer"),
    ("vls.partenaire", "/propositions/{proposal}"),
    ("mel.partenaire", "/propositions/{proposal}"),
    ("vcl.charge", "/propositions/{proposal}"),
    ("lmh.charge", "/propositions/{proposal}"),
    ("lmh.charge", "/propositions/{attributed}"),
    ("mel.partenaire", "/projets/nouveau"),
    ("mel.partenaire", "/projets/{project}"),
    ("anru.auditeur", "/offres"),
    ("vcl.charge", "/notifications"),
    ("admin", "/admin/organisations"),
    ("lmh.charge", "/offres/{offer2}"),
    # Disabling an account ends its sessions and logins: after every other login.
    ("admin", "/admin/comptes"),
    ("admin", "/admin/menages/{household}/effacement"),
]


class _Forms(HTMLParser):
    """The POST forms of a page: action and fields with the values the page gives them."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._textarea: str | None = None
        self._option: list | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            if a.get("method", "get").lower() == "post" or a.get("hx-post"):
                # No action: the form posts to its own page.
                action = a.get("action") or a.get("hx-post") or self.url
                self._form = {"action": action, "fields": {}, "names": []}
                self.forms.append(self._form)
            return
        form = self._form
        if form is None:
            return
        if tag == "option" and self._select:
            self._end_option()
            # An option without a value attribute has its text as value.
            self._option = [dict(attrs).get("value"), "", "selected" in a]
            return
        name = a.get("name")
        if not name or (tag == "input" and a.get("type", "").lower() == "file"):
            return
        if name not in form["names"]:
            form["names"].append(name)
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a or (kind == "radio" and name not in form["fields"]):
                    form["fields"][name] = a.get("value") or "on"
            else:
                form["fields"].setdefault(name, a.get("value", ""))
        elif tag == "button":
            form["fields"].setdefault(name, a.get("value", ""))
        elif tag == "select":
            self._select = name
        elif tag == "textarea":
            self._textarea = name
            form["fields"].setdefault(name, "")

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea:
            self._form["fields"][self._textarea] += data
        if self._option is not None:
            self._option[1] += data

    def _end_option(self) -> None:
        if self._option is not None and self._form is not None and self._select:
            value, text, selected = self._option
            value = text.strip() if value is None else value
            if selected or (value and not self._form["fields"].get(self._select)):
                self._form["fields"][self._select] = value
        self._option = None

    def handle_endtag(self, tag: str) -> None:
        if tag in ("option", "select"):
            self._end_option()
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_of(html: str, url: str) -> list[dict]:
    parser = _Forms(url)
    parser.feed(html)
    # Logging out would leave the rest of the page's forms to the login page.
    return [f for f in parser.forms if not f["action"].endswith("/deconnexion")]


@pytest.fixture
def scenario(world, clock):
    app = world.app.extensions["relogement"]
    w = world.world
    create_demo_accounts(
        world.app.extensions["relogement.accounts"],
        world.app.extensions["relogement.readmodels"].organisations(),
    )
    proposal = app.make_proposal(world.ids["household"], world.ids["offer"], 25_000, w.actor("VCL"))
    app.raise_objection(proposal, "Peuplement à équilibrer", w.actor("VLS"))
    # A second household's proposal, accepted and granted by the CALEOL: the lease form.
    other = sample.register(w, bailleur="VCL", name="Famille Durand")
    offer = app.publish_offer(w.project_id, sample.dwelling(), w.actor("LMH"))
    attributed = app.make_proposal(other, offer, 25_000, w.actor("VCL"))
    clock.advance(hours=49)
    app.close_objection_window(attributed)
    app.accept_proposal(attributed, clock.now.date(), w.actor("VCL"))
    app.decide_caleol(attributed, "attribution", clock.now.date(), "", w.actor("LMH"))
    return {**world.ids, "proposal": proposal, "attributed": attributed, "project": w.project_id}


def test_forms_are_read_from_the_pages(world, client_for):
    """The parser finds the fields of a known form (else the fuzzing below tests nothing)."""
    page = client_for("lmh.charge").get("/offres/nouvelle")
    (form,) = [f for f in forms_of(page.text, "/offres/nouvelle")
                if f["action"] == "/offres/nouvelle"]
    assert {"csrf_token", "typologie", "loyer", "commune"} <= set(form["names"])
    assert form["fields"]["csrf_token"]


def test_no_500_on_any_form_input(scenario, client_for):
    posted = 0
    seen: set[tuple] = set()  # one form of each kind (the inbox has one per notice)
    for login, template in PAGES:
        client = client_for(login)
        url = template.format(**scenario)
        page = client.get(url)
        assert page.status_code == 200, f"{login} {template}: {page.status_code}"
        for form in forms_of(page.text, url):
            # One form of each kind: the accounts page has one enable/disable form per
            # account (/admin/comptes/<id>/actif).
            kind = (login, re.sub(r"/\d+/", "/<id>/", form["action"]), tuple(form["names"]))
            if kind in seen:
                continue
            seen.add(kind)
            for name in form["names"]:
                if name == "csrf_token":
                    continue
                for value in ODD:
                    base = {k: v or TYPED.get(k, "") for k, v in form["fields"].items()}
                    data = {**base, name: value}
                    r = client.post(form["action"], data)
                    posted += 1
                    where = f"{login} {form['action']} {name}={value[:20]!r}"
                    assert r.status_code < 500, f"{where}: {r.status_code}"
                    assert "Erreur interne" not in r.text, where
    assert posted > 500  # every page above has forms with fields


def test_no_500_on_any_import_file(world, client_for):
    """Empty, binary, truncated, disguised, UTF-16, NUL bytes, a huge field, only a header,
    a zip that is no workbook, a workbook without a sheet or with a DTD: each import page
    answers 422 with its French message (or imports), never a 500."""
    for login, kind in (("vcl.charge", "menages"), ("lmh.charge", "offres")):
        client = client_for(login)
        for name, content in odd_files():
            r = client.post(f"/import/{kind}", {"fichier": (io.BytesIO(content), name)},
                            content_type="multipart/form-data")
            where = f"{kind} {name}"
            assert r.status_code in (200, 422), f"{where}: {r.status_code}"
            assert "Erreur interne" not in r.text, where
            if r.status_code == 422:
                assert "Aucune ligne importée" in r.text, where
                assert 'id="erreurs-import"' in r.text, where
