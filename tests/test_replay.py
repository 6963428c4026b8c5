"""Replaying every stored event rebuilds every aggregate exactly (SQLite and PostgreSQL)."""

from __future__ import annotations

import inspect
from collections import Counter
from datetime import date

from relogement.events import base, household, offer, organisation, project, proposal
from relogement.platform import indicators
from relogement.runtime.application import RelocationApp
from relogement.simulation import sample


def all_fact_names() -> set[str]:
    """Every event class declared in events/ (the lifecycle's facts)."""
    found = set()
    for module in (household, offer, organisation, project, proposal):
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, (base.Fact, base.Creation)) and cls.__module__ == module.__name__:
                found.add(name)
    return found


def run_scenario(app, clock) -> dict:
    """Touches every kind of fact at least once."""
    world = sample.build_world(app)
    lmh, vcl, pdc, mel = (world.actor(c) for c in ("LMH", "VCL", "PDC", "MEL"))
    app.change_project_settings(world.project_id, {"objection_window_hours": 72}, mel)
    app.change_project_settings(world.project_id, {"objection_window_hours": 48}, mel)
    app.add_operations(
        world.project_id,
        [{"code": "LS-CON", "name": "Concorde", "commune": "Lille", "qpv": True}],
        [{"code": "DEM-CON-1", "name": "Démolition barre Concorde", "kind": "demolition", "quartier": "LS-CON"}],
        mel,
    )

    martin = sample.register(world)
    benali = sample.register(world, bailleur="VCL", name="Famille Benali", ages=(45,))
    durand = sample.register(world, name="Famille Durand")
    app.update_situation(martin, sample.situation(resources_cents=185_000), lmh)
    app.update_personal_data(martin, sample.PersonalData(name="Famille Martin", phone="07 00 00 00 07"), lmh)
    app.record_wishes(martin, sample.Wishes(communes=("Lomme",), right_to_return=True), lmh)

    o1 = app.publish_offer(world.project_id, sample.dwelling(), vcl)
    o2 = app.publish_offer(world.project_id, sample.dwelling(typology="T2", individual=True), pdc)
    o3 = app.publish_offer(world.project_id, sample.dwelling(qpv=True), vcl)
    app.update_offer(o3, sample.dwelling(rent_cents=39_000), vcl)
    app.withdraw_offer(o3, "Vendu", vcl)

    app.record_visit(martin, o1, date(2026, 3, 2), "Intéressée", lmh)
    app.assign_officer(martin, "agent.lmh", world.orgs["LMH"], lmh)
    app.set_offer_aside(benali, o1, "sur_occupation", vcl)
    p1 = app.make_proposal(martin, o1, 20_000, lmh)
    p2 = app.make_proposal(martin, o2, 15_000, lmh)  # two live proposals
    obj = app.raise_objection(p1, "Typologie", world.actor("VLS"))
    app.lift_objection(p1, obj, "Vu", world.actor("VLS"))
    obj2 = app.raise_objection(p1, "Loyer", world.actor("ETAT"))
    app.arbitrate_objection(p1, obj2, "levee", "Ménage prioritaire", mel)
    clock.advance(hours=48)
    app.close_objection_window(p1)
    app.accept_proposal(p1, date(2026, 3, 5), lmh)
    app.decide_caleol(p1, "ajournement", date(2026, 3, 6), "Pièce manquante", vcl)
    app.decide_caleol(p1, "attribution", date(2026, 3, 13), "", vcl)
    app.sign_lease(p1, 47_000, 10_000, 20_000, date(2026, 3, 20), date(2026, 4, 1), vcl)  # ends p2
    clock.advance(days=200)
    app.record_follow_up(martin, date(2026, 10, 1), 190_000, indicators.HousingCost(47_500, 0, 10_000, 19_000), lmh)

    p3 = app.make_proposal(benali, o2, 10_000, vcl)
    app.refuse_proposal(p3, "autre", "Souhaite rester à Lille", vcl)
    p4 = app.make_proposal(benali, o2, 10_000, vcl)
    obj3 = app.raise_objection(p4, "Sur-occupation", world.actor("DEP59"))
    app.arbitrate_objection(p4, obj3, "maintenue", "Logement trop petit", mel)
    p5 = app.make_proposal(durand, o2, 12_000, lmh)
    app.withdraw_proposal(p5, "Erreur de saisie", lmh)
    app.record_departure(durand, "Parti dans le parc privé", lmh)
    app.erase_household(durand, mel, "demande", "Demande du ménage")
    clock.advance(hours=72)
    app.close_objection_window(p4)
    return {"world": world, "proposals": [p1, p2, p3, p4, p5]}


def comparable(aggregate) -> dict:
    state = dict(aggregate.__dict__)
    state.pop("_pending_events", None)
    return state


def assert_same_as_repository(app: RelocationApp, replayed: dict) -> None:
    for aggregate_id, aggregate in replayed.items():
        stored = app.repository.get(aggregate_id)
        assert type(aggregate) is type(stored)
        assert comparable(aggregate) == comparable(stored), aggregate_id


def test_replay_rebuilds_every_aggregate(app, clock):
    run_scenario(app, clock)
    notes = list(app.notification_log.select(start=1, limit=app.log_section_size))
    stored_names = Counter(n.topic.rsplit(".", 1)[1] for n in notes)
    # The scenario really covers every fact of the lifecycle.
    assert all_fact_names() - set(stored_names) == set()

    count, replayed = app.replay_all()
    assert count == len(notes)
    assert set(replayed) == {n.originator_id for n in notes}
    assert_same_as_repository(app, replayed)
    # Sanity: the comparison sees real state (not empty dicts).
    kinds = Counter(type(a).__name__ for a in replayed.values())
    assert kinds == {"Organisation": 10, "Project": 1, "Household": 3, "Offer": 3, "Proposal": 5}


def test_second_app_on_the_same_database_reads_the_same_state(app, clock, database_url):
    scenario = run_scenario(app, clock)
    other = RelocationApp(database_url, clock=clock)
    try:
        count, replayed = other.replay_all()
        assert count == len(list(app.notification_log.select(start=1, limit=app.log_section_size)))
        for aggregate_id, aggregate in replayed.items():
            assert comparable(other.repository.get(aggregate_id)) == comparable(app.repository.get(aggregate_id))
            assert comparable(aggregate) == comparable(app.repository.get(aggregate_id))
        p1 = scenario["proposals"][0]
        assert other.proposal(p1).lease["rent_cents"] == 47_000
        assert other.history(p1)[0].indicators == app.history(p1)[0].indicators
    finally:
        other.close()
