"""A refusal has its date (issue 23, point 13): ``ProposalRefused`` v2 carries
``refused_on``; a v1 refusal stored before it is read with the Paris day of its own
timestamp, and the reports built from the events keep counting it. On SQLite and
PostgreSQL."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import create_engine

from relogement.events.proposal import ProposalRefused
from relogement.platform.errors import InvalidValue
from relogement.projections import build_runner
from relogement.projections.dashboard import dashboard
from relogement.runtime.application import RelocationApp
from relogement.simulation import sample
from tests.test_upcast import rewrite_state


def _refusal_row(app: RelocationApp, proposal_id):
    rows = [
        n for n in app.notification_log.select(start=1, limit=app.log_section_size)
        if n.originator_id == proposal_id and n.topic.endswith("ProposalRefused")
    ]
    assert len(rows) == 1
    return rows[0]


def test_upcaster_gives_the_paris_day_of_the_timestamp():
    from datetime import UTC, datetime

    # 23:30 UTC on 2 March is 00:30 on 3 March in Paris (winter time, UTC+1).
    state = {"motive_code": "loyer", "timestamp": datetime(2026, 3, 2, 23, 30, tzinfo=UTC)}
    ProposalRefused.upcast_v1_v2(state)
    assert state["refused_on"] == date(2026, 3, 3)
    assert ProposalRefused.class_version == 2


def test_refusal_date_typed_defaulted_and_checked(app, clock):
    w = sample.build_world(app)
    household = sample.register(w)
    lmh = w.actor("LMH")
    first = app.make_proposal(household, app.publish_offer(w.project_id, sample.dwelling(), w.actor("VCL")), 20_000, lmh)
    second = app.make_proposal(household, app.publish_offer(w.project_id, sample.dwelling(), w.actor("VCL")), 20_000, lmh)
    clock.advance(days=3)  # 05/03/2026, 10:00 in Paris

    # Before the proposal (02/03/2026): refused, in French, on the date's field.
    with pytest.raises(InvalidValue) as error:
        app.refuse_proposal(first, "loyer", "", lmh, refused_on=date(2026, 3, 1))
    assert error.value.field == "refused_on"
    assert "précède la proposition (02/03/2026)" in str(error.value)

    app.refuse_proposal(first, "loyer", "", lmh, refused_on=date(2026, 3, 4))
    app.refuse_proposal(second, "typologie", "", lmh)  # no date: today, in Paris
    refusals = {e.originator_id: e for e in [*app.history(first), *app.history(second)] if isinstance(e, ProposalRefused)}
    assert refusals[first].refused_on == date(2026, 3, 4)
    assert refusals[second].refused_on == date(2026, 3, 5)


def test_v1_refusal_is_upcast_and_still_counted(app, database_url, clock, tmp_path):
    w = sample.build_world(app)
    lmh = w.actor("LMH")
    household = sample.register(w)
    proposal = app.make_proposal(household, app.publish_offer(w.project_id, sample.dwelling(), w.actor("VCL")), 20_000, lmh)
    clock.advance(days=1, hours=14)  # 03/03/2026 23:00 UTC = 04/03/2026 00:00 in Paris
    app.refuse_proposal(proposal, "loyer", "", lmh, refused_on=date(2026, 3, 3))

    row = _refusal_row(app, proposal)
    state = json.loads(row.state)
    assert state["class_version"] == 2 and state["refused_on"]
    # What the v1 code wrote: no refused_on, no class_version.
    del state["refused_on"], state["class_version"]
    rewrite_state(app, row.id, state)

    reader = RelocationApp(database_url, clock=clock, env={"AGGREGATE_CACHE_MAXSIZE": ""})
    try:
        event = next(e for e in reader.history(proposal) if isinstance(e, ProposalRefused))
        # The Paris day of the event's own instant (04/03/2026 00:00), not the typed 03/03.
        assert event.refused_on == date(2026, 3, 4)
        assert reader.proposal(proposal).outcome == "refusee"
        _, replayed = reader.replay_all()
        assert replayed[proposal].outcome == "refusee"
        # The read models rebuilt from the events count the old refusal with its motive.
        engine = create_engine(f"sqlite:///{tmp_path / 'read.sqlite'}")
        build_runner(reader, engine=engine).rebuild()
        figures = dashboard(engine, w.project_id)["total"]["propositions"]
        assert figures["refus"] == 1 and figures["refus_par_motif"] == {"loyer": 1}
    finally:
        reader.close()
    # Reading never rewrites the stored v1 event.
    assert "refused_on" not in json.loads(_refusal_row(app, proposal).state)
