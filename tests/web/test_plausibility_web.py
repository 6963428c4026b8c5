"""Implausible input through the web: a French message next to the field, 422 (409 for
a state conflict), the form keeps what was typed, nothing is stored.

The household of the web world belongs to Vilogia (vcl.charge follows it); the offers
are LMH's (lmh.charge's CALEOL decides). The clock starts on 02/03/2026 at 09:00 UTC.
"""

from __future__ import annotations

import io
import re
from html import unescape

from relogement.web.importer import OFFER_COLUMNS
from tests.web.test_web_errors_imports import _csv
from tests.web.test_web_lifecycle import OFFER_FORM


def _count(world) -> int:
    return world.app.extensions["relogement"].recorder.max_notification_id()


def field_error(response, name: str) -> str:
    """The message shown next to the form field ``name``."""
    match = re.search(rf'<span class="erreur" id="e-{name}">(.*?)</span>', response.text, re.S)
    assert match, f"no error next to {name}"
    return unescape(match.group(1))


def refused(client, world, url: str, data: dict, name: str, *fragments: str, status: int = 422):
    before = _count(world)
    response = client.post(url, data)
    assert response.status_code == status, response.text[:2000]
    message = field_error(response, name)
    for fragment in fragments:
        assert fragment in message, message
    typed = data[name]
    assert f'value="{typed}"' in response.text or f">{typed}</textarea>" in response.text
    assert _count(world) == before
    return response


def _proposal(world, clock):
    app = world.app.extensions["relogement"]
    clock.advance(hours=3)
    return app.make_proposal(world.ids["household"], world.ids["offer"], 25_000, world.world.actor("VCL"))


def test_acceptance_caleol_and_lease_dates_follow_the_timeline(world, client_for, clock):
    vcl, lmh = client_for("vcl.charge"), client_for("lmh.charge")
    proposal = _proposal(world, clock)
    url = f"/propositions/{proposal}"

    refused(vcl, world, f"{url}/acceptation", {"date_acceptation": "01/01/2020"},
            "date_acceptation", "La date d'acceptation (01/01/2020) précède la proposition (02/03/2026).")
    refused(vcl, world, f"{url}/acceptation", {"date_acceptation": "2099-01-01"},
            "date_acceptation", "trop loin dans le futur")
    refused(vcl, world, f"{url}/acceptation", {"date_acceptation": "0001-01-01"},
            "date_acceptation", "Date invraisemblable", "01/01/2000")
    assert vcl.post(f"{url}/acceptation", {"date_acceptation": "02/03/2026"}).status_code == 302

    clock.advance(hours=49)
    caleol = {"decision_caleol": "attribution", "commentaire_caleol": "Dossier complet"}
    refused(lmh, world, f"{url}/caleol", {**caleol, "date_caleol": "2019-05-05"},
            "date_caleol", "La date de la commission CALEOL (05/05/2019) précède la proposition")
    r = refused(lmh, world, f"{url}/caleol", {**caleol, "date_caleol": "2099-05-05"},
                "date_caleol", "trop loin dans le futur")
    assert "Dossier complet" in r.text  # the other fields stay too
    assert lmh.post(f"{url}/caleol", {**caleol, "date_caleol": "2026-03-04"}).status_code == 302

    lease = {"loyer_bail": "480,00", "charges_bail": "100,00", "apl_bail": "250,00",
             "date_signature": "2026-03-04"}
    refused(lmh, world, f"{url}/bail", {**lease, "date_entree": "2028-03-04"},
            "date_entree", "à plus d'un an de la signature du bail (04/03/2026)")
    refused(lmh, world, f"{url}/bail", {**lease, "date_signature": "2026-03-01", "date_entree": "2026-03-10"},
            "date_signature", "précède la proposition")
    r = lmh.post(f"{url}/bail", {**lease, "date_entree": "2026-09-01"})  # move-in ahead: fine
    assert r.status_code == 302, r.text


def test_visit_dates(world, client_for):
    vcl = client_for("vcl.charge")
    url = f"/menages/{world.ids['household']}/visite"
    visit = {"offre": str(world.ids["offer"]), "compte_rendu": "Logement lumineux"}
    for typed, fragment in (
        ("0001-01-01", "Date invraisemblable"),
        ("1900-01-01", "aucune date antérieure au 01/01/2000"),
        ("2099-01-01", "La date de visite (01/01/2099) est trop loin dans le futur"),
        ("2026-03-01", "La date de visite (01/03/2026) précède l'inscription du ménage (02/03/2026)."),
    ):
        r = refused(vcl, world, url, {**visit, "date_visite": typed}, "date_visite", fragment)
        assert "Logement lumineux" in r.text
    assert vcl.post(url, {**visit, "date_visite": "2026-03-02"}).status_code == 302


