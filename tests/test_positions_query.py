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
