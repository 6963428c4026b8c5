"""Projects from the web: created by an EPCI, a city or a MOUS (the pilot), partners added
and settings changed by the pilot; every partner reads the project's page."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from uuid import UUID

from relogement.platform.values import PersonalData
from relogement.simulation import sample

QUARTIERS = "RS-PAV ; Pavé de Roubaix ; Roubaix ; oui\nRS-BAR ; Barbieux ; Roubaix ; non\n"
OPERATIONS = "DEM-PAV-1 ; Démolition tour Pavé ; démolition ; RS-PAV\n"
SETTINGS = {"delai_heures": "48", "offres_max": "3", "convention_rav": "personne", "seuil_rav": "6,00"}


def _create(client, **fields):
    data = {"nom_projet": "NPNRU Roubaix Est", "code_projet": "RBX", "quartiers": QUARTIERS,
            "operations": OPERATIONS, **SETTINGS, **fields}
    return client.post("/projets/nouveau", data)


def test_the_epci_creates_a_project_and_becomes_its_pilot(world, client_for):
    epci = client_for("mel.partenaire")
    assert "Créer un projet" in epci.get("/projets").text
    done = _create(epci)
    assert done.status_code == 302
    page = epci.get(done.headers["Location"]).text
    assert "NPNRU Roubaix Est" in page and "Pavé de Roubaix" in page and "Démolition tour Pavé" in page
    assert "Métropole Européenne de Lille" in page and "pilote" in page
    app = world.app.extensions["relogement"]
    project_id = re.search(r"/projets/([0-9a-f-]{36})", done.headers["Location"]).group(1)
    project = app.project(UUID(project_id))
    assert project.quartiers[0] == {"code": "RS-PAV", "name": "Pavé de Roubaix", "commune": "Roubaix", "qpv": True}
    assert project.operations == [{"code": "DEM-PAV-1", "name": "Démolition tour Pavé", "kind": "demolition",
                                   "quartier": "RS-PAV"}]
    assert project.settings["objection_window_hours"] == 48 and project.settings["rav_threshold"] == "6.00"
    # The code is the project's: a second one is refused, with what was typed kept.
    again = _create(epci, nom_projet="Autre")
    assert again.status_code == 422 and "déjà pris" in html.unescape(again.text)
    assert 'id="e-code_projet"' in again.text  # under its field, like the other errors
    assert 'value="Autre"' in again.text


def test_project_form_errors_name_the_line(world, client_for):
    epci = client_for("mel.partenaire")
    bad = _create(epci, quartiers="RS-PAV ; Pavé ; Roubaix\n", operations="X ; Y ; démolition ; NOPE\n",
                  delai_heures="0", seuil_rav="-3")
    text = html.unescape(bad.text)
    assert bad.status_code == 422
    assert "Ligne 1 : 4 éléments attendus (code ; nom ; commune ; QPV oui ou non)" in text
    assert "Délai d'opposition : valeur attendue entre 1 et 720" in text
    assert "Seuil entre 0 et 100 € par jour" in text
    assert "RS-PAV ; Pavé ; Roubaix" in text  # the text area keeps what was typed
    qpv = _create(epci, quartiers="RS-PAV ; Pavé ; Roubaix ; peut-être\n")
    assert qpv.status_code == 422 and "QPV « peut-être » ?" in html.unescape(qpv.text)
    op = _create(epci, operations="DEM-1 ; Démolition ; démolition ; RS-XXX\n")
    assert op.status_code == 422 and "quartier « RS-XXX » absent" in html.unescape(op.text)
    assert client_for("lmh.charge").get("/projets/nouveau").status_code == 403  # a bailleur


def test_the_pilot_adds_partners_and_changes_the_settings(world, client_for, clock):
    app = world.app.extensions["relogement"]
    w = world.world
    epci = client_for("mel.partenaire")
    project_id = re.search(r"/projets/([0-9a-f-]{36})", _create(epci).headers["Location"]).group(1)
    lmh = client_for("lmh.charge")
    assert lmh.get(f"/projets/{project_id}").status_code == 403  # not a partner yet
    assert "NPNRU Roubaix Est" not in lmh.get("/projets").text
    added = epci.post(f"/projets/{project_id}/partenaires", {"partenaire": str(w.orgs["LMH"])})
    assert added.status_code == 302
    page = lmh.get(f"/projets/{project_id}")
    assert page.status_code == 200 and "Enregistrer les paramètres" not in page.text  # reads only
    assert lmh.post(f"/projets/{project_id}/parametres", SETTINGS).status_code == 403
    assert client_for("vls.partenaire").post(
        f"/projets/{project_id}/partenaires", {"partenaire": str(w.orgs["VLS"])}).status_code == 403
    again = epci.post(f"/projets/{project_id}/partenaires", {"partenaire": str(w.orgs["LMH"])})
    assert again.status_code == 422 and "déjà partenaire" in html.unescape(again.text)

    # Settings: a 72-hour window for the proposals made from now on (in the sample project).
    sample_project = str(w.project_id)
    changed = epci.post(f"/projets/{sample_project}/parametres", {**SETTINGS, "delai_heures": "72", "offres_max": "2"})
    assert changed.status_code == 302
    assert app.project(w.project_id).settings["max_proposals"] == 2
    proposal = app.make_proposal(world.ids["household"], world.ids["offer"], 20_000, w.actor("VCL"))
    made = app.proposal(proposal)
    assert made.objection_deadline == clock.now + timedelta(hours=72)
    text = client_for("vcl.charge").get(f"/projets/{sample_project}").text
    assert "72 heures" in text and "6,00 € par jour" in text and "L314-2" in text
    assert f'href="/tableau-de-bord?projet={sample_project}"' in text  # the way to its figures


def test_a_household_can_be_registered_in_a_new_project(world, client_for):
    """The created project is usable: its partner bailleur registers a household in it."""
    app = world.app.extensions["relogement"]
    w = world.world
    epci = client_for("mel.partenaire")
    location = _create(epci).headers["Location"]
    project_id = UUID(re.search(r"/projets/([0-9a-f-]{36})", location).group(1))
    epci.post(f"/projets/{project_id}/partenaires", {"partenaire": str(w.orgs["VCL"])})
    household = app.register_household(
        project_id, "DEM-PAV-1", w.orgs["VCL"], sample.situation(),
        PersonalData(name="Famille Test"),
        w.actor("VCL"),
    )
    assert app.household(household).quartier == "RS-PAV"


def test_the_administrator_registers_an_organisation(world, client_for):
    admin = client_for("admin")
    done = admin.post("/admin/organisations", {"nom_organisation": "Partenord Habitat",
                                               "code_organisation": "pnh", "type_organisation": "bailleur"})
    assert done.status_code == 302
    page = admin.get("/admin/organisations").text
    assert "Partenord Habitat" in page and "PNH" in page
    again = admin.post("/admin/organisations", {"nom_organisation": "Autre", "code_organisation": "PNH",
                                                "type_organisation": "ville"})
    assert again.status_code == 422 and "déjà pris" in html.unescape(again.text) and 'value="Autre"' in again.text
    # Then the pilot can add it to a project.
    epci = client_for("mel.partenaire")
    project = epci.get(f"/projets/{world.world.project_id}").text
    assert "Partenord Habitat (Bailleur social)" in project
    assert client_for("mel.partenaire").get("/admin/organisations").status_code == 403


def test_the_pilot_adds_a_phase_of_operations(world, client_for):
    """New operations (and their new quartier) are added to the project, once, by its
    pilot; households can then be registered in them; the project's history shows it."""
    app = world.app.extensions["relogement"]
    w = world.world
    epci = client_for("mel.partenaire")
    url = f"/projets/{w.project_id}/operations"
    done = epci.post(url, {"nouveaux_quartiers": "LS-CON ; Concorde ; Lille ; oui",
                           "nouvelles_operations": "DEM-CON-1 ; Démolition barre Concorde ; démolition ; LS-CON\n"
                                                   "REH-FAU-2 ; Réhabilitation tour Rio ; réhabilitation ; LS-FAU"})
    assert done.status_code == 302
    project = app.project(w.project_id)
    assert [o["code"] for o in project.operations][-2:] == ["DEM-CON-1", "REH-FAU-2"]
    assert project.quartiers[-1] == {"code": "LS-CON", "name": "Concorde", "commune": "Lille", "qpv": True}
    page = epci.get(f"/projets/{w.project_id}").text
    assert "Démolition barre Concorde" in page and "Réhabilitation lourde" in page
    household = app.register_household(w.project_id, "DEM-CON-1", w.orgs["VCL"], sample.situation(),
                                       PersonalData(name="Famille Concorde"), w.actor("VCL"))
    assert app.household(household).quartier == "LS-CON"
    # Codes stay unique; an operation needs a quartier of the project; only the pilot adds.
    again = epci.post(url, {"nouvelles_operations": "DEM-CON-1 ; Encore ; démolition ; LS-CON"})
    assert again.status_code == 422 and "figure deux fois" in html.unescape(again.text)
    assert 'id="e-nouvelles_operations"' in again.text and "<details class=\"bloc\" open>" in again.text
    nowhere = epci.post(url, {"nouvelles_operations": "DEM-X ; X ; démolition ; LS-ZZZ"})
    assert nowhere.status_code == 422 and "quartier « LS-ZZZ » absent" in html.unescape(nowhere.text)
    assert client_for("vls.partenaire").post(url, {"nouvelles_operations": "A ; B ; démolition ; LS-FAU"}).status_code == 403


