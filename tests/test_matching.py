"""The ranking of offers for a household ("Logements adaptés") and of households for an
offer ("Ménages correspondants"), worked out by hand, on both databases; offers set
aside ("écartée") and the dashboard's count of offers considered; the occupancy rule;
the column-wise ranking equal to the rule applied one by one."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import pytest

from relogement.platform import matching as m
from relogement.platform import matching_arrays as ma
from relogement.platform.aid_estimate import TypedAid
from relogement.platform.errors import DomainError
from relogement.platform.occupancy import minimum_surface_m2, over_occupied
from relogement.platform.values import Wishes
from relogement.projections import dashboard
from relogement.simulation import sample
from relogement.web import matching_reader as mr
from relogement.web.reader import ReadModels

TODAY = date(2026, 3, 2)  # the sample clock's Paris day


def test_occupancy_rule_of_housing_aid():
    # R822-25 CCH: 9 m² alone, 16 m² for two, +9 m² each, 70 m² from eight persons on.
    assert [minimum_surface_m2(n) for n in range(1, 10)] == [9, 16, 25, 34, 43, 52, 61, 70, 70]
    assert over_occupied("33.99", 4) and not over_occupied("34", 4) and not over_occupied(Decimal("70"), 12)
    with pytest.raises(ValueError):
        minimum_surface_m2(0)


@pytest.fixture
def scene(app, runners):
    """Household H1 (LMH, 4 persons, 1 800 € a month, rac 300 € before, wishes Lomme/Lille,
    T3/T4, 2nd floor at most, right to return) and five offers, with a 25 % effort ceiling."""
    world = sample.build_world(app, settings={"max_effort_rate": "25"})
    vcl, lmh, pdc = world.actor("VCL"), world.actor("LMH"), world.actor("PDC")
    h1 = sample.register(world)  # ages 38, 36, 9, 5; 1 800 €; rent 420 + charges 90 − aid 210
    app.record_wishes(h1, Wishes(communes=("Lomme", "Lille"), typologies=("T3", "T4"), max_floor=2,
                                 right_to_return=True), lmh)
    h2 = sample.register(world, bailleur="VCL", name="Mme Roux", ages=(70,), resources_cents=100_000,
                         rent_cents=30_000, charges_cents=5_000, apl_cents=20_000, typology="T2", surface="45")
    project = world.project_id
    offers = {
        "A": app.publish_offer(project, sample.dwelling(), vcl),  # T4 78 m² Lomme, 480 + 100, 2023
        "B": app.publish_offer(project, sample.dwelling(
            typology="T3", surface="65", rent_cents=40_000, charges_cents=9_000, qpv=True, quartier="LS-FAU",
            commune="Lille", construction_year=1975), lmh),
        "C": app.publish_offer(project, sample.dwelling(
            typology="T2", surface="30", rent_cents=30_000, charges_cents=6_000, construction_year=2025), vcl),
        "D": app.publish_offer(project, sample.dwelling(
            typology="T5", surface="95", rent_cents=70_000, charges_cents=15_000, individual=True,
            construction_year=2010), vcl),
        "E": app.publish_offer(project, _floor(sample.dwelling(
            surface="80", rent_cents=45_000, quartier="LS-VAU", commune="Lille", construction_year=2024), 4), pdc),
    }
    runner = runners(app)
    return app, world, runner, h1, h2, offers


def _floor(dwelling, floor: int):
    from dataclasses import replace

    return replace(dwelling, floor=floor, lift=False)


def _ranking(runner, world, household_id, page=1):
    rm = ReadModels(runner.engine)
    project = rm.project(world.project_id)
    return mr.offers_for(rm, project, household_id, rm.position(None), TODAY, page)


def test_five_offers_ranked_by_hand(scene):
    app, world, runner, h1, _, offers = scene
    ranking = _ranking(runner, world, h1)
    refs = {app.offer(oid).reference: name for name, oid in offers.items()}
    names = [refs[item.match.offer.reference] for item in ranking.items]
    # Worked by hand (4 persons: 34 m² at least; before: rac 300 €, effort 16,67 %; tolerance
    # 3 points = 54 €; aid 210 € carried over; default weights, total 125):
    # B (LS-FAU, LMH, T3 Lille 1975, rac 280 €): 20+20+10+15+10+15+10+0+0+0 = 100, no limit;
    # A (T4 Lomme 2023 VCL, rac 370 €, +70 € > 54 €): 20+20+10+0+10+0+10+10+10+5 = 95;
    # E (4th floor, no lift, wish ≤ 2: limit; rac 340 €, +40 € → 7): 20+20+10+0+10+7+10+10+10+5 = 102;
    # C (30 m² < 34 m²: limit; T2 not wished; rac 150 €): 20+0+10+0+10+15+10+10+10+5 = 90;
    # D (rac 640 €: 35,56 % > 25 %: limit; T5 not wished): 20+0+10+0+10+0+10+10+0+5 = 65.
    assert names == ["B", "A", "E", "C", "D"]
    assert [item.match.score for item in ranking.items] == [100, 95, 102, 90, 65]
    assert ranking.total == 5 and ranking.eligible == 2 and ranking.items[0].match.max_score == 125
    by_name = {refs[i.match.offer.reference]: i.match for i in ranking.items}
    assert [x.code for x in by_name["E"].limits] == ["etage"]
    assert [x.code for x in by_name["C"].limits] == ["sur_occupation"]
    assert "au moins 34 m²" in by_name["C"].limits[0].text and "R822-25" in by_name["C"].limits[0].text
    assert [x.code for x in by_name["D"].limits] == ["taux_effort_max"]
    assert "35,56 %" in by_name["D"].limits[0].text and "25,00 %" in by_name["D"].limits[0].text
    lines = {x.code: x for x in by_name["B"].lines}
    assert lines["retour"].points == 15 and lines["taux_effort"].points == 15 and lines["neuf"].points == 0
    assert {x.code: x.points for x in by_name["E"].lines}["taux_effort"] == 7
    assert "15,56 % après, 16,67 % avant" in lines["taux_effort"].text
    assert by_name["A"].aid.cents == 21_000 and "aide actuelle" in by_name["A"].aid.source


def test_figures_after_are_the_proposals(scene):
    app, world, runner, h1, _, offers = scene
    typed = mr.offers_for(ReadModels(runner.engine), ReadModels(runner.engine).project(world.project_id),
                          h1, ReadModels(runner.engine).position(None), TODAY, 1, TypedAid(25_000))
    a = next(i.match for i in typed.items if i.match.offer.id == offers["A"].hex)
    assert a.aid.cents == 25_000 and "saisie" in a.aid.source
    proposal = app.make_proposal(h1, offers["A"], 25_000, world.actor("LMH"))
    stored = app.proposal(proposal).indicators
    # Same formulas, same record; the proposal adds its energy-inclusive cost (issue 21),
    # which the ranking does not show (the current dwelling's energy is not in its pool).
    assert {k: v for k, v in stored.items() if k != "energy"} == a.indicators
    assert "energy" in stored


def test_offer_set_aside_then_counted(scene):
    app, world, runner, h1, _, offers = scene
    lmh = world.actor("LMH")
    app.set_offer_aside(h1, offers["C"], "sur_occupation", lmh)
    with pytest.raises(DomainError) as twice:
        app.set_offer_aside(h1, offers["C"], "autre", lmh)
    assert twice.value.code == "offer_already_set_aside"
    with pytest.raises(DomainError):
        app.set_offer_aside(h1, offers["D"], "sur_occupation", world.actor("VCL"))  # does not follow H1
    with pytest.raises(DomainError):
        app.set_offer_aside(h1, offers["D"], "pas_un_motif", lmh)
    app.make_proposal(h1, offers["A"], 21_000, lmh)
    runner.catch_up()
    ranking = _ranking(runner, world, h1)
    assert [o.id for o, _ in ranking.set_aside] == [offers["C"].hex]
    assert ranking.set_aside[0][1]["motive"] == "sur_occupation"
    assert offers["C"].hex not in [i.match.offer.id for i in ranking.items]
    # A is proposed now: no longer in the pool. Left: B, E, D.
    assert [i.match.offer.id for i in ranking.items] == [offers[k].hex for k in "BED"]
    figures = dashboard.dashboard(runner.engine, world.project_id)["total"]["offres_examinees"]
    # H1: C set aside + A proposed = 2 offers; H2: none.
    assert figures["distribution"] == {"0": 1, "1": 0, "2": 1, "3": 0, "4": 0, "5+": 0}
    assert figures["moyenne"] == Decimal("1.0000") or figures["moyenne"] == Decimal(1)


def test_households_ranked_for_an_offer(scene):
    app, world, runner, h1, h2, offers = scene
    rm = ReadModels(runner.engine)
    project = rm.project(world.project_id)
    row = mr.offer_row(rm, rm.offer(offers["A"]))
    every = mr.households_for(rm, project, row, rm.position(None), TODAY, 1, lambda b, o: True)
    # H1 in A: 95, no limit. H2 (1 person, rac 380 € of 1 000 €: 38 % > 25 %, limit; T4 for
    # one person: under-occupation; same bailleur VCL): 20+20+10+0+0+0+10+10+10+0 = 80.
    assert [(i.match.household.id, i.match.score) for i in every.items] == [(h1.hex, 95), (h2.hex, 80)]
    assert [x.code for x in every.items[1].match.limits] == ["taux_effort_max"]
    lmh = world.orgs["LMH"].hex
    own = mr.households_for(rm, project, row, rm.position(None), TODAY, 1, lambda b, o: lmh in (b, o))
    assert [i.match.household.id for i in own.items] == [h1.hex]


def test_columns_rank_as_the_rule_one_by_one():
    rng = random.Random(7)
    s = m.MatchSettings.of_project({"max_effort_rate": "30", "rav_convention": rng.choice(["uc", "personne"])}, TODAY)
    offers = [m.OfferProfile(
        f"o{i}", f"R{i:04d}", rng.choice("abc"), rng.choice(["Lille", "Lomme", "Roubaix"]), rng.choice(["Q1", "Q2"]),
        rng.random() < .5, rng.choice(["T1", "T2", "T3", "T4", "T5"]), Decimal(rng.randint(150, 1000)) / 10,
        rng.randint(20_000, 70_000), rng.choice([0, 3_000]), rng.randint(3_000, 12_000), rng.randint(1960, 2027),
        rng.random() < .3, rng.randint(0, 8), rng.random() < .5, rng.random() < .3,
        rng.choice([None, date(2026, 1, 1), date(2026, 12, 1)])) for i in range(300)]
    households = [m.HouseholdProfile(
        f"h{i}", f"M{i:04d}", rng.choice(["Q1", "Q2"]), rng.choice("abc"),
        tuple(rng.choice([[40], [40, 38], [40, 38, 10], [40, 38, 16, 10, 3]])), rng.choice([0, rng.randint(50_000, 300_000)]),
        rng.randint(0, 30_000), 40_000, 0, 8_000, "T3", Decimal("60"), rng.random() < .8, "Lille",
        {"communes": rng.choice([[], ["Lille"], ["lomme ", "Roubaix"]]), "typologies": rng.choice([[], ["T3"], ["T2", "T4"]]),
         "individual": rng.choice([None, True, False]), "max_floor": rng.choice([None, 2]),
         "needs_lift": rng.random() < .1, "needs_accessible": rng.random() < .1, "right_to_return": rng.random() < .3})
        for i in range(200)]
    cols = ma.OfferColumns(offers, TODAY)
    for h in households[:60]:
        p = m.Prepared(h, s)
        order, *_ = ma.rank_offers(p, cols, h.apl_cents, s)
        one_by_one = m.rank_offers(p, offers, TypedAid().estimate(h, offers), s)
        assert [cols.offers[i].id for i in order] == [o.id for _, o in one_by_one]
    hcols = ma.HouseholdColumns(households, s)
    for o in offers[:60]:
        order, *_ = ma.rank_households(hcols, o, hcols.apl, s)
        one_by_one = m.rank_households(hcols.prepared, o, lambda p: p.h.apl_cents, s)
        assert [hcols.prepared[i].h.id for i in order] == [p.h.id for _, p in one_by_one]
