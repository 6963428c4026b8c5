"""The ranking pages through the web: "Logements adaptés" (household), "Ménages
correspondants" (offer), an offer set aside in one click, the proposal form reached with
the offer preselected, and the dashboard's count of offers considered (both databases)."""

from __future__ import annotations

import re

from relogement.simulation import sample


def _refs(world):
    app = world.app.extensions["relogement"]
    return {name: app.offer(world.ids[name]).reference for name in ("offer", "offer2")}


def test_household_ranking_then_set_aside(world, client_for):
    app = world.app.extensions["relogement"]
    small = app.publish_offer(world.world.project_id, sample.dwelling(typology="T2", surface="30"),
                              world.world.actor("LMH"))
    refs = {**_refs(world), "small": app.offer(small).reference}
    household = world.ids["household"]
    officer = client_for("vcl.charge")
    assert "Logements adaptés" in officer.get(f"/menages/{household}").text
    page = officer.get(f"/menages/{household}/logements-adaptes")
    assert page.status_code == 200
    text = page.text
    # The 30 m² T2 is over-occupied for four persons (34 m² at least): listed last, with its reason.
    order = [ref for ref in re.findall(r"<h3><span class=\"muted\">n° \d+</span> ([^ ]+) —", text)]
    assert order[-1] == refs["small"] and set(order) == set(refs.values())
    assert "Sur-occupation" in text and "au moins 34 m²" in text and "R822-25" in text
    assert "Pourquoi ce rang ?" in text and "Pondération du projet" in text.replace("pondération", "Pondération")
    assert "Famille Benali" not in text  # the ranking shows the reference, never the name
    # The officer's own aid estimate: carried into the figures and the proposal link.
    typed = officer.get(f"/menages/{household}/logements-adaptes?apl=300").text
    assert "estimation saisie par le chargé de relogement" in typed and "apl_estimee=300,00" in typed
    form = officer.get(f"/menages/{household}/proposer?offre={world.ids['offer']}&apl_estimee=300,00").text
    assert re.search(rf'<option value="{world.ids["offer"]}" selected>', form)
    assert 'value="300,00"' in form
    # Set aside in one click (the motive is preselected), then counted on the dashboard.
    done = officer.post(f"/menages/{household}/ecarter", {"offre": str(small), "motif": "sur_occupation"})
    assert done.status_code == 302
    again = officer.get(f"/menages/{household}/logements-adaptes").text
    assert "Offres écartées pour ce ménage" in again and again.count(refs["small"]) == 1
    twice = officer.post(f"/menages/{household}/ecarter", {"offre": str(small), "motif": "autre"})
    assert twice.status_code == 409 and "déjà écartée" in twice.text
    history = officer.get(f"/menages/{household}").text
    assert "Offre écartée" in history
    board = client_for("mel.partenaire").get(f"/tableau-de-bord?projet={world.world.project_id}").text
    assert "Offres examinées par ménage" in board and "1 offre examinée" in board


def test_offer_ranking_shows_only_households_whose_situation_one_sees(world, client_for):
    offer = world.ids["offer"]
    household_ref = world.app.extensions["relogement"].household(world.ids["household"]).reference
    mous = client_for("mous.charge").get(f"/offres/{offer}/menages-correspondants")
    assert mous.status_code == 200 and household_ref in mous.text and "Pourquoi ce rang ?" in mous.text
    assert "Ménages correspondants" in client_for("mous.charge").get(f"/offres/{offer}").text
    own = client_for("lmh.charge").get(f"/offres/{offer}/menages-correspondants").text  # LMH follows no household
    assert household_ref not in own and "Aucun ménage à reloger dont vous voyez la situation" in own
    assert client_for("vls.partenaire").get(f"/offres/{offer}/menages-correspondants").status_code == 403
    assert client_for("vcl.charge").get(f"/offres/{offer}/menages-correspondants?page=x").status_code == 400


def test_pilot_sets_the_ranking_weights_and_ceiling(world, client_for):
    project = world.world.project_id
    pilot = client_for("mel.partenaire")
    form = pilot.get(f"/projets/{project}").text
    assert 'name="poids_commune"' in form and 'value="20"' in form  # the default, shown
    settings = {"delai_heures": "48", "offres_max": "3", "convention_rav": "personne", "seuil_rav": "6,00",
                "taux_effort_max": "25", "poids_commune": "40", "poids_inter_bailleur": "0"}
    assert pilot.post(f"/projets/{project}/parametres", {**settings, "poids_neuf": "101"}).status_code == 422
    assert pilot.post(f"/projets/{project}/parametres", settings).status_code == 302
    saved = world.app.extensions["relogement"].project(project).settings
    assert saved["max_effort_rate"] == "25.00"
    assert saved["matching_weights"]["commune"] == 40 and saved["matching_weights"]["inter_bailleur"] == 0
    page = client_for("vcl.charge").get(f"/menages/{world.ids['household']}/logements-adaptes").text
    # Shown on the page; total 125 − 20 + 40 − 5 = 140 points.
    assert "25,00\u00a0%" in page and "/ 140 points" in page
