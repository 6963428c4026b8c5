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
