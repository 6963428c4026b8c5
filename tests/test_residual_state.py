"""The reste-à-vivre follow-up from held states equals today's computation (issue 19).

``tests/oracles/residual_today.py`` is the follow-up as it was computed before the held
states (every figure from every row, at each request). On random valid histories (the
command sequences of test_projections_properties.py), at every position, on both
databases, in both conventions, with and without a quartier, threshold and fall:
- a follow-up computed from a fresh state,
- a state moved back and forth between positions in random order (what a web process does),
- the per-process states (:class:`SuiviStates`: held, stored, read back),
- ``residual_income.suivi`` itself,
all equal the oracle, figure for figure.
"""

from __future__ import annotations

import pickle
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from oracles.residual_today import suivi as suivi_today
from sqlalchemy import select
from test_projections_properties import _play, commands
from test_projections_properties import fresh_url_factory as fresh_url_factory  # noqa: F401 (the fixture)

from relogement.projections import queries as q
from relogement.projections import residual_income as ri
from relogement.projections import residual_state as rstate


def test_stored_states_refuse_anything_but_plain_values():
    class Evil:
        def __reduce__(self):
            return (print, ("owned",))

    with pytest.raises(pickle.UnpicklingError):
        rstate.from_bytes("0" * 32, pickle.dumps({"position": 1, "parts": {"x": Evil()}}))
    state = rstate.SuiviState("0" * 32)
    state.position = 4
    state.parts["rav_person_day"]["h"] = ri.RowFigures(
        {"reference": "R-1", "avant": Decimal("6.5"), "suivi_le": date(2026, 1, 2)},
        Fraction(13, 2), Decimal("7.25"), (1, Fraction(-1, 3)), None)
    back = rstate.from_bytes("0" * 32, rstate.to_bytes(state))
    assert back.position == 4 and {key: back.figures(key) for key in state.parts} == state.parts
    with pytest.raises(ValueError):
        rstate.from_bytes("0" * 32, pickle.dumps({"position": 1, "parts": {"rav_person_day": {"h": (1, 2)}}}))
    inner = {"rav_person_day": pickle.dumps({"h": (1, 2)}), "rav_uc_day": pickle.dumps({})}
    with pytest.raises(ValueError):
        rstate.from_bytes("0" * 32, pickle.dumps({"position": 1, "parts": inner})).figures("rav_person_day")


def _played(url: str, ops: list) -> tuple:
    """(app, runner, driver, clock) after playing ``ops`` 7 minutes apart, read models caught up."""
    app, runner, driver, clock = _play(url, ops, 50)
    for op, a, b in ops:
        driver.run(op, a, b)
        clock.advance(minutes=7)
    runner.catch_up()
    return app, runner, driver, clock


def _options(draw: random.Random, quartiers: list[str]) -> dict:
    return {
        "convention": draw.choice((None, "personne", "uc")),
        "threshold": draw.choice((None, Decimal("0"), Decimal("6"), Decimal("12.5"), Decimal("40"))),
        "fall": draw.choice((Decimal("1"), Decimal("0"), Decimal("0.25"), Decimal("3"))),
        "quartier": draw.choice([None, None, *quartiers]),
    }


@pytest.mark.slow
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          phases=(Phase.explicit, Phase.reuse, Phase.generate))
@given(ops=commands, seed=st.integers(0, 10_000))
def test_held_states_equal_todays_follow_up_at_every_position(fresh_url_factory, ops, seed):
    app, runner, driver, clock = _played(fresh_url_factory(), ops)
    try:
        engine, project = runner.engine, driver.world.project_id
        last = q.current_position(engine)
        quartiers = sorted({h["quartier"] for h in q.list_households(engine, project)})
        positions = list(range(0, last + 1)) * 2
        draw = random.Random(seed)
        draw.shuffle(positions)
        states = rstate.SuiviStates(engine, keep=2)
        moved = rstate.SuiviState(project)
        for position in positions:
            instant = (q.instant_of(engine, position) or clock.now) + timedelta(hours=draw.choice((0, 1)))
            options = _options(draw, quartiers)
            expected = suivi_today(engine, project, position=position, instant=instant, **options)
            assert rstate.suivi(engine, project, position=position, instant=instant, **options) == expected
            assert rstate.suivi(engine, project, position=position, instant=instant, state=moved,
                                **options) == expected, position
            assert states.suivi(project, position, instant, **options) == expected, position
            assert ri.suivi(engine, project, position=position, instant=instant, **options) == expected
        # A stored state read back and moved to the last position: the same figures.
        if rstate.last_stored(engine, project) is not None:
            back = rstate.nearest(engine, project, 0)
            assert back is not None
            for convention in ("personne", "uc"):  # each read back when asked, then moved
                expected = suivi_today(engine, project, position=last, instant=clock.now, convention=convention)
                assert rstate.suivi(engine, project, position=last, instant=clock.now, state=back,
                                    convention=convention) == expected
    finally:
        runner.close()
        app.close()


