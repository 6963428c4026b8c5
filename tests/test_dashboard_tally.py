"""The dashboard computed from tallies equals today's computation (issue 19).

``tests/oracles/dashboard_today.py`` is the dashboard as it was computed before the tallies
(every figure from every row, at each request). On random valid histories (the command
sequences of test_projections_properties.py), at every position, on both databases:
- a dashboard computed from every row (a fresh state),
- a state moved back and forth between positions in random order (what a web process does),
- a state stored and read back at its position, then moved,
all equal the oracle, figure for figure.
"""

from __future__ import annotations

import pickle
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from oracles.dashboard_today import dashboard as dashboard_today
from test_projections_properties import FakeClock, _play, commands
from test_projections_properties import fresh_url_factory as fresh_url_factory  # noqa: F401 (the fixture)

from relogement.projections import dashboard as dash
from relogement.projections import dashboard_snapshots as stored
from relogement.projections import queries as q
from relogement.projections.dashboard_tally import Tally


def test_a_contribution_removed_leaves_no_trace():
    base, part = Tally(), Tally()
    base.count("inscrits", 3)
    base.put("delays", 12, 2)
    part.count("inscrits")
    part.count("ev:sum", Fraction(1, 3))
    part.put("delays", 12)
    part.put("motifs", None)
    before = (dict(base.n), {k: Counter(v) for k, v in base.m.items()})
    base.merge(part)
    assert base.num("inscrits") == 4 and base.bag("delays")[12] == 3 and base.num("ev:sum") == Fraction(1, 3)
    base.merge(part, -1)
    assert (base.n, base.m) == before  # no zero left behind: order of changes does not show


def test_stored_states_refuse_anything_but_tally_values():
    class Evil:
        def __reduce__(self):
            return (print, ("owned",))

    with pytest.raises(pickle.UnpicklingError):
        stored.from_bytes("0" * 32, pickle.dumps({"position": 1, "groups": {}, "reception": {}, "x": Evil()}))
    state = dash.ProjectTallies("0" * 32)
    state.position = 7
    state.groups[("total", "")].count("x", Decimal("1.50"))
    state.groups[("total", "")].put("typ_matrix", ("T3", "T4"))
    state.groups[("total", "")].put("deadlines", datetime(2026, 1, 2, 3, 4, tzinfo=UTC))
    back = stored.from_bytes("0" * 32, stored.to_bytes(state))
    assert back.position == 7 and back.groups[("total", "")].n == {"x": Decimal("1.50")}
    assert back.groups[("total", "")].m == {
        "typ_matrix": Counter({("T3", "T4"): 1}), "deadlines": Counter({datetime(2026, 1, 2, 3, 4, tzinfo=UTC): 1}),
    }


@pytest.mark.slow
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          phases=(Phase.explicit, Phase.reuse, Phase.generate))
@given(ops=commands, seed=st.integers(0, 10_000))
def test_tallies_equal_todays_dashboard_at_every_position(fresh_url_factory, ops, seed):
    app, runner, driver, clock = _play(fresh_url_factory(), ops, 50)
    try:
        for op, a, b in ops:
            driver.run(op, a, b)
            clock.advance(minutes=7)
        runner.catch_up()
        engine, project = runner.engine, driver.world.project_id
        last = q.current_position(engine)
        positions = list(range(0, last + 1))
        draw = random.Random(seed)
        draw.shuffle(positions)
        states = dash.DashboardStates(engine, keep=2)
        moved = dash.ProjectTallies(project)
        for position in positions:
            instant = (q.instant_of(engine, position) or clock.now) + timedelta(hours=draw.choice((0, 1, 30)))
            expected = dashboard_today(engine, project, position=position, instant=instant)
            assert dash.dashboard(engine, project, position=position, instant=instant) == expected, position
            assert dash.dashboard(engine, project, position=position, instant=instant, tallies=moved) == expected
            assert states.dashboard(project, position, instant) == expected, position
        # A stored state read back and moved to the last position: the same figures.
        if stored.last_stored(engine, project) is not None:
            back = stored.nearest(engine, project, 0)
            assert back is not None
            expected = dashboard_today(engine, project, position=last, instant=clock.now)
            assert dash.dashboard(engine, project, position=last, instant=clock.now, tallies=back) == expected
    finally:
        runner.close()
        app.close()


def test_stored_history_lets_as_of_pages_start_nearby(database_url):
    """``store_history`` stores a state every N events; a new process asked an as-of
    dashboard starts from the nearest one, reads only what changed since, and shows the
    same figures as today's computation."""
    from relogement.projections import build_runner
    from relogement.runtime.application import RelocationApp
    from relogement.simulation import sample

    clock = FakeClock()
    app = RelocationApp(database_url, clock=clock)
    runner = build_runner(app)
    try:
        world = sample.build_world(app)
        for i in range(4):
            sample.register(world, bailleur=("LMH", "VCL")[i % 2], name=f"Famille {i}")
            clock.advance(minutes=5)
        runner.catch_up()
        engine, project = runner.engine, world.project_id
        last = q.current_position(engine)
        assert stored.store_history(engine, project, every=5) == last // 5
        assert stored.store_history(engine, project, every=5) == 0  # already covered
        for position in (1, last // 2, last):
            start = stored.nearest(engine, project, position)
            assert start is not None and abs(start.position - position) <= 5
            states = dash.DashboardStates(engine, store=False)
            instant = q.instant_of(engine, position)
            assert states.dashboard(project, position, instant) == dashboard_today(
                engine, project, position=position, instant=instant)
    finally:
        runner.close()
        app.close()
