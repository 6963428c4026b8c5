"""Operational read models: what the web pages read, pseudonymised, as of any position."""

from __future__ import annotations

from datetime import date

import pytest

from relogement.platform.indicators import HousingCost
from relogement.projections import build_runner
from relogement.projections import queries as q
from relogement.projections.machinery import table_snapshot
from relogement.projections.read_models import ALL_TABLES, households
from relogement.simulation import sample


@pytest.fixture
def runner(app):
    r = build_runner(app, batch_size=5)
    yield r
    r.close()


def _story(app, clock):
    world = sample.build_world(app)
    h1 = sample.register(world, bailleur="LMH", name="Famille Martin")
    h2 = sample.register(world, bailleur="VCL", name="Famille Benali", resources_cents=95_000)
    offer = app.publish_offer(world.project_id, sample.dwelling(), world.actor("VCL"))
    offer2 = app.publish_offer(world.project_id, sample.dwelling(typology="T3"), world.actor("PDC"))
    clock.advance(hours=1)
    p1 = app.make_proposal(h1, offer, 20_000, world.actor("LMH"))
    objection = app.raise_objection(p1, "Loyer trop élevé", world.actor("VLS"))
    clock.advance(hours=2)
    app.lift_objection(p1, objection, "Reste à charge vérifié", world.actor("VLS"))
    p2 = app.make_proposal(h2, offer2, 15_000, world.actor("VCL"))
    clock.advance(hours=1)
    app.refuse_proposal(p2, "localisation", "", world.actor("VCL"))
    clock.advance(hours=48)
    app.close_objection_window(p1)
    app.accept_proposal(p1, date(2026, 3, 5), world.actor("LMH"))
    app.decide_caleol(p1, "attribution", date(2026, 3, 6), "", world.actor("VCL"))
    app.sign_lease(p1, 48_000, 10_000, 20_000, date(2026, 3, 10), date(2026, 4, 1), world.actor("VCL"))
    app.record_follow_up(
        h1, date(2026, 4, 2), 180_000, HousingCost(48_000, 0, 10_000, 19_000), world.actor("LMH")
    )
    return world, (h1, h2), (offer, offer2), (p1, p2), objection


def test_read_models_follow_the_story(app, clock, runner):
    world, (h1, h2), (offer, offer2), (p1, p2), objection = _story(app, clock)
    runner.catch_up()
    db = runner.engine

    martin = q.get_household_public(db, h1)
    assert martin["status"] == "reloge" and martin["status_label"] == "Relogé"
    assert (martin["adults"], martin["children"], martin["persons"]) == (2, 2, 4)
    assert martin["resources_band"] == "1 500 à 1 999 €"
    assert martin["proposals_count"] == 1 and martin["refusals_count"] == 0
    assert martin["lease_signed_on"] == date(2026, 3, 10)
    assert martin["follow_ups_count"] == 1
    benali = q.get_household_public(db, h2)
    assert benali["status"] == "a_reloger" and benali["refusals_count"] == 1
    assert benali["resources_band"] == "moins de 1 000 €"

    assert [o["status"] for o in q.list_offers(db, world.project_id, bailleur=world.orgs["VCL"])] == ["louee"]
    assert q.get_offer(db, offer2)["status"] == "publiee"
    assert q.get_offer(db, offer2)["proposals_count"] == 1

    proposal = q.get_proposal(db, p1)
    assert proposal["status"] == "bail_signe" and proposal["live"] is False
    assert proposal["objections"][0]["status"] == "levee"
    assert proposal["open_objections"] == 0 and proposal["objections_count"] == 1
    assert proposal["window_closed"] and proposal["cleared"]
    assert proposal["lease_indicators"]["flags"]["inter_bailleur"] is True
    assert proposal["indicators"]["before"]["taux_effort"] == "16.6667"  # (420+90-210)/1800
    assert proposal["household_quartier"] == "LS-FAU"
    refused = q.get_proposal(db, p2)
    assert (refused["status"], refused["refusal_motive"]) == ("refusee", "localisation")

    timeline = q.timeline(db, p1, app=app)
    assert [t["event"] for t in timeline][:2] == ["ProposalMade", "ObjectionRaised"]
    assert timeline[-1]["label"] == "Bail signé"


def test_partner_view_never_holds_identity_or_exact_resources(app, clock, runner):
    _, (h1, _), *_ = _story(app, clock)
    runner.catch_up()
    columns = set(households.c.keys())
    assert not columns & {"name", "phone", "email", "address", "notes", "birth_dates", "resources_cents", "ages"}
    public = q.get_household_public(runner.engine, h1)
    assert "Martin" not in repr(public) and "06 12" not in repr(public)
    identity = q.get_household_identity(runner.engine, h1)
    assert identity["name"] == "Famille Martin" and identity["notes"] == "Suivi social en cours."
    assert q.get_household_situation(runner.engine, h1)["resources_cents"] == 180_000


def test_as_of_position_shows_what_was_live_then(app, clock, runner):
    world, (h1, _), (offer, _), (p1, _), _ = _story(app, clock)
    runner.catch_up()
    snapshots = {}
    # Incremental catch-up one event at a time: the live state at n equals as-of n.
    runner.drop_tables()
    runner.create_tables()
    for n in range(1, runner.position() + 100):
        if runner.catch_up(up_to=n) == 0 and n > 1:
            break
        live = (
            q.get_household_public(runner.engine, h1),
            q.get_offer(runner.engine, offer),
            q.get_proposal(runner.engine, p1),
            q.list_households(runner.engine, world.project_id),
        )
        strip = lambda row: row and {k: v for k, v in row.items() if k != "valid_to"}  # noqa: E731
        live = tuple(strip(x) if isinstance(x, dict) else x for x in live)
        live_rows = [strip(r) for r in live[3]]
        snapshots[n] = (live[:3], live_rows)
    final = runner.position()
    for n, (live, live_rows) in snapshots.items():
        if n > final:
            continue
        past = (
            q.get_household_public(runner.engine, h1, position=n),
            q.get_offer(runner.engine, offer, position=n),
            q.get_proposal(runner.engine, p1, position=n),
        )
        strip = lambda row: row and {k: v for k, v in row.items() if k != "valid_to"}  # noqa: E731
        past = tuple(strip(x) for x in past)
        if past[2] is not None:
            past[2]["objections"] = [strip(o) for o in past[2]["objections"]]
            live[2]["objections"] = [strip(o) for o in live[2]["objections"]]
        assert past == live, n
        assert [strip(r) for r in q.list_households(runner.engine, world.project_id, position=n)] == live_rows


def test_rebuild_equals_incremental(app, clock, runner):
    _story(app, clock)
    runner.catch_up()
    incremental = table_snapshot(runner.engine, ALL_TABLES)
    runner.rebuild()
    assert table_snapshot(runner.engine, ALL_TABLES) == incremental