def test_only_the_last_stored_states_are_kept(database_url):
    from relogement.projections import build_runner
    from relogement.runtime.application import RelocationApp

    app = RelocationApp(database_url)
    runner = build_runner(app)
    try:
        runner.catch_up()
        engine, project = runner.engine, "0" * 32
        with engine.begin() as conn:  # one stored by another version of the code
            conn.execute(rstate.snapshots.insert().values(
                project_id=project, format="rav-0000000000000000", position=1, data=b"x",
                stored_at=datetime.now(UTC)))
        state = rstate.SuiviState(project)
        for position in range(10, 60, 10):
            state.position = position
            assert rstate.save(engine, state, keep=3)
        with engine.connect() as conn:
            left = conn.execute(select(rstate.snapshots.c.format, rstate.snapshots.c.position)).all()
        assert sorted(left) == [(rstate.FORMAT, 30), (rstate.FORMAT, 40), (rstate.FORMAT, 50)]
        assert rstate.nearest(engine, project, 0).position == 30
    finally:
        runner.close()
        app.close()


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          phases=(Phase.explicit, Phase.reuse, Phase.generate))
@given(ops=commands, seed=st.integers(0, 10_000))
def test_history_states_let_as_of_follow_ups_start_nearby(fresh_url_factory, monkeypatch, ops, seed):
    """``store_history`` stores a state at every multiple of ``EVERY``; the web's own saves
    leave them; an as-of follow-up in a new process starts from the nearest one (never
    from every row) and shows today's figures."""
    monkeypatch.setattr(rstate, "EVERY", 4)
    monkeypatch.setattr(rstate, "HISTORY_CHANGED", 0)  # a state at every step of the walk
    app, runner, driver, clock = _played(fresh_url_factory(), ops)
    try:
        engine, project = runner.engine, driver.world.project_id
        last = q.current_position(engine)
        assert rstate.store_history(engine, project, seconds=0) == 0  # no time given
        assert rstate.store_history(engine, project) == last // 4
        assert rstate.store_history(engine, project) == 0  # already stored
        web = rstate.SuiviState(project)
        for position in (last + 1, last + 2, last + 3):  # the web's saves, only 2 kept
            web.move_to(engine, min(position, last))
            web.position = position
            assert rstate.save(engine, web, keep=2)
        with engine.connect() as conn:
            stored = set(conn.execute(select(rstate.snapshots.c.position).where(
                rstate.snapshots.c.format == rstate.FORMAT)).scalars())
        # The grid's (last + 1 too if it falls on it) and the two last of the web's.
        assert stored == {*range(4, last + 2, 4), last + 2, last + 3}

        full_reads = []
        read = rstate.SuiviState._read

        def counting(self, conn, position, ids):
            if ids is None:
                full_reads.append(position)
            return read(self, conn, position, ids)

        monkeypatch.setattr(rstate.SuiviState, "_read", counting)
        draw = random.Random(seed)
        for position in draw.sample(range(4, last + 1), min(6, last - 3)):
            for convention in ("personne", "uc"):
                instant = q.instant_of(engine, position)
                expected = suivi_today(engine, project, position=position, instant=instant, convention=convention)
                states = rstate.SuiviStates(engine, store=False)
                assert states.suivi(project, position, instant, convention=convention) == expected, position
        assert full_reads == []
    finally:
        runner.close()
        app.close()


def test_history_states_only_where_the_projects_households_changed(database_url, monkeypatch):
    """A programme among others: at a step of the walk where none of its households changed
    (the others' events), no state is stored; an as-of page in such a gap starts from the
    state before it (nothing to read again) and shows today's figures."""
    import dataclasses

    from relogement.projections import build_runner
    from relogement.runtime.application import RelocationApp
    from relogement.simulation import sample

    monkeypatch.setattr(rstate, "EVERY", 2)
    monkeypatch.setattr(rstate, "HISTORY_CHANGED", 1)
    app = RelocationApp(database_url)
    runner = build_runner(app)
    try:
        world = sample.build_world(app)
        mel = world.actor("MEL")
        other = dataclasses.replace(world, project_id=app.create_project(
            "NPNRU Lille Nord", "LN", sample.QUARTIERS, sample.OPERATIONS, mel))
        app.add_partner(other.project_id, world.orgs["LMH"], mel)
        for round_ in range(3):
            sample.register(world, name=f"Famille Lille Sud {round_}")
            for i in range(5):
                sample.register(other, name=f"Famille Lille Nord {round_}-{i}")
        runner.catch_up()
        engine, project = runner.engine, world.project_id.hex
        last = q.current_position(engine)
        with engine.connect() as conn:
            probe = rstate.SuiviState(project)
            expected = {g for g in range(2, last + 1, 2) if probe._changed(conn, g - 2, g)}
        assert 0 < len(expected) < last // 2
        # In two parts, as the scheduler does: the second goes on from the last state stored
        # (read back: the households changed since it count), never walking the first part.
        middle = sorted(expected)[len(expected) // 2]
        first = rstate.store_history(engine, project, until=middle)
        walked = []
        move = rstate.SuiviState.move_to
        monkeypatch.setattr(rstate.SuiviState, "move_to", lambda self, db, position: (
            walked.append(position) or move(self, db, position)))
        assert first + rstate.store_history(engine, project) == len(expected)
        assert walked and min(walked) > middle
        monkeypatch.setattr(rstate.SuiviState, "move_to", move)
        with engine.connect() as conn:
            stored = set(conn.execute(select(rstate.snapshots.c.position).where(
                rstate.snapshots.c.project_id == project, rstate.snapshots.c.format == rstate.FORMAT)).scalars())
        assert stored == expected

        full_reads = []
        read = rstate.SuiviState._read
        monkeypatch.setattr(rstate.SuiviState, "_read", lambda self, conn, position, ids: (
            full_reads.append(position) if ids is None else None) or read(self, conn, position, ids))
        gaps = [g for g in range(min(expected), last + 1) if g not in expected]
        assert gaps
        for position in gaps:
            states = rstate.SuiviStates(engine, store=False)
            instant = q.instant_of(engine, position)
            assert states.suivi(project, position, instant) == suivi_today(
                engine, project, position=position, instant=instant), position
        assert full_reads == []
    finally:
        runner.close()
        app.close()
