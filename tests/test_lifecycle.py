"""The relocation lifecycle, happy and unhappy paths, on SQLite and PostgreSQL.

Time moves with the fake clock (no sleeping); the sample world is Lille Sud:
household of LMH in the QPV Faubourg de Béthune (T3, 42 000 + 9 000 − 21 000
APL, 1 800 € resources), offers from Vilogia (VCL) outside QPV (T4, 2023).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from relogement.events import household as hh_facts
from relogement.events import offer as offer_facts
from relogement.events import proposal as p_facts
from relogement.platform import indicators
from relogement.platform.errors import DomainError
from relogement.platform.offer import LET, PROPOSED, PUBLISHED, WITHDRAWN
from relogement.platform.proposal import OPPOSED, REFUSED, SIGNED
from relogement.platform.proposal import WITHDRAWN as P_WITHDRAWN
from relogement.simulation import sample


@pytest.fixture
def world(app):
    return sample.build_world(app)


def names(app, aggregate_id: UUID) -> list[str]:
    return [type(e).__name__ for e in app.history(aggregate_id)]


def last(app, aggregate_id: UUID):
    return app.history(aggregate_id)[-1]


def offer(world, bailleur: str = "VCL", **kwargs) -> UUID:
    return world.app.publish_offer(world.project_id, sample.dwelling(**kwargs), world.actor(bailleur))


def test_full_relocation_happy_path(app, world, clock):
    lmh, vcl = world.actor("LMH"), world.actor("VCL")
    registered_at = clock.now
    household_id = sample.register(world)
    clock.advance(hours=1)
    offer_id = offer(world)
    clock.advance(hours=2)
    made_at = clock.now
    proposal_id = app.make_proposal(household_id, offer_id, 20_000, lmh)

    proposal = app.proposal(proposal_id)
    assert proposal.objection_deadline == made_at + timedelta(hours=48)
    assert proposal.window_open_at(made_at + timedelta(hours=47, minutes=59))
    assert app.offer(offer_id).status == PROPOSED

    # Before the deadline the window cannot be closed.
    clock.advance(hours=47)
    with pytest.raises(DomainError) as err:
        app.close_objection_window(proposal_id)
    assert err.value.code == "window_not_due"

    clock.advance(hours=1)  # exactly at the deadline: closed
    assert app.close_objection_window(proposal_id) is True
    assert app.close_objection_window(proposal_id) is False  # idempotent
    closed = last(app, proposal_id)
    assert isinstance(closed, p_facts.ObjectionWindowClosed)
    assert closed.cleared is True and closed.open_objections == 0
    assert closed.by_user == "systeme"

    clock.advance(hours=24)
    app.accept_proposal(proposal_id, date(2026, 3, 5), lmh)
    clock.advance(days=7)
    app.decide_caleol(proposal_id, "attribution", date(2026, 3, 12), "Dossier complet", vcl)
    clock.advance(days=10)
    signed_at = clock.now
    app.sign_lease(
        proposal_id,
        rent_cents=47_500,
        charges_cents=10_000,
        apl_cents=20_500,
        signed_on=date(2026, 3, 22),
        move_in_date=date(2026, 4, 1),
        actor=vcl,
    )

    # Final states.
    assert app.proposal(proposal_id).outcome == SIGNED
    assert app.offer(offer_id).status == LET
    assert app.household(household_id).relocated_by == proposal_id
    assert not app.household(household_id).active

    # Stored facts, per aggregate, in order.
    assert names(app, proposal_id) == [
        "ProposalMade",
        "ObjectionWindowClosed",
        "ProposalAccepted",
        "CaleolDecided",
        "LeaseSigned",
    ]
    assert names(app, offer_id) == ["OfferPublished", "OfferProposed", "OfferLet"]
    assert names(app, household_id) == ["HouseholdRegistered", "ProposalReceived", "HouseholdRelocated"]

    # Who and when.
    made = app.history(proposal_id)[0]
    assert isinstance(made, p_facts.ProposalMade)
    assert (made.by_user, made.by_org) == ("agent.lmh", world.orgs["LMH"])
    assert made.timestamp == made_at
    assert made.objection_deadline == made_at + timedelta(hours=48)
    assert made.window_hours == 48
    assert (made.rank, made.max_proposals) == (1, 3)
    assert made.household_id == household_id and made.offer_id == offer_id
    assert made.household_bailleur == world.orgs["LMH"]
    assert made.offer_bailleur == world.orgs["VCL"]
    assert app.history(household_id)[0].timestamp == registered_at

    # Indicators stored with their inputs (the officer's APL estimate: 200 €).
    ind = made.indicators
    assert ind["before"]["inputs"]["rent_cents"] == 42_000
    assert ind["before"]["inputs"]["apl_cents"] == 21_000
    assert ind["before"]["inputs"]["resources_cents"] == 180_000
    assert ind["before"]["reste_a_charge_cents"] == 30_000  # 420 + 90 − 210
    assert ind["after"]["inputs"]["rent_cents"] == 48_000
    assert ind["after"]["inputs"]["charges_cents"] == 10_000
    assert ind["after"]["inputs"]["apl_cents"] == 20_000
    assert ind["after"]["reste_a_charge_cents"] == 38_000  # 480 + 100 − 200
    assert ind["before"]["taux_effort"] == Decimal("16.6667")  # 300 / 1800
    assert ind["after"]["taux_effort"] == Decimal("21.1111")  # 380 / 1800
    assert ind["evolution"]["rav_person_day"] == Decimal("-0.6667")  # (1420 − 1500) / 120
    flags = ind["flags"]
    assert flags["qpv_to_hors_qpv"] is True  # LS-FAU (QPV) → Lomme (not QPV)
    assert flags["inter_bailleur"] is True  # LMH → VCL
    assert flags["neuf_moins_5_ans"] is True  # 2023, proposed in 2026
    assert flags["larger"] is True  # T3 → T4
    assert flags["individual_house"] is False

    lease = last(app, proposal_id)
    assert isinstance(lease, p_facts.LeaseSigned)
    assert (lease.by_user, lease.by_org, lease.timestamp) == ("agent.vcl", world.orgs["VCL"], signed_at)
    assert (lease.rent_cents, lease.charges_cents, lease.apl_cents) == (47_500, 10_000, 20_500)
    assert lease.move_in_date == date(2026, 4, 1)
    # Recomputed with the lease amounts: 475 + 100 − 205 = 370 €.
    assert lease.indicators["after"]["reste_a_charge_cents"] == 37_000
    relocated = last(app, household_id)
    assert isinstance(relocated, hh_facts.HouseholdRelocated)
    assert relocated.proposal_id == proposal_id and relocated.offer_id == offer_id
    let = last(app, offer_id)
    assert isinstance(let, offer_facts.OfferLet) and let.household_id == household_id

    # The global order: the three facts of the lease are written together, contiguous.
    notes = list(app.notification_log.select(start=1, limit=10_000))
    assert [n.id for n in notes] == list(range(1, len(notes) + 1))
    tail = {n.topic.rsplit(".", 1)[1] for n in notes[-3:]}
    assert tail == {"LeaseSigned", "OfferLet", "HouseholdRelocated"}


def test_objection_raised_then_lifted(app, world, clock):
    household_id = sample.register(world)
    offer_id = offer(world)
    proposal_id = app.make_proposal(household_id, offer_id, 20_000, world.actor("LMH"))
    clock.advance(hours=5)
    objection_id = app.raise_objection(proposal_id, "Loyer trop élevé pour ce ménage", world.actor("VLS"))
    raised = last(app, proposal_id)
    assert isinstance(raised, p_facts.ObjectionRaised)
    assert (raised.objection_id, raised.by_org, raised.motive) == (
        objection_id,
        world.orgs["VLS"],
        "Loyer trop élevé pour ce ménage",
    )
    assert app.proposal(proposal_id).open_objections == [objection_id]

    clock.advance(hours=10)
    app.lift_objection(proposal_id, objection_id, "APL confirmée", world.actor("VLS"))
    assert app.proposal(proposal_id).open_objections == []
    clock.advance(hours=40)
    assert app.close_objection_window(proposal_id) is True
    assert last(app, proposal_id).cleared is True
    app.accept_proposal(proposal_id, date(2026, 3, 6), world.actor("LMH"))
    assert names(app, proposal_id) == [
        "ProposalMade",
        "ObjectionRaised",
        "ObjectionLifted",
        "ObjectionWindowClosed",
        "ProposalAccepted",
    ]


def test_objection_open_at_deadline_then_maintained(app, world, clock):
    household_id = sample.register(world)
    offer_id = offer(world)
    proposal_id = app.make_proposal(household_id, offer_id, 20_000, world.actor("LMH"))
    objection_id = app.raise_objection(proposal_id, "Typologie inadaptée", world.actor("ETAT"))
    clock.advance(hours=48)
    assert app.close_objection_window(proposal_id) is True
    closed = last(app, proposal_id)
    assert (closed.cleared, closed.open_objections) == (False, 1)

    app.arbitrate_objection(proposal_id, objection_id, "maintenue", "Sous-occupation", world.actor("MEL"))
    proposal = app.proposal(proposal_id)
    assert proposal.outcome == OPPOSED
    arbitrated = last(app, proposal_id)
    assert isinstance(arbitrated, p_facts.ObjectionArbitrated)
    assert (arbitrated.decision, arbitrated.by_org) == ("maintenue", world.orgs["MEL"])
    # The proposal is blocked...
    with pytest.raises(DomainError) as err:
        app.accept_proposal(proposal_id, date(2026, 3, 6), world.actor("LMH"))
    assert err.value.code == "proposal_closed"
    # ...and the offer is free again, for another household.
    assert app.offer(offer_id).status == PUBLISHED
    assert names(app, offer_id)[-1] == "OfferReleased"
    other = sample.register(world, name="Famille Durand")
    app.make_proposal(other, offer_id, 20_000, world.actor("LMH"))
    assert app.offer(offer_id).status == PROPOSED


def test_objection_arbitrated_levee_lets_the_proposal_go_on(app, world, clock):
    household_id = sample.register(world)
    proposal_id = app.make_proposal(household_id, offer(world), 20_000, world.actor("LMH"))
    objection_id = app.raise_objection(proposal_id, "Avis réservé", world.actor("AL"))
    app.arbitrate_objection(proposal_id, objection_id, "levee", "Ménage prioritaire", world.actor("MEL"))
    clock.advance(hours=48)
    app.close_objection_window(proposal_id)
    assert last(app, proposal_id).cleared is True
    app.accept_proposal(proposal_id, date(2026, 3, 5), world.actor("LMH"))
    assert app.proposal(proposal_id).accepted


def test_refusal_with_motive_releases_the_offer(app, world, clock):
    household_id = sample.register(world)
    offer_id = offer(world)
    proposal_id = app.make_proposal(household_id, offer_id, 20_000, world.actor("LMH"))
    clock.advance(hours=3)
    app.refuse_proposal(proposal_id, "ecole", "Trop loin de l'école des enfants", world.actor("LMH"))
    refused = last(app, proposal_id)
    assert isinstance(refused, p_facts.ProposalRefused)
    assert (refused.motive_code, refused.motive_text) == ("ecole", "Trop loin de l'école des enfants")
    assert app.proposal(proposal_id).outcome == REFUSED
    released = last(app, offer_id)
    assert isinstance(released, offer_facts.OfferReleased)
    assert released.proposal_id == proposal_id
    assert app.offer(offer_id).status == PUBLISHED

    # Refused offers can be proposed again (to the same or another household).
    other = sample.register(world, name="Famille Petit")
    again = app.make_proposal(other, offer_id, 19_000, world.actor("LMH"))
    assert app.offer(offer_id).live_proposal == again
    # "autre" with its text is a valid motive.
    app.refuse_proposal(again, "autre", "Souhaite rester près de sa mère", world.actor("LMH"))
    assert last(app, again).motive_code == "autre"


def test_offer_withdrawal(app, world):
    offer_id = offer(world)
    app.withdraw_offer(offer_id, "Logement vendu", world.actor("VCL"))
    assert app.offer(offer_id).status == WITHDRAWN
    withdrawn = last(app, offer_id)
    assert isinstance(withdrawn, offer_facts.OfferWithdrawn)
    assert (withdrawn.reason, withdrawn.by_org) == ("Logement vendu", world.orgs["VCL"])


def test_offer_withdrawal_after_the_proposal_is_withdrawn(app, world):
    household_id = sample.register(world)
    offer_id = offer(world)
    proposal_id = app.make_proposal(household_id, offer_id, 20_000, world.actor("LMH"))
    with pytest.raises(DomainError) as err:
        app.withdraw_offer(offer_id, "Travaux", world.actor("VCL"))
    assert err.value.code == "offer_in_proposal"
    app.withdraw_proposal(proposal_id, "Travaux imprévus", world.actor("VCL"))
    assert app.proposal(proposal_id).outcome == P_WITHDRAWN
    app.withdraw_offer(offer_id, "Travaux", world.actor("VCL"))
    assert names(app, offer_id) == ["OfferPublished", "OfferProposed", "OfferReleased", "OfferWithdrawn"]


def test_third_proposal_is_flagged_and_fourth_is_beyond_legal_count(app, world):
    household_id = sample.register(world)
    lmh = world.actor("LMH")
    proposals = []
    for i in range(4):
        proposal_id = app.make_proposal(household_id, offer(world), 20_000, lmh)
        proposals.append(proposal_id)
        if i < 3:
            app.refuse_proposal(proposal_id, "localisation", "", lmh)
    flags = [(app.proposal(p).rank, app.proposal(p).last_allowed, app.proposal(p).beyond_legal_count) for p in proposals]
    assert flags == [(1, False, False), (2, False, False), (3, True, False), (4, False, True)]
    ranks = [e.rank for e in app.history(household_id) if isinstance(e, hh_facts.ProposalReceived)]
    assert ranks == [1, 2, 3, 4]


def test_last_allowed_follows_the_project_setting(app, world):
    # Code de l'urbanisme operations: two offers.
    app.change_project_settings(world.project_id, {"max_proposals": 2}, world.actor("MEL"))
    household_id = sample.register(world)
    first = app.make_proposal(household_id, offer(world), 20_000, world.actor("LMH"))
    second = app.make_proposal(household_id, offer(world), 20_000, world.actor("LMH"))
    assert not app.proposal(first).last_allowed
    assert app.proposal(second).last_allowed
    assert app.history(second)[0].max_proposals == 2


def test_two_live_proposals_lease_on_one_withdraws_the_other(app, world, clock):
    lmh, vcl = world.actor("LMH"), world.actor("VCL")
    household_id = sample.register(world)
    offer_a = offer(world)
    offer_b = offer(world, bailleur="PDC", typology="T3", construction_year=1990)
    prop_a = app.make_proposal(household_id, offer_a, 20_000, lmh)
    prop_b = app.make_proposal(household_id, offer_b, 18_000, lmh)
    assert app.household(household_id).proposals == [prop_a, prop_b]
    assert app.proposal(prop_b).rank == 2
    clock.advance(hours=49)
    app.accept_proposal(prop_a, date(2026, 3, 5), lmh)
    app.decide_caleol(prop_a, "attribution", date(2026, 3, 6), "", vcl)
    app.sign_lease(prop_a, 48_000, 10_000, 20_000, date(2026, 3, 10), date(2026, 3, 15), vcl)

    assert app.proposal(prop_b).outcome == P_WITHDRAWN
    withdrawn = last(app, prop_b)
    assert isinstance(withdrawn, p_facts.ProposalWithdrawn)
    assert "relogé" in withdrawn.reason
    assert app.offer(offer_b).status == PUBLISHED
    assert names(app, offer_b) == ["OfferPublished", "OfferProposed", "OfferReleased"]
    assert app.offer(offer_a).status == LET


def test_visit_before_any_proposal(app, world):
    household_id = sample.register(world)
    offer_id = offer(world)
    app.record_visit(household_id, offer_id, date(2026, 3, 3), "Intéressé", world.actor("LMH"))
    visit = last(app, household_id)
    assert isinstance(visit, hh_facts.VisitRecorded)
    assert (visit.offer_id, visit.proposal_id, visit.visited_on) == (offer_id, None, date(2026, 3, 3))
    assert app.household(household_id).proposals == []
    # The visit does not reserve the offer.
    assert app.offer(offer_id).status == PUBLISHED
    # A later visit can be tied to the written proposal.
    proposal_id = app.make_proposal(household_id, offer_id, 20_000, world.actor("LMH"))
    app.record_visit(household_id, offer_id, date(2026, 3, 4), "Visite 2", world.actor("LMH"), proposal_id)
    assert last(app, household_id).proposal_id == proposal_id


def test_follow_up_recorded_after_relocation(app, world, clock):
    lmh, vcl = world.actor("LMH"), world.actor("VCL")
    household_id = sample.register(world)
    proposal_id = app.make_proposal(household_id, offer(world), 20_000, lmh)
    clock.advance(hours=48)
    app.accept_proposal(proposal_id, date(2026, 3, 4), lmh)
    app.decide_caleol(proposal_id, "attribution", date(2026, 3, 5), "", vcl)
    app.sign_lease(proposal_id, 48_000, 10_000, 20_000, date(2026, 3, 6), date(2026, 3, 10), vcl)
    clock.advance(days=180)
    app.record_follow_up(
        household_id,
        date(2026, 9, 10),
        resources_cents=195_000,
        cost=indicators.HousingCost(48_500, 0, 10_500, 19_000),
        actor=lmh,
    )
    follow = last(app, household_id)
    assert isinstance(follow, hh_facts.FollowUpRecorded)
    assert follow.measured_on == date(2026, 9, 10)
    # 485 + 105 − 190 = 400 €; (1950 − 400) / 4 / 30 = 1550 / 120 = 12.9166… → 12.9167
    assert follow.indicators["after"]["reste_a_charge_cents"] == 40_000
    assert follow.indicators["after"]["rav_person_day"] == Decimal("12.9167")
    assert len(app.household(household_id).follow_ups) == 1


def test_caleol_refusal_releases_the_offer(app, world, clock):
    household_id = sample.register(world)
    offer_id = offer(world)
    proposal_id = app.make_proposal(household_id, offer_id, 20_000, world.actor("LMH"))
    clock.advance(hours=48)
    app.accept_proposal(proposal_id, date(2026, 3, 4), world.actor("LMH"))
    app.decide_caleol(proposal_id, "refus", date(2026, 3, 5), "Plafonds dépassés", world.actor("VCL"))
    assert app.offer(offer_id).status == PUBLISHED
    assert names(app, offer_id)[-1] == "OfferReleased"
