"""« Équilibre de la résidence » in the ranking of offers, worked out by hand (both
databases).

Household H1 (LMH, from the QPV, 4 persons, 1 800 € a month, first quartile, aid 210 €,
rac 300 € before, no wishes). Two identical offers of VCL (T4 78 m² Lomme, 2023, rent
480 € + charges 100 €): A in residence « Les Tilleuls » (VCL-LOM-01, surveyed: « à
surveiller »), whose objective « au plus 0 ménages du premier quartile relogés » is
already reached; B names no residence.

Every other criterion, default weights: commune 20 (no wish) + typology 20 + individual 10
+ return 0 (not asked) + no under-occupation 10 (4 rooms ≤ 5) + effort rate 0 (rac 370 €,
+70 € > 3 points = 54 €) + reste-à-vivre 10 (11,92 € a day a person ≥ 6) + QPV → hors QPV 10 + new
10 + inter-bailleur 5 = 95 for both.
Balance, weight 20: A: 1/2 − 1/2 (one objective worked against) = 0 → 0 points;
B: no residence, neutral 1/2 → 10 points. So B 105, A 95 (out of 125 + 20 = 145).
Weight 0 (the default): both 95 out of 125, equal rac, so by reference: A then B.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from relogement.platform import matching as m
from relogement.platform import peuplement as pp
from relogement.platform import residence_balance as rb
from relogement.platform.residence_commands import NewResidence, SurveyRow
from relogement.simulation import sample
from relogement.web import matching_reader as mr
from relogement.web.reader import ReadModels

TODAY = date(2026, 3, 2)  # the sample clock's Paris day
TILLEULS = {k: Decimal(v) for k, v in dict(
    under_20="15", under_40="35", under_60="58", first_quartile="27.5", housing_aid="50",
    single_parent="20", no_adult_in_work="35", over_occupation="5").items()}


@pytest.fixture
def scene(app, runners):
    w = sample.build_world(app, settings={"matching_weights": {rb.CODE: 20}})
    tilleuls = NewResidence("VCL-LOM-01", "Les Tilleuls", "12 rue des Tilleuls", "Lomme", "Lomme-Centre", False, 120)
    app.import_occupancy(w.project_id, [SurveyRow(tilleuls, 2024, 40, TILLEULS)], w.actor("VCL"),
                         "ops2024.csv", create_missing=True)
    app.set_residence_objectives(pp.residence_id(w.project_id, w.orgs["VCL"], "VCL-LOM-01"),
                                 [{"kind": "max_first_quartile", "limit": 0}], "Groupe de suivi", w.actor("MEL"))
    h1 = sample.register(w)
    a = app.publish_offer(w.project_id, replace(sample.dwelling(), residence="VCL-LOM-01"), w.actor("VCL"))
    b = app.publish_offer(w.project_id, sample.dwelling(), w.actor("VCL"))
    runner = runners(app)
    rm = ReadModels(runner.engine)
    return app, w, rm, h1, {app.offer(a).reference: "A", app.offer(b).reference: "B"}, {"A": a, "B": b}


def _ranked(rm, project, h1, refs):
    page = mr.offers_for(rm, project, h1, rm.position(None), TODAY, 1)
    return [(refs[x.match.offer.reference], x.match) for x in page.items]


def test_residence_objective_reached_ranks_the_other_offer_first(scene):
    app, w, rm, h1, refs, _ = scene
    ranked = _ranked(rm, rm.project(w.project_id), h1, refs)
    assert [name for name, _ in ranked] == ["B", "A"]
    assert [match.score for _, match in ranked] == [105, 95]
    assert ranked[0][1].max_score == 145
    line_b = {x.code: x for x in ranked[0][1].lines}[rb.CODE]
    line_a = {x.code: x for x in ranked[1][1].lines}[rb.CODE]
    assert (line_b.points, line_b.weight, line_a.points, line_a.weight) == (10, 20, 0, 20)
    assert line_b.label == "Équilibre de la résidence"
    assert "critère neutre" in line_b.text
    assert line_a.text.startswith("Les Tilleuls (résidence à surveiller) : ")
    assert "au plus 0 ménages du premier quartile relogés" in line_a.text
    # Setting A aside: its weakest criterion is the residence's balance, not a wish.
    assert m.suggested_motive(ranked[1][1]) == "autre"


def test_default_weight_zero_leaves_the_ranking_as_it_was(scene):
    app, w, rm, h1, refs, _ = scene
    project = rm.project(w.project_id)
    off = SimpleNamespace(id=project.id, settings={**project.settings, "matching_weights": {}})
    ranked = _ranked(rm, off, h1, refs)
    assert [name for name, _ in ranked] == ["A", "B"]
    assert [match.score for _, match in ranked] == [95, 95]
    assert ranked[0][1].max_score == 125
    assert all(rb.CODE not in {x.code for x in match.lines} for _, match in ranked)


def test_households_ranked_for_an_offer_weigh_the_residence(scene):
    # The same two figures, the other way round: H1 is the only household to relocate.
    app, w, rm, h1, _, ids = scene
    project = rm.project(w.project_id)
    scores = {}
    for name, oid in ids.items():
        page = mr.households_for(rm, project, mr.offer_row(rm, rm.offer(oid)), rm.position(None), TODAY, 1,
                                 lambda *_: True)
        scores[name] = [x.match.score for x in page.items]
    assert scores == {"A": [95], "B": [105]}


def test_settings_stored_with_the_retired_balance_weight_still_read_and_change():
    old = {"peuplement": {"balance_weight": 3, "single_parent": 30}}
    assert "balance_weight" not in pp.thresholds(old) and pp.thresholds(old)["single_parent"] == 30
    assert pp.check_thresholds(old["peuplement"]) == {"single_parent": 30}
