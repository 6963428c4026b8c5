"""The simulated housing aid recorded by the proposal (ProposalMade v3), on SQLite and
PostgreSQL: both figures, the one used, and history that never moves.

Sample world: household of LMH (1 800 € resources), offer T4 at 480 € rent + 100 € charges.
"""

from __future__ import annotations

from datetime import date

import pytest

from relogement.events.proposal import ProposalMade
from relogement.platform.errors import DomainError
from relogement.platform.simulated_aid import SimulatedAid
from relogement.projections import build_runner
from relogement.projections import queries as q
from relogement.simulation import sample

SIMULATED = SimulatedAid(
    amount_cents=31_200, model="OpenFisca-France", model_version="176.1.8",
    legislation_date=date(2026, 3, 1), zone="zone_2",
    inputs={"ages": [40, 38, 12], "resources_cents": 180_000, "rent_cents": 48_000,
            "charges_cents": 10_000, "typology": "T4", "commune": "Lomme", "depcom": "59350"},
)


@pytest.fixture
def world(app):
    return sample.build_world(app)


def _offer(world):
    return world.app.publish_offer(world.project_id, sample.dwelling(), world.actor("VCL"))


def test_the_simulated_aid_is_recorded_and_used(app, world):
    household = sample.register(world)
    proposal_id = app.make_proposal(
        household, _offer(world), 20_000, world.actor("LMH"), simulated=SIMULATED, aid_used="simulee"
    )
    made = app.history(proposal_id)[0]
    assert isinstance(made, ProposalMade) and made.class_version == 3
    assert made.aid["used"] == "simulee" and made.aid["status"] == "simulee"
    assert made.aid["officer_cents"] == 20_000
    simulated = made.aid["simulated"]
    assert simulated["amount_cents"] == 31_200 and simulated["model_version"] == "176.1.8"
    assert simulated["legislation_date"] == "2026-03-01" and simulated["zone"] == "zone_2"
    assert simulated["inputs"]["depcom"] == "59350"
    # The indicators use the simulated 312 €: 480 + 100 − 312 = 268 € left to pay.
    assert made.indicators["after"]["inputs"]["apl_cents"] == 31_200
    assert made.indicators["after"]["reste_a_charge_cents"] == 26_800


def test_the_officer_figure_when_chosen(app, world):
    household = sample.register(world)
    proposal_id = app.make_proposal(
        household, _offer(world), 20_000, world.actor("LMH"), simulated=SIMULATED, aid_used="saisie"
    )
    made = app.history(proposal_id)[0]
    assert made.aid["used"] == "saisie" and made.aid["simulated"]["amount_cents"] == 31_200
    # 480 + 100 − 200 = 380 €.
    assert made.indicators["after"]["reste_a_charge_cents"] == 38_000


def test_no_simulated_figure_cannot_be_used(app, world):
    household = sample.register(world)
    with pytest.raises(DomainError) as error:
        app.make_proposal(household, _offer(world), None, world.actor("LMH"), aid_used="simulee",
                          simulation_status="indisponible")
    assert "Simulation indisponible" in error.value.message
    with pytest.raises(DomainError):  # neither figure
        app.make_proposal(household, _offer(world), None, world.actor("LMH"))
    # Unavailable service, officer's figure: recorded as such.
    proposal_id = app.make_proposal(household, _offer(world), 20_000, world.actor("LMH"),
                                    simulation_status="indisponible")
    aid = app.history(proposal_id)[0].aid
    assert aid == {"used": "saisie", "officer_cents": 20_000, "simulated": None, "status": "indisponible"}


def test_upcast_v2_is_not_simulated():
    state = {"indicators": {"after": {"inputs": {"apl_cents": 21_000}}}}
    ProposalMade.upcast_v2_v3(state)
    assert state["aid"] == {"used": "saisie", "officer_cents": 21_000, "simulated": None, "status": "non_simulee"}


def test_the_read_model_carries_the_recorded_aid(app, world):
    household = sample.register(world)
    proposal_id = app.make_proposal(
        household, _offer(world), None, world.actor("LMH"), simulated=SIMULATED, aid_used="simulee"
    )
    runner = build_runner(app, batch_size=5)
    try:
        runner.catch_up()
        row = q.get_proposal(runner.engine, proposal_id)
        assert row["aid"]["simulated"]["amount_cents"] == 31_200 and row["aid"]["officer_cents"] is None
    finally:
        runner.close()
