"""Each broken rule raises DomainError with its stable code and stores nothing.

Runs on SQLite and PostgreSQL (``app`` fixture). Every rule test also checks
that the refused command left the event store unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from uuid import UUID

import pytest

from relogement.platform import indicators
from relogement.platform.application import Actor
from relogement.platform.errors import DomainError, InvalidValue
from relogement.platform.values import Dwelling, PersonalData, Situation
from relogement.simulation import sample


@pytest.fixture
def world(app):
    return sample.build_world(app)


def offer(world, bailleur: str = "VCL", **kwargs) -> UUID:
    return world.app.publish_offer(world.project_id, sample.dwelling(**kwargs), world.actor(bailleur))


def refused(app, call: Callable[[], object], code: str, error_type: type = DomainError) -> DomainError:
    """Run a command that must be refused with ``code``; nothing may be stored."""
    before = app.recorder.max_notification_id()
    with pytest.raises(error_type) as err:
        call()
    assert err.value.code == code, err.value.message
    assert err.value.message  # a French text for the UI
    assert app.recorder.max_notification_id() == before
    return err.value


@pytest.fixture
def proposed(app, world, clock):
    """A household of LMH with a live proposal (made now) of a VCL offer."""
    household_id = sample.register(world)
    offer_id = offer(world)
    proposal_id = app.make_proposal(household_id, offer_id, 20_000, world.actor("LMH"))
    return household_id, offer_id, proposal_id, clock.now


def accepted_and_cleared(app, world, clock, proposal_id):
    clock.advance(hours=48)
    app.accept_proposal(proposal_id, date(2026, 3, 4), world.actor("LMH"))


# -- offers -------------------------------------------------------------------
def test_proposal_on_withdrawn_offer(app, world):
    household_id = sample.register(world)
    offer_id = offer(world)
    app.withdraw_offer(offer_id, "Vendu", world.actor("VCL"))
    refused(app, lambda: app.make_proposal(household_id, offer_id, 0, world.actor("LMH")), "offer_withdrawn")


def test_proposal_on_offer_already_in_a_live_proposal(app, world, proposed):
    _, offer_id, _, _ = proposed
    other = sample.register(world, name="Famille Roux")
    refused(
        app, lambda: app.make_proposal(other, offer_id, 0, world.actor("LMH")), "offer_already_proposed"
    )


def test_proposal_on_let_offer(app, world, clock, proposed):
    _, offer_id, proposal_id, _ = proposed
    accepted_and_cleared(app, world, clock, proposal_id)
    app.decide_caleol(proposal_id, "attribution", date(2026, 3, 5), "", world.actor("VCL"))
    app.sign_lease(proposal_id, 48_000, 10_000, 20_000, date(2026, 3, 6), date(2026, 3, 7), world.actor("VCL"))
    other = sample.register(world, name="Famille Roux")
    refused(app, lambda: app.make_proposal(other, offer_id, 0, world.actor("LMH")), "offer_let")


def test_bailleur_cannot_update_or_withdraw_another_bailleurs_offer(app, world):
    offer_id = offer(world, bailleur="VCL")
    refused(app, lambda: app.withdraw_offer(offer_id, "x", world.actor("LMH")), "not_offer_owner")
    refused(
        app, lambda: app.update_offer(offer_id, sample.dwelling(rent_cents=1), world.actor("PDC")), "not_offer_owner"
    )
    # The owner can.
    app.update_offer(offer_id, sample.dwelling(rent_cents=47_000), world.actor("VCL"))
    assert app.offer(offer_id).dwelling["rent_cents"] == 47_000


def test_offer_in_proposal_cannot_be_updated(app, world, proposed):
    _, offer_id, _, _ = proposed
    refused(app, lambda: app.update_offer(offer_id, sample.dwelling(), world.actor("VCL")), "offer_in_proposal")


def test_only_bailleurs_publish_offers(app, world):
    refused(
        app,
        lambda: app.publish_offer(world.project_id, sample.dwelling(), world.actor("VLS")),
        "wrong_organisation_kind",
    )


# -- objections ---------------------------------------------------------------
def test_objection_by_non_partner(app, world, proposed):
    _, _, proposal_id, _ = proposed
    # The auditor is not a partner; neither is an organisation never added.
    refused(app, lambda: app.raise_objection(proposal_id, "Non", world.actor("ANRU")), "not_a_partner")
    stranger = app.register_organisation("Ville de Roubaix", "ville", "ROUB", by_user="admin")
    refused(app, lambda: app.raise_objection(proposal_id, "Non", Actor("x", stranger)), "not_a_partner")


def test_objection_deadline_boundaries(app, world, clock, proposed):
    _, _, proposal_id, made_at = proposed
    deadline = made_at + timedelta(hours=48)
    clock.now = deadline - timedelta(seconds=1)
    app.raise_objection(proposal_id, "Une seconde avant", world.actor("VLS"))
    clock.now = deadline
    refused(app, lambda: app.raise_objection(proposal_id, "Pile à l'heure", world.actor("ETAT")), "objection_window_closed")
    clock.now = deadline + timedelta(seconds=1)
    refused(app, lambda: app.raise_objection(proposal_id, "Trop tard", world.actor("AL")), "objection_window_closed")
    assert len(app.proposal(proposal_id).objections) == 1


def test_objection_by_the_proposing_org(app, world, proposed):
    _, _, proposal_id, _ = proposed
    refused(app, lambda: app.raise_objection(proposal_id, "Moi-même", world.actor("LMH")), "own_proposal")


def test_objection_needs_a_motive_and_one_open_per_org(app, world, proposed):
    _, _, proposal_id, _ = proposed
    refused(app, lambda: app.raise_objection(proposal_id, "   ", world.actor("VLS")), "motive_required")
    app.raise_objection(proposal_id, "Motif", world.actor("VLS"))
    refused(app, lambda: app.raise_objection(proposal_id, "Encore", world.actor("VLS")), "objection_already_open")


def test_only_the_author_lifts_and_only_the_pilot_arbitrates(app, world, proposed):
    _, _, proposal_id, _ = proposed
    objection_id = app.raise_objection(proposal_id, "Motif", world.actor("VLS"))
    refused(app, lambda: app.lift_objection(proposal_id, objection_id, "", world.actor("ETAT")), "not_objection_author")
    refused(
        app,
        lambda: app.arbitrate_objection(proposal_id, objection_id, "levee", "ok", world.actor("LMH")),
        "not_pilot",
    )
    refused(
        app,
        lambda: app.arbitrate_objection(proposal_id, objection_id, "peut-etre", "ok", world.actor("MEL")),
        "invalid_decision",
    )


def test_accepting_with_an_open_objection(app, world, proposed):
    _, _, proposal_id, _ = proposed
    app.raise_objection(proposal_id, "Motif", world.actor("DEP59"))
    refused(app, lambda: app.accept_proposal(proposal_id, date(2026, 3, 3), world.actor("LMH")), "open_objection")


# -- household's answer -------------------------------------------------------
def test_refusal_needs_a_motive(app, world, proposed):
    _, _, proposal_id, _ = proposed
    lmh = world.actor("LMH")
    refused(app, lambda: app.refuse_proposal(proposal_id, "", "Pas envie", lmh), "refusal_motive_required")
    refused(app, lambda: app.refuse_proposal(proposal_id, "inconnu", "", lmh), "refusal_motive_required")
    refused(app, lambda: app.refuse_proposal(proposal_id, "autre", "   ", lmh), "refusal_motive_required")


def test_closed_proposal_takes_no_answer(app, world, proposed):
    _, _, proposal_id, _ = proposed
    app.refuse_proposal(proposal_id, "loyer", "", world.actor("LMH"))
    refused(app, lambda: app.accept_proposal(proposal_id, date(2026, 3, 3), world.actor("LMH")), "proposal_closed")


# -- CALEOL and lease ---------------------------------------------------------
def test_lease_before_acceptance(app, world, clock, proposed):
    _, _, proposal_id, _ = proposed
    clock.advance(hours=48)
    refused(
        app,
        lambda: app.sign_lease(proposal_id, 48_000, 10_000, 20_000, date(2026, 3, 6), date(2026, 3, 7), world.actor("VCL")),
        "not_accepted",
    )


def test_lease_without_favourable_caleol(app, world, clock, proposed):
    _, _, proposal_id, _ = proposed
    accepted_and_cleared(app, world, clock, proposal_id)

    def sign():
        app.sign_lease(proposal_id, 48_000, 10_000, 20_000, date(2026, 3, 6), date(2026, 3, 7), world.actor("VCL"))

    refused(app, sign, "caleol_required")  # no decision yet
    app.decide_caleol(proposal_id, "ajournement", date(2026, 3, 5), "Pièces manquantes", world.actor("VCL"))
    refused(app, sign, "caleol_required")  # postponed is not favourable
    app.decide_caleol(proposal_id, "attribution", date(2026, 3, 12), "", world.actor("VCL"))
    sign()


def test_caleol_is_the_offer_bailleurs(app, world, clock, proposed):
    _, _, proposal_id, _ = proposed
    accepted_and_cleared(app, world, clock, proposal_id)
    refused(
        app,
        lambda: app.decide_caleol(proposal_id, "attribution", date(2026, 3, 5), "", world.actor("LMH")),
        "not_offer_owner",
    )


def test_caleol_before_clearance(app, world, clock, proposed):
    _, _, proposal_id, made_at = proposed
    app.accept_proposal(proposal_id, date(2026, 3, 2), world.actor("LMH"))

    def decide():
        app.decide_caleol(proposal_id, "attribution", date(2026, 3, 3), "", world.actor("VCL"))

    clock.now = made_at + timedelta(hours=47)
    refused(app, decide, "not_cleared")  # window still running
    # An objection raised before the deadline and still open at it also blocks.
    app.raise_objection(proposal_id, "Motif", world.actor("VLS"))
    clock.now = made_at + timedelta(hours=49)
    refused(app, decide, "not_cleared")


def test_caleol_before_acceptance(app, world, clock, proposed):
    _, _, proposal_id, _ = proposed
    clock.advance(hours=48)
    refused(
        app,
        lambda: app.decide_caleol(proposal_id, "attribution", date(2026, 3, 5), "", world.actor("VCL")),
        "not_accepted",
    )


# -- households ---------------------------------------------------------------
def test_relocated_household_takes_no_new_proposal(app, world, clock, proposed):
    household_id, _, proposal_id, _ = proposed
    accepted_and_cleared(app, world, clock, proposal_id)
    app.decide_caleol(proposal_id, "attribution", date(2026, 3, 5), "", world.actor("VCL"))
    app.sign_lease(proposal_id, 48_000, 10_000, 20_000, date(2026, 3, 6), date(2026, 3, 7), world.actor("VCL"))
    new_offer = offer(world, bailleur="PDC")
    refused(app, lambda: app.make_proposal(household_id, new_offer, 0, world.actor("LMH")), "household_relocated")
    refused(
        app,
        lambda: app.update_situation(household_id, sample.situation(), world.actor("LMH")),
        "household_relocated",
    )


def test_follow_up_needs_a_relocated_household(app, world):
    household_id = sample.register(world)
    refused(
        app,
        lambda: app.record_follow_up(
            household_id, date(2026, 9, 1), 180_000, indicators.HousingCost(1, 0, 1, 0), world.actor("LMH")
        ),
        "not_relocated",
    )


def test_household_commands_by_an_org_that_does_not_follow_it(app, world, proposed):
    household_id, _, proposal_id, _ = proposed
    vcl = world.actor("VCL")  # a partner bailleur, but not this household's
    other_offer = offer(world, bailleur="PDC")
    code = "not_household_officer"
    refused(app, lambda: app.update_situation(household_id, sample.situation(), vcl), code)
    refused(app, lambda: app.update_personal_data(household_id, PersonalData(name="X"), vcl), code)
    refused(app, lambda: app.record_visit(household_id, other_offer, date(2026, 3, 3), "", vcl), code)
    refused(app, lambda: app.make_proposal(household_id, other_offer, 0, vcl), code)
    refused(app, lambda: app.accept_proposal(proposal_id, date(2026, 3, 3), vcl), code)
    refused(app, lambda: app.refuse_proposal(proposal_id, "loyer", "", vcl), code)
    refused(app, lambda: app.record_departure(household_id, "Parti", vcl), code)


def test_registering_another_bailleurs_tenant(app, world):
    refused(
        app,
        lambda: app.register_household(
            world.project_id,
            "DEM-FAU-1",
            world.orgs["LMH"],
            sample.situation(),
            PersonalData(name="Famille Martin"),
            world.actor("VCL"),
        ),
        "acts_for_itself",
    )
    # Naming another bailleur as officer is refused too; the MOUS may follow it.
    refused(
        app,
        lambda: app.register_household(
            world.project_id,
            "DEM-FAU-1",
            world.orgs["LMH"],
            sample.situation(),
            PersonalData(name="Famille Martin"),
            world.actor("LMH"),
            officer_org=world.orgs["VCL"],
        ),
        "acts_for_itself",
    )
    household_id = app.register_household(
        world.project_id,
        "DEM-FAU-1",
        world.orgs["LMH"],
        sample.situation(),
        PersonalData(name="Famille Martin"),
        world.actor("MOUS"),
    )
    assert app.household(household_id).officer_org == world.orgs["MOUS"]


# -- invalid values -----------------------------------------------------------
def test_invalid_values_leave_no_event(app, world, clock, proposed):
    household_id, _, proposal_id, _ = proposed
    lmh, vcl = world.actor("LMH"), world.actor("VCL")
    free_offer = offer(world, bailleur="PDC")
    refused(app, lambda: app.make_proposal(household_id, free_offer, -1, lmh), "invalid_value", InvalidValue)
    refused(app, lambda: app.make_proposal(household_id, free_offer, "200", lmh), "invalid_value", InvalidValue)
    refused(
        app,
        lambda: app.register_household(
            world.project_id, "DEM-FAU-1", world.orgs["MEL"], sample.situation(), PersonalData(name="A"), lmh
        ),
        "invalid_value",
        InvalidValue,
    )
    refused(
        app,
        lambda: app.change_project_settings(world.project_id, {"max_proposals": 7}, world.actor("MEL")),
        "invalid_value",
        InvalidValue,
    )
    refused(
        app,
        lambda: app.change_project_settings(world.project_id, {"objection_window_hours": 0}, world.actor("MEL")),
        "invalid_value",
        InvalidValue,
    )
    refused(
        app, lambda: app.accept_proposal(proposal_id, "2026-03-04", lmh), "invalid_value", InvalidValue
    )
    refused(
        app,
        lambda: app.record_visit(household_id, free_offer, "hier", "", lmh),
        "invalid_value",
        InvalidValue,
    )
    accepted_and_cleared(app, world, clock, proposal_id)
    refused(
        app,
        lambda: app.decide_caleol(proposal_id, "attribution", None, "", vcl),
        "invalid_value",
        InvalidValue,
    )
    app.decide_caleol(proposal_id, "attribution", date(2026, 3, 5), "", vcl)
    refused(
        app,
        lambda: app.sign_lease(proposal_id, -48_000, 10_000, 20_000, date(2026, 3, 6), date(2026, 3, 7), vcl),
        "invalid_value",
        InvalidValue,
    )
    refused(
        app,
        lambda: app.sign_lease(proposal_id, 48_000, 10_000, 20_000, "2026-03-06", date(2026, 3, 7), vcl),
        "invalid_value",
        InvalidValue,
    )
    app.sign_lease(proposal_id, 48_000, 10_000, 20_000, date(2026, 3, 6), date(2026, 3, 7), vcl)
    for bad_resources in (-1, "1800", 1.5):
        refused(
            app,
            lambda bad=bad_resources: app.record_follow_up(
                household_id, date(2026, 9, 1), bad, indicators.HousingCost(48_000, 0, 10_000, 20_000), lmh
            ),
            "invalid_value",
            InvalidValue,
        )
    refused(
        app,
        lambda: app.record_follow_up(
            household_id, date(2026, 9, 1), 180_000, indicators.HousingCost(48_000, 0, -1, 20_000), lmh
        ),
        "invalid_value",
        InvalidValue,
    )


@pytest.mark.parametrize(
    "build",
    [
        lambda: Situation(ages=(10, 8), resources_cents=100_000, apl_cents=0, dwelling=sample.dwelling()),
        lambda: Situation(ages=(), resources_cents=100_000, apl_cents=0, dwelling=sample.dwelling()),
        lambda: Situation(ages=(40,), resources_cents=-5, apl_cents=0, dwelling=sample.dwelling()),
        lambda: Dwelling("T9", "50", 40_000, 5_000),
        lambda: Dwelling("T3", "-4", 40_000, 5_000),
        lambda: Dwelling("T3", "60", 400.5, 5_000),
        lambda: PersonalData(name="  "),
    ],
)
def test_value_types_refuse_bad_input(build):
    with pytest.raises(InvalidValue):
        build()
