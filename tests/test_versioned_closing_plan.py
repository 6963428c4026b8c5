"""Closing current versions on PostgreSQL, and the statistics a long replay refreshes for it.

During a rebuild the tables had no statistics until its end; PostgreSQL then compared each
chunk of 2,000 closings with every current version of the table, a cost that grew with the
table (bench/RESULTS.md, session 18). A replay now refreshes them each time its position
doubles (``ProjectionRunner._refresh_statistics_if_due``).
"""

from __future__ import annotations

from hashlib import md5

import pytest
from sqlalchemy import BigInteger, Column, Index, MetaData, String, Table, func, select

from relogement.projections.machinery import FOREVER, make_engine
from relogement.projections.versioned import (
    _close_from_values,
    closing_sql,
)

probe = Table(
    "closing_probe",
    MetaData(),
    Column("key", String(32), nullable=False),
    Column("valid_from", BigInteger, nullable=False),
    Column("valid_to", BigInteger, nullable=False),
)
Index("ix_closing_probe_current", probe.c.key, probe.c.valid_to)


def _key(i: int) -> str:
    return md5(str(i).encode()).hexdigest()  # noqa: S324 - an id, not a secret


def _fill(engine, keys: int) -> None:  # noqa: ANN001
    """Each key: an old version and a current one; no ANALYZE, as during a rebuild."""
    probe.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO closing_probe SELECT md5(i::text), 1, 2 FROM generate_series(1, %s) AS i", (keys,)
        )
        conn.exec_driver_sql(
            f"INSERT INTO closing_probe SELECT md5(i::text), 2, {FOREVER} FROM generate_series(1, %s) AS i",
            (keys,),
        )


@pytest.fixture
def engine(database_url):  # noqa: ANN001, ANN201
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def _closing_plan(engine) -> str:  # noqa: ANN001
    count = 2000
    params = tuple(v for i in range(count) for v in (_key(i * 7), 100 + i))
    with engine.connect() as conn:
        return "\n".join(
            row[0] for row in conn.exec_driver_sql("EXPLAIN " + closing_sql(conn, probe, ("key",), count), params)
        )


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_with_statistics_a_large_table_is_probed_by_index_not_scanned_per_chunk(engine):
    _fill(engine, 300_000)
    before = _closing_plan(engine)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE closing_probe")  # what refresh_statistics runs
    plan = _closing_plan(engine)
    # One index lookup per closing, not a pass over the 300,000 current versions for each
    # chunk of 2,000 (what PostgreSQL planned without statistics: ``before``).
    assert "Index Cond: (((key)::text = " in plan, (plan, before)
    assert not any(word in plan for word in ("Hash Join", "Join Filter", "Materialize", "Bitmap")), plan


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_closings_close_exactly_the_current_versions_named(engine):
    _fill(engine, 30_000)
    closes = {(_key(i),): 10**6 + i for i in range(1, 2501)}  # two statements' worth
    with engine.begin() as conn:
        _close_from_values(conn, probe, ("key",), closes)
    with engine.connect() as conn:
        current = conn.execute(select(func.count()).where(probe.c.valid_to == FOREVER)).scalar()
        closed = dict(
            conn.execute(select(probe.c.key, probe.c.valid_to).where(probe.c.valid_from == 2, probe.c.valid_to != FOREVER)).all()
        )
        old = conn.execute(select(func.count()).where(probe.c.valid_to == 2)).scalar()
    assert current == 30_000 - len(closes)
    assert closed == {key: position for (key,), position in closes.items()}
    assert old == 30_000  # the old versions are untouched


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_replay_refreshes_the_statistics_each_time_its_position_doubles(app, clock, monkeypatch):
    from relogement.projections import build_runner, runner_schema
    from relogement.projections import runner as runner_module
    from relogement.simulation import sample

    world = sample.build_world(app)
    for i in range(30):
        sample.register(world, bailleur="LMH", name=f"Famille {i}")
    monkeypatch.setattr(runner_schema, "STATISTICS_FROM", 10)
    monkeypatch.setattr(runner_module, "STATISTICS_FROM", 10)
    runner = build_runner(app, batch_size=3)
    runner.rebuild_batch_size = 3
    refreshed: list[int] = []
    monkeypatch.setattr(runner, "refresh_statistics", lambda: refreshed.append(runner._last_position))
    try:
        total = runner.rebuild()
        assert total >= 40
        # The first at or after position 10, then each at twice the previous one or more.
        assert refreshed and refreshed[0] >= 10
        assert all(b >= 2 * a for a, b in zip(refreshed, refreshed[1:], strict=False))
        assert refreshed[-1] * 2 > total  # none missed: the next doubling is beyond the end
        # A live catch-up of a few more events comes nowhere near the next doubling.
        before = list(refreshed)
        sample.register(world, bailleur="LMH", name="Famille tardive")
        runner.catch_up()
        assert refreshed == before
    finally:
        runner.close()
