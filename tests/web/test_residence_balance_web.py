"""« Équilibre de la résidence » on the "Logements adaptés" page: the pilot weighs it, an
offer in a residence whose objective « au plus 0 ménages du premier quartile » is reached
shows why it earns nothing (both databases). Figures: tests/test_residence_balance_ranking.py."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from relogement.platform import peuplement as pp
from relogement.platform.residence_commands import NewResidence, SurveyRow
from relogement.simulation import sample


def test_the_page_explains_the_residence_criterion(world, client_for):
    app = world.app.extensions["relogement"]
    w = world.world
    before = client_for("vcl.charge").get(f"/menages/{world.ids['household']}/logements-adaptes").text
    assert "Résidence non renseignée" not in before  # weight 0 by default: not shown
    tilleuls = NewResidence("VCL-LOM-01", "Les Tilleuls", "12 rue des Tilleuls", "Lomme", "Lomme-Centre", False, 120)
    shares = {f: Decimal("20") for f in pp.FIGURES}
    app.import_occupancy(w.project_id, [SurveyRow(tilleuls, 2024, 40, shares)], w.actor("VCL"), "ops.csv",
                         create_missing=True)
    app.set_residence_objectives(pp.residence_id(w.project_id, w.orgs["VCL"], "VCL-LOM-01"),
                                 [{"kind": "max_first_quartile", "limit": 0}], "", w.actor("MEL"))
    app.publish_offer(w.project_id, replace(sample.dwelling(), residence="VCL-LOM-01"), w.actor("VCL"))
    app.change_project_settings(w.project_id, {"matching_weights": {"equilibre_residence": 20}}, w.actor("MEL"))
    text = client_for("vcl.charge").get(f"/menages/{world.ids['household']}/logements-adaptes").text
    assert "Équilibre de la résidence" in text
    assert "Les Tilleuls (résidence équilibrée) : objectif « au plus 0 ménages du premier quartile relogés »" in text
    assert "Résidence non renseignée ou sans qualification : critère neutre." in text