def test_lists_filter_by_project(world, client_for):
    """With two projects, the offers, households and proposals lists choose one."""
    app = world.app.extensions["relogement"]
    w = world.world
    epci = client_for("mel.partenaire")
    other = UUID(re.search(r"/projets/([0-9a-f-]{36})", _create(epci).headers["Location"]).group(1))
    epci.post(f"/projets/{other}/partenaires", {"partenaire": str(w.orgs["LMH"])})
    theirs = app.register_household(other, "DEM-PAV-1", w.orgs["LMH"], sample.situation(),
                                    PersonalData(name="Famille Roubaix"), w.actor("LMH"))
    reference = app.household(theirs).reference
    sample_ref = app.household(world.ids["household"]).reference
    lmh = client_for("lmh.charge")
    every = lmh.get("/menages").text
    assert reference in every and sample_ref in every and 'name="projet"' in every
    one = lmh.get(f"/menages?projet={other}").text
    assert reference in one and sample_ref not in one
    assert lmh.get(f"/menages?projet={w.project_id}").text.count(reference) == 0
    assert lmh.get("/menages?projet=" + "9" * 32).status_code == 400  # not one of theirs
    offer = app.offer(app.publish_offer(other, sample.dwelling(quartier="RS-BAR"), w.actor("LMH"))).reference
    assert offer in lmh.get("/offres").text and offer in lmh.get(f"/offres?projet={other}").text
    assert offer not in lmh.get(f"/offres?projet={w.project_id}").text
    assert lmh.get(f"/propositions?projet={other}").status_code == 200
    # One project only: no filter to show.
    assert 'name="projet"' not in client_for("vcl.charge").get("/menages").text
