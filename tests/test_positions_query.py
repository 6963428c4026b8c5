"""The pages' two positions read in one statement (projections.queries.base.positions):
the read models' last applied position and the event store's last recorded one."""

from __future__ import annotations

from relogement.projections.lag import head
from relogement.projections.queries import base as q


def test_both_positions_in_one_read_agree_with_each_alone(app, runners):
    runner = runners(app)
    events = app.recorder.events_record_cls.__table__
    assert q.positions(runner.engine, events) == (q.current_position(runner.engine), head(app))
    app.register_organisation("Habitat HA", "bailleur", "HA", by_user="admin")
    runner.catch_up()
    applied, recorded = q.positions(runner.engine, events)
    assert applied == recorded == head(app) > 0
    # An event the read models have not applied yet: the store is one ahead.
    app.register_organisation("Habitat HB", "bailleur", "HB", by_user="admin")
    assert q.positions(runner.engine, events) == (applied, recorded + 1)


def test_one_record_reads_what_a_select_at_the_position_reads(app, runners):
    """``one_record`` (a statement built once, its values bound) gives, at every position of
    an offer's and a household's history and now, the rows of ``_select`` at that position."""
    from relogement.projections.queries.base import _rows, _select, connect, one_record
    from relogement.projections.read_models import household_situation, households, offers
    from relogement.simulation import sample

    runner = runners(app)
    world = sample.build_world(app)
    household = sample.register(world, bailleur="VCL", name="Famille Durand")
    offer = app.publish_offer(world.project_id, sample.dwelling(rent_cents=45_000), world.actor("LMH"))
    app.update_offer(offer, sample.dwelling(rent_cents=47_000), world.actor("LMH"))
    app.update_situation(household, sample.situation(apl_cents=20_000), world.actor("VCL"))
    runner.catch_up()
    last = q.current_position(runner.engine)
    cases = [(offers, offers.c.offer_id, offer.hex), (households, households.c.household_id, household.hex),
             (household_situation, household_situation.c.household_id, household.hex)]
    seen = set()
    with connect(runner.engine) as conn:
        for table, key, value in cases:
            for position in [*range(0, last + 1), None]:
                expected = _rows(conn, _select(table, position, key == value))
                assert one_record(conn, table, key, value, position) == expected
                seen.add(len(expected))
            assert one_record(conn, table, key, "0" * 32, None) == []
    assert seen == {0, 1}  # before the record existed, and after
