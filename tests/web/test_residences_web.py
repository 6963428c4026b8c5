"""Residences through the web: the occupancy import (refused with line/column errors, then
accepted), the offer form's residence code (asks before creating), the sheet and the view
by residence, and the proposal form's warning against an objective (both databases)."""

from __future__ import annotations

from uuid import UUID

from relogement.platform import peuplement as pp
from relogement.platform.values import Dwelling, PersonalData, Situation

HEADER = ("residence;nom;adresse;commune;quartier;logements;annee;menages;part_sous_20;part_sous_40;"
          "part_sous_60;part_premier_quartile;part_aide_logement;part_monoparentales;part_sans_emploi;"
          "part_sur_occupation")
GOOD = "VCL-LOM-01;Les Tilleuls;12 rue des Tilleuls;Lomme;Lomme-Centre;120;2024;40;15;35;58;27,5;50;20;35;5"


def _upload(client, project_id, text: str, create: bool = True):
    from io import BytesIO

    data = {"projet": str(project_id), "fichier": (BytesIO(text.encode("utf-8")), "ops.csv")}
    if create:
        data["creer_residences"] = "oui"
    return client.post("/residences/import", data=data, content_type="multipart/form-data")


def test_a_bad_occupancy_import_is_refused_with_line_and_column(world, client_for):
    vcl = client_for("vcl.charge")
    bad = "\n".join([
        HEADER,
        "VCL-A;A;;Lomme;;10;2024;40;15;35;abc;27,5;50;20;35;5",  # line 2: part_sous_60
        "VCL-B;B;;Lomme;;10;2024;40;50;35;58;27,5;50;20;35;5",  # line 3: u20 > u40
        "VCL-C;C;;Lomme;;10;1990;0;15;35;58;27,5;150;20;35;5",  # line 4: year, households, share
    ])
    response = _upload(vcl, world.world.project_id, bad)
    assert response.status_code == 422
    page = response.text
    assert "Aucune ligne importée" in page
    assert "<td class=\"num\">2</td><td>part_sous_60</td><td>« abc » n&#39;est pas un pourcentage.</td>" in page
    assert "<td class=\"num\">3</td><td>part_sous_40</td>" in page and "incohérentes" in page
    for column in ("annee", "menages", "part_aide_logement"):
        assert f"<td class=\"num\">4</td><td>{column}</td>" in page
    # Without the confirmation, an unknown residence is an error too.
    response = _upload(vcl, world.world.project_id, HEADER + "\n" + GOOD, create=False)
    assert response.status_code == 422 and "inconnue" in response.text
    assert vcl.get("/residences").text.count("VCL-LOM-01") == 0


def test_sheet_offer_and_proposal_warning(world, client_for, clock):
    w = world.world
    app = world.app.extensions["relogement"]
    vcl = client_for("vcl.charge")
    assert _upload(vcl, w.project_id, HEADER + "\n" + GOOD).status_code == 200
    rid = pp.residence_id(w.project_id, w.orgs["VCL"], "VCL-LOM-01")

    # The offer form: an unknown code asks; the code of the residence is accepted.
    form = {"projet": str(w.project_id), "adresse": "3 rue Neuve", "commune": "Lomme", "typologie": "T3",
            "surface": "65", "annee": "2020", "loyer": "450", "charges": "90", "financement": "PLUS", "etage": "1"}
    asked = vcl.post("/offres/nouvelle", data={**form, "residence": "VCL-NOUVELLE"})
    assert asked.status_code == 422 and 'name="creer_residence"' in asked.text
    created = vcl.post("/offres/nouvelle", data={**form, "residence": "VCL-NOUVELLE", "creer_residence": "oui"})
    assert created.status_code == 302
    published = vcl.post("/offres/nouvelle", data={**form, "residence": "VCL-LOM-01"})
    assert published.status_code == 302
    offer_id = published.headers["Location"].rsplit("/", 1)[-1]

    # The groupe de suivi (the pilot, MEL) sets objectives; the bailleur may not.
    assert vcl.post(f"/residences/{rid.hex}/objectifs", data={"priorite_emploi": "oui"}).status_code == 403
    mel = client_for("mel.partenaire")
    done = mel.post(f"/residences/{rid.hex}/objectifs", data={"max_premier_quartile": "0", "priorite_emploi": "oui"})
    assert done.status_code == 302
    sheet = mel.get(f"/residences/{rid.hex}").text
    assert "à surveiller" in sheet and "au plus 0 ménages du premier quartile relogés" in sheet
    assert "&lt; 5" in sheet  # over-occupation: 2 households of 40
    assert "Les Tilleuls" in mel.get("/residences?classe=a_surveiller").text
    assert "Les Tilleuls" not in mel.get("/residences?classe=fragile").text
    assert "priorité aux ménages en emploi" in mel.get(f"/offres/{offer_id}").text

    # A first-quartile household with no adult in work: the proposal form warns, and asks
    # for a confirmation before making the proposal.
    situation = Situation(ages=(30, 4), resources_cents=90_000, apl_cents=20_000, income_quartile=1,
                          adults_in_work=0, dwelling=Dwelling("T3", "62", 40_000, 9_000, commune="Lille"))
    household = app.register_household(w.project_id, "DEM-FAU-1", w.orgs["VCL"], situation,
                                       PersonalData(name="Ménage"), w.actor("VCL"))
    page = vcl.get(f"/menages/{household}/proposer?offre={offer_id}").text
    assert 'id="avertissements-residence"' in page
    assert "au plus 0 ménages du premier quartile" in page and "aucun adulte de ce ménage" in page
    refused = vcl.post(f"/menages/{household}/proposer", data={"offre": offer_id, "apl_estimee": "200"})
    assert refused.status_code == 422 and "avertissement" in refused.text
    made = vcl.post(f"/menages/{household}/proposer",
                    data={"offre": offer_id, "apl_estimee": "200", "malgre_avertissement": "oui"})
    assert made.status_code == 302
    assert UUID(made.headers["Location"].rsplit("/", 1)[-1])

    export = mel.get("/residences/export.xlsx")
    assert export.status_code == 200 and export.data[:2] == b"PK"


def test_offer_import_names_the_residence(world, client_for):
    from io import BytesIO

    vcl = client_for("vcl.charge")
    text = ("reference;adresse;commune;typologie;surface;loyer;charges;annee;residence\n"
            "VCL-1;3 rue Neuve;Lomme;T3;65;450;90;2020;VCL-IMPORT\n")

    def send(create: bool):
        data = {"projet": str(world.world.project_id), "fichier": (BytesIO(text.encode()), "offres.csv")}
        if create:
            data["creer_residences"] = "oui"
        return vcl.post("/import/offres", data=data, content_type="multipart/form-data")

    refused = send(False)
    assert refused.status_code == 422
    assert "<td class=\"num\">2</td><td>residence</td>" in refused.text and "VCL-IMPORT" in refused.text
    assert send(True).status_code == 200
    assert "VCL-IMPORT" in vcl.get("/residences").text
