"""Indicators against hand-worked examples (the expected numbers are NOT from the code).

Each expected value is worked out in the comment beside it, from ../shared/domain.md:
- reste à charge = loyer + loyers annexes + charges − APL
- taux d'effort (%) = reste à charge / ressources × 100
- reste-à-vivre (€/jour) = (ressources − reste à charge) / diviseur / 30
- UC (OCDE modifiée) = 1 (first person 14+) + 0.5 per other person 14+ + 0.3 per child < 14
Results are rounded once to 4 decimals, half-up (away from zero on ties).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from relogement.platform import indicators as ind

# Household of the worked example: two adults (38, 36), two children (9, 5),
# 1 800,00 € a month; current dwelling 420 € rent + 90 € charges, APL 210 €.
BEFORE = ind.Measure(
    resources_cents=180_000,
    ages=(38, 36, 9, 5),
    cost=ind.HousingCost(rent_cents=42_000, annex_rent_cents=0, charges_cents=9_000, apl_cents=21_000),
)
# Offered dwelling: 480 € rent + 35 € garage + 100 € charges, estimated APL 235 €.
AFTER = ind.Measure(
    resources_cents=180_000,
    ages=(38, 36, 9, 5),
    cost=ind.HousingCost(rent_cents=48_000, annex_rent_cents=3_500, charges_cents=10_000, apl_cents=23_500),
)


def test_reste_a_charge_before_and_after():
    # before: 420 + 0 + 90 − 210 = 300,00 €
    assert ind.reste_a_charge(BEFORE.cost) == 30_000
    # after: 480 + 35 (garage) + 100 − 235 = 380,00 €
    assert ind.reste_a_charge(AFTER.cost) == 38_000


def test_reste_a_charge_can_be_negative_when_aid_exceeds_costs():
    # 200 + 0 + 30 − 250 = −20,00 €
    assert ind.reste_a_charge(ind.HousingCost(20_000, 0, 3_000, 25_000)) == -2_000


def test_taux_effort():
    d = BEFORE.to_dict()
    # 300 / 1800 × 100 = 16.6666… → 16.6667 %
    assert d["taux_effort"] == Decimal("16.6667")
    # 380 / 1800 × 100 = 21.1111… → 21.1111 %
    assert AFTER.to_dict()["taux_effort"] == Decimal("21.1111")


def test_taux_effort_undefined_without_resources():
    zero = ind.Measure(0, (40,), ind.HousingCost(30_000, 0, 5_000, 0))
    assert zero.to_dict()["taux_effort"] is None
    assert ind.evolution(zero, AFTER)["taux_effort_points"] is None


def test_reste_a_vivre_per_person_per_day():
    # before: (1800 − 300) / 4 persons / 30 days = 1500 / 120 = 12.50 €
    assert BEFORE.to_dict()["rav_person_day"] == Decimal("12.5000")
    # after: (1800 − 380) / 4 / 30 = 1420 / 120 = 11.8333… → 11.8333 €
    assert AFTER.to_dict()["rav_person_day"] == Decimal("11.8333")


def test_reste_a_vivre_per_consumption_unit_per_day():
    # UC = 1 (38) + 0.5 (36) + 0.3 (9) + 0.3 (5) = 2.1
    assert BEFORE.to_dict()["inputs"]["consumption_units"] == Decimal("2.1000")
    # before: 1500 / 2.1 / 30 = 1500 / 63 = 23.809523… → 23.8095 €
    assert BEFORE.to_dict()["rav_uc_day"] == Decimal("23.8095")
    # after: 1420 / 63 = 22.539682… → 22.5397 €
    assert AFTER.to_dict()["rav_uc_day"] == Decimal("22.5397")


def test_evolution_is_after_minus_before():
    evo = ind.evolution(BEFORE, AFTER)
    # 380 − 300 = +80,00 €
    assert evo["reste_a_charge_cents"] == 8_000
    # 21.1111… − 16.6666… = 80/1800×100 = 4.4444… points
    assert evo["taux_effort_points"] == Decimal("4.4444")
    # 11.8333… − 12.5 = −80/120 = −0.6666… → −0.6667 €/day/person
    assert evo["rav_person_day"] == Decimal("-0.6667")
    # 22.5397… − 23.8095… = −80/63 = −1.269841… → −1.2698 €/day/UC
    assert evo["rav_uc_day"] == Decimal("-1.2698")


@pytest.mark.parametrize(
    ("ages", "units"),
    [
        ((30,), Fraction(1)),  # one person: 1
        ((40, 14), Fraction(3, 2)),  # 14 counts as "14 or more": 1 + 0.5 = 1.5
        ((40, 13), Fraction(13, 10)),  # 13 is a child: 1 + 0.3 = 1.3
        ((40, 15, 16, 2), Fraction(23, 10)),  # 1 + 0.5 + 0.5 + 0.3 = 2.3
        ((70, 68, 45), Fraction(2)),  # 1 + 0.5 + 0.5 = 2
        ((35, 12, 8, 3), Fraction(19, 10)),  # single parent: 1 + 3 × 0.3 = 1.9
    ],
)
def test_consumption_units_oecd_modified_scale(ages, units):
    assert ind.consumption_units(list(ages)) == units


def test_fourteen_year_old_changes_reste_a_vivre_per_uc():
    # 1 200 € resources, cost 400 − 100 APL = 300 € → 900 € left.
    cost = ind.HousingCost(40_000, 0, 0, 10_000)
    with_13 = ind.Measure(120_000, (40, 13), cost).to_dict()
    with_14 = ind.Measure(120_000, (40, 14), cost).to_dict()
    # 900 / 1.3 / 30 = 900 / 39 = 23.076923… → 23.0769
    assert with_13["rav_uc_day"] == Decimal("23.0769")
    # 900 / 1.5 / 30 = 900 / 45 = 20.00
    assert with_14["rav_uc_day"] == Decimal("20.0000")
    # per person the age does not matter: 900 / 2 / 30 = 15.00
    assert with_13["rav_person_day"] == with_14["rav_person_day"] == Decimal("15.0000")


def test_fragile_household_under_lille_threshold():
    # 1 000 € for 5 persons, 700 rent + 150 charges − 300 APL = 550 € →
    # (1000 − 550) / 5 / 30 = 450 / 150 = 3.00 € per day per person (< 6 €)
    m = ind.Measure(100_000, (40, 38, 10, 7, 2), ind.HousingCost(70_000, 0, 15_000, 30_000))
    assert m.to_dict()["rav_person_day"] == Decimal("3.0000")


def test_inputs_are_stored_beside_every_figure():
    d = AFTER.to_dict()
    assert d["inputs"] == {
        "resources_cents": 180_000,
        "rent_cents": 48_000,
        "annex_rent_cents": 3_500,
        "charges_cents": 10_000,
        "apl_cents": 23_500,
        "persons": 4,
        "ages": [38, 36, 9, 5],
        "consumption_units": Decimal("2.1000"),
    }
    assert d["reste_a_charge_cents"] == 38_000
    record = ind.compute(BEFORE, AFTER)
    assert set(record) == {"convention", "before", "after", "evolution"}
    assert record["convention"]["days_per_month"] == 30


def _placement(**changes) -> ind.Placement:
    base = dict(
        from_quartier="LS-FAU",
        from_qpv=True,
        from_commune="Lille",
        from_bailleur="LMH",
        from_typology="T3",
        from_surface_m2=Decimal("62"),
        to_quartier="Lomme-Centre",
        to_qpv=False,
        to_commune="Lomme",
        to_bailleur="VCL",
        to_typology="T4",
        to_surface_m2=Decimal("78"),
        to_construction_year=2023,
        to_individual=False,
        reference_year=2026,
    )
    base.update(changes)
    return ind.Placement(**base)


def test_flags_qpv_to_hors_qpv():
    assert ind.placement_flags(_placement())["qpv_to_hors_qpv"] is True
    # from a non-QPV quartier: outside QPV, but not a QPV → hors QPV move
    flags = ind.placement_flags(_placement(from_qpv=False))
    assert flags["hors_qpv"] is True and flags["qpv_to_hors_qpv"] is False
    # into another QPV
    flags = ind.placement_flags(_placement(to_qpv=True))
    assert flags["hors_qpv"] is False and flags["qpv_to_hors_qpv"] is False


def test_flags_inter_bailleur_and_commune():
    assert ind.placement_flags(_placement())["inter_bailleur"] is True
    flags = ind.placement_flags(_placement(to_bailleur="LMH", to_commune="Lille"))
    assert flags["inter_bailleur"] is False
    assert flags["same_commune"] is True


@pytest.mark.parametrize(
    ("year", "neuf", "age"),
    [
        (2026, True, 0),  # delivered this year
        (2022, True, 4),  # 2026 − 2022 = 4 years: under 5 → neuf
        (2021, False, 5),  # 2026 − 2021 = 5 years: not "less than 5 years"
        (1975, False, 51),
        (2027, True, -1),  # delivery next year (VEFA): brand new
    ],
)
def test_flags_new_housing_boundary(year, neuf, age):
    flags = ind.placement_flags(_placement(to_construction_year=year))
    assert flags["neuf_moins_5_ans"] is neuf
    assert flags["dwelling_age_years"] == age


@pytest.mark.parametrize(
    ("before", "after", "larger", "rooms"),
    [("T3", "T4", True, 1), ("T4", "T4", False, 0), ("T4", "T3", False, -1), ("T1", "T5", True, 4)],
)
def test_flags_larger_dwelling_by_typology(before, after, larger, rooms):
    flags = ind.placement_flags(_placement(from_typology=before, to_typology=after))
    assert flags["larger"] is larger
    assert flags["rooms_change"] == rooms


def test_flags_surface_and_individual_house():
    flags = ind.placement_flags(_placement())
    assert flags["surface_change_m2"] == Decimal("16")  # 78 − 62
    assert flags["individual_house"] is False
    assert ind.placement_flags(_placement(to_individual=True))["individual_house"] is True


def test_compute_with_placement_adds_flags():
    record = ind.compute(BEFORE, AFTER, _placement())
    assert record["flags"]["qpv_to_hors_qpv"] is True
    assert record["evolution"]["reste_a_charge_cents"] == 8_000
