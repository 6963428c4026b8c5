"""An old (v1) ProposalMade stored in the database is read as a v2 event.

ProposalMade v2 added ``window_hours``; v1 events were all 48-hour windows. The
test stores a real v2 event, rewrites its stored state in the database to what
the v1 code wrote (no ``window_hours``, no ``class_version``), then reads it back
through the application, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json

from sqlalchemy import text

from relogement.events.proposal import ProposalMade
from relogement.runtime.application import RelocationApp
from relogement.simulation import sample


def stored_row(app: RelocationApp, proposal_id):
    for n in app.notification_log.select(start=1, limit=app.log_section_size):
        if n.originator_id == proposal_id and n.originator_version == 1:
            return n
    raise AssertionError("ProposalMade not found")


def rewrite_state(app: RelocationApp, notification_id: int, state: dict) -> None:
    with app.recorder.datastore.engine.begin() as conn:
        conn.execute(
            text(f"UPDATE {app.recorder.events_table_name} SET state = :state WHERE id = :id"),
            {"state": json.dumps(state, separators=(",", ":")).encode(), "id": notification_id},
        )


def test_upcaster_is_declared():
    assert ProposalMade.class_version == 3  # v3 (issue 21) added the simulated aid
    state = {"rank": 1}
    ProposalMade.upcast_v1_v2(state)
    assert state == {"rank": 1, "window_hours": 48}


def test_v1_proposal_made_is_upcast_on_read(app, database_url, clock):
    # A 72-hour project: v2 events store 72, so a 48 read back can only be the upcaster's.
    world = sample.build_world(app, settings={"objection_window_hours": 72})
    household = sample.register(world)
    lmh = world.actor("LMH")
    v2_proposal = app.make_proposal(household, app.publish_offer(world.project_id, sample.dwelling(), world.actor("VCL")), 20_000, lmh)
    old_proposal = app.make_proposal(household, app.publish_offer(world.project_id, sample.dwelling(), world.actor("VCL")), 20_000, lmh)

    row = stored_row(app, old_proposal)
    state = json.loads(row.state)
    assert state["class_version"] == 3 and state["window_hours"] == 72  # as written today (v3: issue 21)
    deadline_before = app.proposal(old_proposal).objection_deadline
    # What the v1 code wrote: no window_hours, no class_version (version 1 is implicit).
    del state["window_hours"], state["class_version"]
    rewrite_state(app, row.id, state)
    assert "window_hours" not in json.loads(stored_row(app, old_proposal).state)

    # Stored events are immutable: the rewrite above happens behind the writer's back,
    # and its aggregate cache (fast-forwarded with newer events only) still holds the
    # proposal as written. Read as a restarted process would, with and without the cache.
    readers = (RelocationApp(database_url, clock=clock),
               RelocationApp(database_url, clock=clock, env={"AGGREGATE_CACHE_MAXSIZE": ""}))
    for reader in readers:
        try:
            upcast = reader.proposal(old_proposal)
            assert upcast.window_hours == 48
            # Other fields are untouched; the stored deadline stays what it was.
            assert upcast.objection_deadline == deadline_before
            assert upcast.rank == 2
            event = reader.history(old_proposal)[0]
            assert isinstance(event, ProposalMade) and event.window_hours == 48
            # A v2 event is not upcast.
            assert reader.proposal(v2_proposal).window_hours == 72
            # Replay goes through the same mapper.
            _, replayed = reader.replay_all()
            assert replayed[old_proposal].window_hours == 48
        finally:
            reader.close()

    # The stored v1 event is never rewritten by reading it.
    assert "window_hours" not in json.loads(stored_row(app, old_proposal).state)
    # Later facts of an upcast proposal are stored as usual.
    app.refuse_proposal(old_proposal, "loyer", "", lmh)
    assert app.proposal(old_proposal).outcome == "refusee"
