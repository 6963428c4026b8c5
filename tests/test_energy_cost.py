"""Coût du logement énergie comprise, checked by hand (platform/energy.py), on both databases.

The household moves from collective heating (in its charges) to individual gas heating:
- before: T3, rent 420 € + charges 90 € (heating included) − APL 210 € = 300 € reste à
  charge; energy 0 € (collective) → 300,00 € energy included.
- after: T4, rent 480 € + charges 100 € − APL 200 € = 380 €; individual gas, DPE D, the DPE's
  range "entre 1 100 € et 1 500 € par an": (1 100 + 1 500) / 2 / 12 = 108,33 € a month
  → 488,33 € energy included; evolution +188,33 € (the standard figure says +80 €).
- reste-à-vivre energy included, 3 persons, 1 800 € resources:
  (1 800 − 488,33) / 3 / 30 = 14,5741 € a day after; (1 800 − 300) / 3 / 30 = 16,6667 before.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from relogement.platform.energy import energy_estimate
from relogement.platform.errors import InvalidValue
from relogement.platform.values import Dwelling, PersonalData, Situation, Wishes
from relogement.projections import build_runner, semester_report
from relogement.simulation import sample


def _move(app, clock):
    """The household of the module's docstring, its proposal, and its lease (same amounts)."""
    world = sample.build_world(app)
    current = Dwelling("T3", Decimal("62"), 42_000, 9_000, commune="Lille", heating="collectif", dpe_label="C")
    household = app.register_household(
        world.project_id, "DEM-FAU-1", world.orgs["LMH"],
        Situation(ages=(40, 38, 12), resources_cents=180_000, apl_cents=21_000, dwelling=current),
        PersonalData(name="Famille Martin"), world.actor("LMH"), wishes=Wishes(),
    )
    offered = replace(sample.dwelling(), heating="individuel_gaz", dpe_label="D",
                      energy_cost_min_euros=1_100, energy_cost_max_euros=1_500)
    offer = app.publish_offer(world.project_id, offered, world.actor("VCL"))
    proposal = app.make_proposal(household, offer, 20_000, world.actor("LMH"))
    return world, proposal


def test_collective_to_individual_heating(app, clock):
    _, proposal = _move(app, clock)
    record = app.history(proposal)[0].indicators
    assert record["before"]["reste_a_charge_cents"] == 30_000
    assert record["after"]["reste_a_charge_cents"] == 38_000
    energy = record["energy"]
    assert energy["before"]["monthly_cents"] == 0 and energy["before"]["method"] == "collectif"
    assert energy["before"]["cost_cents"] == 30_000
    assert energy["after"]["monthly_cents"] == 10_833 and energy["after"]["method"] == "fourchette_dpe"
    assert energy["after"]["cost_cents"] == 48_833
    assert energy["evolution_cents"] == 18_833
    assert energy["after"]["rav_person_day"] == "14.5741"
    assert energy["before"]["rav_person_day"] == "16.6667"
    assert energy["rav_cost"] == "standard"


def test_label_and_surface_when_no_range():
    # DPE E, 70 m², electric: 31,90 € per m² and year × 70 = 2 233 € a year → 186,08 € a month.
    estimate = energy_estimate({"dpe_label": "E", "heating": "individuel_electricite", "surface_m2": "70"})
    assert estimate["monthly_cents"] == 18_608 and estimate["method"] == "etiquette_surface"
    assert estimate["reference"]["valid_from"] == "2024-01-01"
    # Heating unknown: no estimate, never a guess.
    assert energy_estimate({"dpe_label": "E", "surface_m2": "70"})["monthly_cents"] is None


@pytest.mark.parametrize("fields", [
    {"dpe_label": "H"}, {"heating": "bois"}, {"energy_cost_min_euros": 900},
    {"energy_cost_min_euros": 1_500, "energy_cost_max_euros": 1_100},
])
def test_bad_energy_fields_are_refused(fields):
    with pytest.raises(InvalidValue):
        Dwelling("T3", Decimal("62"), 42_000, 9_000, **fields)


def test_the_groupe_de_suivi_report_counts_rises_above_the_threshold(app, clock):
    """After the lease (same amounts): +188,33 € a month energy included, above the 30 € default."""
    world, proposal = _move(app, clock)
    clock.advance(hours=48)
    app.close_objection_window(proposal)
    app.accept_proposal(proposal, date(2026, 3, 5), world.actor("LMH"))
    app.decide_caleol(proposal, "attribution", date(2026, 3, 6), "", world.actor("VCL"))
    app.sign_lease(proposal, rent_cents=48_000, charges_cents=10_000, apl_cents=20_000,
                   signed_on=date(2026, 3, 7), move_in_date=date(2026, 4, 1), actor=world.actor("VCL"))
    assert app.history(proposal)[-1].indicators["energy"]["evolution_cents"] == 18_833
    runner = build_runner(app, batch_size=50)
    try:
        runner.catch_up()
        report = semester_report.build(runner.engine, world.project_id, 2026, 1)
    finally:
        runner.close()
    energy = report["semestre_relogements"]["energie"]
    assert energy["mesures"] == 1 and energy["hausse_au_dela_du_seuil"] == 1
    assert energy["evolution_moyenne"] == Decimal("188.3300") and energy["seuil_euros"] == Decimal("30")


def test_label_reference_costs_follow_their_documented_method():
    """Each label's cost per m² is the middle of its primary-energy band (arrêté du 31 mars
    2021: A ≤ 70, B ≤ 110, C ≤ 180, D ≤ 250, E ≤ 330, F ≤ 420 kWh EP/m²/an; G at 450) × 0.11 €."""
    from relogement.platform.energy import DPE_COST_PER_M2

    bounds = [0, 70, 110, 180, 250, 330, 420]
    middles = [Decimal(low + high) / 2 for low, high in zip(bounds, bounds[1:], strict=False)] + [Decimal(450)]
    assert DPE_COST_PER_M2 == {label: kwh * Decimal("0.11") for label, kwh in zip("ABCDEFG", middles, strict=True)}