def test_wished_communes_are_capped(world, client_for):
    vcl = client_for("vcl.charge")
    url = f"/menages/{world.ids['household']}/souhaits"
    refused(vcl, world, url, {"souhait_communes": "Lille" * 600}, "souhait_communes",
            "80 caractères au maximum")
    many = ", ".join(f"Commune {i}" for i in range(25))
    refused(vcl, world, url, {"souhait_communes": many}, "souhait_communes",
            "Trop de communes souhaitées (25) : 20 au maximum.")
    assert vcl.post(url, {"souhait_communes": "Lille, Lomme"}).status_code == 302


def test_phone_numbers(world, client_for):
    vcl = client_for("vcl.charge")
    url = f"/menages/{world.ids['household']}/identite"
    refused(vcl, world, url, {"nom": "Famille Benali", "telephone": "abc"}, "telephone",
            "Numéro de téléphone invalide « abc »", "de 10 à 15 chiffres")
    assert vcl.post(url, {"nom": "Famille Benali", "telephone": "+33 (0)6 12 34 56 78"}).status_code == 302

    form = {
        "operation": "DEM-MOU-1", "nom": "Famille Nouvelle", "telephone": "06 12", "ages": "40; 10",
        "ressources": "1 500", "typologie": "T3", "surface": "60", "loyer": "400", "charges": "80",
    }
    r = refused(vcl, world, "/menages/nouveau", form, "telephone", "Numéro de téléphone invalide")
    assert 'value="Famille Nouvelle"' in r.text


def test_offer_rent_floor_and_year(world, client_for):
    lmh = client_for("lmh.charge")
    refused(lmh, world, "/offres/nouvelle", {**OFFER_FORM, "loyer": "0"}, "loyer", "supérieur à 0 €")
    refused(lmh, world, "/offres/nouvelle", {**OFFER_FORM, "etage": "-3"}, "etage", "entre 0 et 60")
    r = refused(lmh, world, "/offres/nouvelle", {**OFFER_FORM, "annee": "2099"}, "annee",
                "« 2099 »", "entre 1800 et 2031")
    assert 'value="8 allée des Peupliers"' in r.text
    url = f"/offres/{world.ids['offer']}/modifier"
    refused(lmh, world, url, {**OFFER_FORM, "loyer": "0,00"}, "loyer", "supérieur à 0 €")
    assert lmh.post("/offres/nouvelle", {**OFFER_FORM, "annee": "2031", "etage": "0"}).status_code == 302


def test_offer_import_names_the_implausible_rows(world, client_for):
    lmh = client_for("lmh.charge")
    example = {c[0]: c[3] for c in OFFER_COLUMNS}
    rows = [example, {**example, "reference": "LMH-0002", "loyer": "0"},
            {**example, "reference": "LMH-0003", "annee": "2099", "etage": "-1"}]
    before = _count(world)
    r = lmh.post("/import/offres", {"fichier": (io.BytesIO(_csv(OFFER_COLUMNS, rows)), "offres.csv")},
                 content_type="multipart/form-data")
    assert r.status_code == 422
    text = unescape(r.text)
    assert "Aucune ligne importée" in text
    assert "supérieur à 0 €" in text and "Valeur attendue entre 0 et 60." in text
    assert _count(world) == before


def test_no_second_objection_offered_to_the_same_organisation(world, client_for, clock):
    city = client_for("vls.partenaire")
    proposal = _proposal(world, clock)
    url = f"/propositions/{proposal}"
    assert 'id="form-opposition"' in city.get(url).text
    assert city.post(f"{url}/opposition", {"motif_opposition": "Peuplement"}).status_code == 302

    page = city.get(url).text
    assert 'id="form-opposition"' not in page and "S&#39;opposer à la proposition" not in page
    assert "Votre organisation a déjà une opposition ouverte" in unescape(page)
    # Another partner may still object.
    assert 'id="form-opposition"' in client_for("mel.partenaire").get(url).text

    # A stale page or a double submit: still refused, 409, in French.
    r = city.post(f"{url}/opposition", {"motif_opposition": "Encore"})
    assert r.status_code == 409
    assert "Votre organisation a déjà une opposition ouverte ici." in unescape(r.text)

    objection = re.search(r"/opposition/([0-9a-f-]{36})/levee", page).group(1)
    assert city.post(f"{url}/opposition/{objection}/levee", {"commentaire": "Vu"}).status_code == 302
    assert 'id="form-opposition"' in city.get(url).text  # lifted: it may object again
