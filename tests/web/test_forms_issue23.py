"""Issue 23 through the web: every error of a form in one answer (points 5, 6), the
quartier of an offer against the project's (3), lists in CSV cells (7), duplicate
households (8) and readable references (10).

The web world (tests/web/conftest.py): Vilogia (vcl.charge) follows "Famille Benali"
(phone 06 12 34 56 78); LMH (lmh.charge) published two offers; clock 02/03/2026.
"""

from __future__ import annotations

import csv
import io
import re
from html import unescape
from uuid import UUID

from openpyxl import load_workbook

from relogement.web.importer import HOUSEHOLD_COLUMNS, OFFER_COLUMNS
from tests.web.test_form_labels import _summary
from tests.web.test_web_errors_imports import HOUSEHOLD, _csv
from tests.web.test_web_lifecycle import OFFER_FORM


def field_error(response, name: str) -> str:
    """The message the form's error summary gives for ``name`` (every error is listed
    there, linked to its field), without the field's label."""
    found = dict(_summary(response.text))
    assert name in found, (name, found)
    return found[name].split(" : ", 1)[1]


def _count(world) -> int:
    return world.app.extensions["relogement"].recorder.max_notification_id()


def _created(response) -> UUID:
    assert response.status_code == 302, response.text[:3000]
    return UUID(re.search(r"[0-9a-f-]{36}", response.headers["Location"]).group(0))


HOUSEHOLD_FORM = {
    "operation": "DEM-MOU-1", "nom": "Famille Durand", "telephone": "06 99 88 77 66",
    "ages": "41 | 12", "ressources": "1 450,00", "apl": "180", "typologie": "T3", "surface": "64",
    "loyer": "390,00", "charges": "85", "souhait_communes": "Lille | Lomme", "souhait_typologies": "T3 | T4",
}


def test_offer_form_every_error_at_once_and_quartiers(world, client_for):
    lmh = client_for("lmh.charge")
    app = world.app.extensions["relogement"]
    before = _count(world)
    form = {k: v for k, v in OFFER_FORM.items() if k != "quartier_hors_projet"}
    bad = {**form, "loyer": "-450", "surface": "0", "etage": "-1", "annee": "2099",
           "disponible_jusqu_au": "2026-01-15", "quartier": "Faubourg"}
    r = lmh.post("/offres/nouvelle", bad)
    assert r.status_code == 422
    # Six errors of four kinds (format, plausibility, date rule, quartier) in one answer.
    assert "doit être positif" in field_error(r, "loyer")
    assert "entre 1 et 1 000 m²" in field_error(r, "surface")
    assert "entre 0 et 60" in field_error(r, "etage")
    assert "« 2099 »" in field_error(r, "annee") and "entre 1800 et 2031" in field_error(r, "annee")
    assert "(15/01/2026) est déjà passée" in field_error(r, "disponible_jusqu_au")
    near = field_error(r, "quartier")
    assert "vouliez-vous dire « Faubourg de Béthune » (LS-FAU, QPV) ?" in near, near
    assert "2026-01-15" not in unescape(r.text.split("<form")[0])  # dates echoed dd/mm/yyyy
    assert _count(world) == before

    # A project quartier's code, whatever the case, sets the QPV flag (box unchecked).
    offer = app.offer(_created(lmh.post("/offres/nouvelle", {**form, "quartier": "ls-mou"})))
    assert offer.dwelling["quartier"] == "LS-MOU" and offer.dwelling["qpv"] is True
    # Point 10: LMH's third offer of 2026 (the world published two).
    assert offer.reference == "LMH-2026-00003"

    # A quartier outside the project: only once confirmed.
    r = lmh.post("/offres/nouvelle", {**form, "quartier": "Bois-Blancs"})
    assert r.status_code == 422 and "n'est pas un quartier du projet" in field_error(r, "quartier")
    offer = app.offer(_created(lmh.post("/offres/nouvelle", {**form, "quartier": "Bois-Blancs",
                                                              "quartier_hors_projet": "oui", "qpv": "oui"})))
    assert offer.dwelling["quartier"] == "Bois-Blancs" and offer.dwelling["qpv"] is True
    # Editing it keeps the confirmation (the form comes back with the box checked).
    page = lmh.get(f"/offres/{offer.id}/modifier").text
    assert re.search(r'id="f-quartier_hors_projet"[^>]*checked', page)


