"""The proposal's preview: the occupancy rule, the warnings (hand-worked), and the use case
that records nothing yet gives the indicators the proposal then stores (both databases)."""

from __future__ import annotations

import pytest

from relogement.platform import indicators
from relogement.platform.errors import InvalidValue
from relogement.platform.occupancy import minimum_surface_m2 as minimum_surface
from relogement.platform.project import DEFAULT_SETTINGS, validate_settings
from relogement.platform.proposal_preview import proposal_warnings
from relogement.simulation import sample


@pytest.mark.parametrize(
    "persons, m2", [(1, 9), (2, 16), (3, 25), (4, 34), (5, 43), (6, 52), (7, 61), (8, 70), (9, 70), (12, 70)]
)
def test_minimum_surface_of_the_housing_aid_rule(persons, m2):
    # 9 m² alone, 16 m² for two, +9 m² per further person, 70 m² from eight persons.
    assert minimum_surface(persons) == m2


def test_minimum_surface_needs_a_person():
    with pytest.raises(ValueError):
        minimum_surface(0)


def _record(ages, resources, rent, charges, aid):
    before = indicators.Measure(resources, ages, indicators.HousingCost(40_000, 0, 5_000, 10_000))
    after = indicators.Measure(resources, ages, indicators.HousingCost(rent, 0, charges, aid))
    return indicators.compute(before, after)


SETTINGS = {**DEFAULT_SETTINGS, "max_effort_rate": "25.00"}


def test_no_warning_for_a_dwelling_that_fits():
    # Couple and one child (3 persons: 25 m² at least, at most 4 rooms); 2,000 € a month;
    # 500 + 100 − 200 = 400 € → 20 % (ceiling 25 %); (2,000 − 400) / 3 / 30 = 17,78 €.
    record = _record((40, 38, 10), 200_000, 50_000, 10_000, 20_000)
    dwelling = {"typology": "T3", "surface_m2": "65", "commune": "Lomme"}
    assert proposal_warnings(record, dwelling, {"communes": ["lomme"]}, SETTINGS) == []


def test_each_warning_with_its_figures():
    # One adult alone, 900 € a month, a T4 of 8 m² in Roubaix: 8 < 9 m² (over-occupied) and
    # 4 rooms > 1 + 1 (under-occupied: the rule counts rooms, not m²). 300 + 50 − 100 =
    # 250 € → 250 / 900 = 27,78 % > 25 %; (900 − 250) / 1 / 30 = 21,67 € (above 6 €).
    record = _record((52,), 90_000, 30_000, 5_000, 10_000)
    dwelling = {"typology": "T4", "surface_m2": "8", "commune": "Roubaix"}
    found = proposal_warnings(record, dwelling, {"communes": ["Lille", "Lomme"]}, SETTINGS)
    assert [w.code for w in found] == [
        "sur_occupation", "sous_occupation", "taux_effort_plafond", "commune_non_souhaitee"
    ]
    messages = " | ".join(w.message for w in found).replace("\u00a0", " ")
    assert "8 m² pour 1 personne(s), sous le minimum de 9 m²" in messages
    assert "T4 (4 pièces) pour 1 personne(s)" in messages
    assert "27,78 %, au-dessus du maximum fixé par le projet (25,00 %)" in messages
    assert "Roubaix ne figure pas parmi les communes souhaitées par le ménage (Lille, Lomme)" in messages


def test_reste_a_vivre_threshold_follows_the_project_convention():
    # Two adults and two children under 14 (4 persons, 1 + 0,5 + 2 × 0,3 = 2,1 UC), 1,000 €:
    # 280 + 40 − 0 = 320 € → per person (1,000 − 320) / 4 / 30 = 5,67 € (< 6 €);
    # per UC (1,000 − 320) / 2,1 / 30 = 10,79 € (≥ 6 €).
    record = _record((35, 33, 8, 4), 100_000, 28_000, 4_000, 0)
    dwelling = {"typology": "T3", "surface_m2": "60", "commune": "Lille"}
    per_person = proposal_warnings(record, dwelling, {}, DEFAULT_SETTINGS)
    assert [w.code for w in per_person] == ["reste_a_vivre_seuil"]
    assert "5,67 € par jour et par personne" in per_person[0].message.replace("\u00a0", " ")
    assert proposal_warnings(record, dwelling, {}, {**DEFAULT_SETTINGS, "rav_convention": "uc"}) == []
    # No ceiling set (the default): no effort warning, whatever the rate (32 %).
    assert DEFAULT_SETTINGS["max_effort_rate"] is None


@pytest.mark.parametrize(
    "change, field",
    [({"max_effort_rate": "0"}, "max_effort_rate"), ({"max_effort_rate": "abc"}, "max_effort_rate"),
     ({"answer_days": 0}, "answer_days"), ({"charter_text": "x" * 4001}, "charter_text"),
     ({"charter_text": "a\x00b"}, "charter_text")],
)
def test_new_settings_are_checked(change, field):
    with pytest.raises(InvalidValue) as error:
        validate_settings(change)
    assert error.value.field == field


def test_preview_records_nothing_and_matches_the_proposal(app):
    """Both databases: the preview's indicators are those the proposal then stores."""
    world = sample.build_world(app, settings={"max_effort_rate": "30"})
    household = sample.register(world, bailleur="VCL")
    offer = app.publish_offer(world.project_id, sample.dwelling(), world.actor("LMH"))
    before = app.recorder.max_notification_id()
    preview = app.preview_proposal(household, offer, 0, world.actor("VCL"))
    assert app.recorder.max_notification_id() == before
    # 480 + 100 − 0 = 580 € for 1,800 €: 32,22 % above the 30 % ceiling.
    assert str(preview.indicators["after"]["taux_effort"]) == "32.2222"
    assert [w.code for w in preview.warnings] == ["taux_effort_plafond"]
    assert (preview.rank, preview.max_proposals) == (1, 3)
    made = app.make_proposal(household, offer, 0, world.actor("VCL"))
    assert app.proposal(made).indicators == preview.indicators
    with pytest.raises(Exception) as refused:  # the preview checks who acts, as the command does
        app.preview_proposal(household, offer, 0, world.actor("LMH"))
    assert getattr(refused.value, "code", "") == "not_household_officer"


def test_settings_recorded_before_the_letter_get_its_defaults():
    """A project created before these settings existed: its stored settings lack them."""
    from relogement.platform.project import DEFAULT_CHARTER_TEXT, with_defaults

    old = {"objection_window_hours": 48, "max_proposals": 2, "working_days_only": False,
           "rav_convention": "uc", "rav_threshold": "5.00"}
    settings = with_defaults(old)
    assert settings["answer_days"] == 10 and settings["charter_text"] == DEFAULT_CHARTER_TEXT
    assert settings["max_effort_rate"] is None and settings["max_proposals"] == 2