def test_household_and_proposal_forms_every_error_at_once(world, client_for):
    vcl = client_for("vcl.charge")
    before = _count(world)
    bad = {**HOUSEHOLD_FORM, "operation": "", "ages": "15 | 12", "loyer": "-3", "email": "x@",
           "souhait_typologies": "T3 | T9", "surface": "2000"}
    r = vcl.post("/menages/nouveau", bad)
    assert r.status_code == 422
    assert "obligatoire" in field_error(r, "operation")
    assert "au moins un adulte" in field_error(r, "ages")  # a domain rule, with the format errors
    assert "doit être positif" in field_error(r, "loyer")
    assert "exemple : nom@exemple.fr" in field_error(r, "email")
    assert "« T9 »" in field_error(r, "souhait_typologies")
    assert "entre 1 et 1 000 m²" in field_error(r, "surface")
    # The proposal form: no offer chosen and an implausible aid, in one answer.
    r = vcl.post(f"/menages/{world.ids['household']}/proposer", {"offre": "", "apl_estimee": "5 000"})
    assert r.status_code == 422
    assert "obligatoire" in field_error(r, "offre") and "vérifiez le montant" in field_error(r, "apl_estimee")
    assert _count(world) == before


def test_duplicate_household_needs_a_confirmation_and_is_logged(world, client_for):
    vcl, lmh = client_for("vcl.charge"), client_for("lmh.charge")
    app = world.app.extensions["relogement"]
    reference = app.household(world.ids["household"]).reference
    assert reference == "VCL-2026-M00001"  # point 10: the sample household, generated
    same = {**HOUSEHOLD_FORM, "nom": "famille BENALI", "telephone": "+33 6 12 34 56 78"}
    r = vcl.post("/menages/nouveau", same)
    assert r.status_code == 422
    warning = field_error(r, "doublon_confirme")
    assert f"{reference} (même téléphone)" in warning and "Benali" not in warning
    logged = app.access_log(household_id=world.ids["household"])
    assert any(e.purpose == "contrôle des doublons" and e.user == "vcl.charge" for e in logged)
    # LMH may not identify Vilogia's tenant: its check does not compare with it.
    assert lmh.post("/menages/nouveau", same).status_code == 302
    # Confirmed: registered, under the next reference of Vilogia's series.
    created = app.household(_created(vcl.post("/menages/nouveau", {**same, "doublon_confirme": "oui"})))
    assert created.reference == "VCL-2026-M00002"


def test_import_lists_rows_too_wide_templates_and_duplicates(world, client_for):
    vcl = client_for("vcl.charge")
    before = _count(world)
    header = ";".join(c[0] for c in HOUSEHOLD_COLUMNS)
    row = {**HOUSEHOLD, "ages": "45; 12"}
    unquoted = ";".join(row.get(c[0], "") for c in HOUSEHOLD_COLUMNS)
    data = f"{header}\r\n{unquoted}\r\n".encode()
    r = vcl.post("/import/menages", {"fichier": (io.BytesIO(data), "m.csv")}, content_type="multipart/form-data")
    assert r.status_code == 422
    errors = re.findall(r"<tr><td class=\"num\">(\d+)</td><td>[^<]*</td><td>([^<]+)</td></tr>", r.text)
    columns = len(HOUSEHOLD_COLUMNS)
    assert len(errors) == 1 and errors[0][0] == "2", errors  # one error, at its line, nothing else
    assert unescape(errors[0][1]).startswith(f"Ligne 2 : {columns + 1} champs au lieu de {columns} ")
    assert "séparez ses éléments par « | »" in unescape(r.text)
    # Quoted (csv.writer) or "|"-separated lists are read the same.
    rows = [{**HOUSEHOLD, "ages": "45; 12"}, {**HOUSEHOLD, "reference": "VCL-0002", "nom": "Famille Deux",
                                              "ages": "45 | 12", "souhait_communes": "Lille | Lomme"}]
    r = vcl.post("/import/menages", {"fichier": (io.BytesIO(_csv(HOUSEHOLD_COLUMNS, rows)), "m.csv")},
                 content_type="multipart/form-data")
    assert r.status_code == 200 and "2 ligne(s) importée(s)" in r.text, r.text[-2000:]
    app = world.app.extensions["relogement"]
    ids = [h.id for h in world.app.extensions["relogement.readmodels"].households_for(
        world.world.project_id, world.world.orgs["VCL"], ("a_reloger",))]
    imported = {app.household(i).reference: app.household(i) for i in ids}
    assert imported["VCL-0001"].situation["ages"] == imported["VCL-0002"].situation["ages"] == [45, 12]
    assert imported["VCL-0002"].wishes["communes"] == ["Lille", "Lomme"]
    assert _count(world) == before + 2

    # The same household again under another reference (and twice in the file): warned.
    twin = {**HOUSEHOLD, "reference": "VCL-0003", "nom": "Famille Benali", "telephone": "06 12 34 56 78"}
    rows = [twin, {**twin, "reference": "VCL-0004"}]
    r = vcl.post("/import/menages", {"fichier": (io.BytesIO(_csv(HOUSEHOLD_COLUMNS, rows)), "m.csv")},
                 content_type="multipart/form-data")
    assert r.status_code == 422
    text = unescape(r.text)
    assert "VCL-2026-M00001 (même téléphone)" in text and "ligne 2 du fichier" in text
    assert "colonne doublon_confirme" in text
    rows = [{**row, "doublon_confirme": "oui"} for row in rows]
    r = vcl.post("/import/menages", {"fichier": (io.BytesIO(_csv(HOUSEHOLD_COLUMNS, rows)), "m.csv")},
                 content_type="multipart/form-data")
    assert r.status_code == 200 and "2 ligne(s) importée(s)" in r.text

    # Templates: one example row each, with the list separator; the import page says it.
    for kind, columns in (("menages", HOUSEHOLD_COLUMNS), ("offres", OFFER_COLUMNS)):
        lines = list(csv.reader(io.StringIO(vcl.get(f"/import/modele/{kind}.csv").data.decode("utf-8-sig")),
                            delimiter=";"))
        assert lines == [[c[0] for c in columns], [c[3] for c in columns]]
        sheet = load_workbook(io.BytesIO(vcl.get(f"/import/modele/{kind}.xlsx").data)).worksheets[0]
        assert [[c or "" for c in r] for r in sheet.iter_rows(values_only=True)] == lines
    assert "38 | 36 | 9 | 5" in dict((c[0], c[3]) for c in HOUSEHOLD_COLUMNS)["ages"]
    assert "séparez les éléments par « | »" in unescape(vcl.get("/import").text)


def test_import_offer_quartiers(world, client_for):
    lmh = client_for("lmh.charge")
    example = {c[0]: c[3] for c in OFFER_COLUMNS}
    rows = [{**example, "reference": "Q-1", "quartier": "Moulin", "quartier_hors_projet": ""},
            {**example, "reference": "Q-2", "quartier": "Wazemmes", "quartier_hors_projet": ""},
            {**example, "reference": "Q-3", "quartier": "LS-VAU", "qpv": "", "quartier_hors_projet": ""}]
    r = lmh.post("/import/offres", {"fichier": (io.BytesIO(_csv(OFFER_COLUMNS, rows)), "o.csv")},
                 content_type="multipart/form-data")
    assert r.status_code == 422
    text = unescape(r.text)
    assert "Vouliez-vous dire « Moulins » (LS-MOU, QPV) ? « Moulin » n'est pas un quartier du projet" in text
    assert "« Wazemmes » n'est pas un quartier du projet" in text and "colonne quartier_hors_projet" in text
    assert not re.search(r'<td class="num">4</td>', r.text)  # LS-VAU: the project's, its flag taken


def test_project_form_lists_every_bad_line(world, client_for):
    from tests.web.test_projects_web import _create

    epci = client_for("mel.partenaire")
    quartiers = "RS-PAV ; Pavé ; Roubaix\nRS-BAR ; Barbieux ; Roubaix ; peut-être\nRS-OK ; Ok ; Roubaix ; non\n"
    bad = _create(epci, quartiers=quartiers, seuil_rav="-3")
    assert bad.status_code == 422
    message = field_error(bad, "quartiers")
    assert "igne 1 : 4 éléments attendus" in message and "Quartier RS-BAR : QPV « peut-être » ?" in message
    assert "euil entre 0 et 100 € par jour" in field_error(bad, "seuil_rav")


def test_visit_form_every_error_at_once(world, client_for):
    """The visit form: no offer chosen and a visit dated before the household's
    registration (a use-case rule) come back together, and nothing is recorded."""
    vcl = client_for("vcl.charge")
    before = _count(world)
    r = vcl.post(f"/menages/{world.ids['household']}/visite", {"offre": "", "date_visite": "01/01/2020"})
    assert r.status_code == 422
    assert "obligatoire" in field_error(r, "offre")
    assert "précède l'inscription du ménage" in field_error(r, "date_visite")
    assert _count(world) == before
