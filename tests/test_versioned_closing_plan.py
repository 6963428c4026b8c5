"""Closing current versions on PostgreSQL: one index entry per closed version, whatever the statistics.

During a rebuild the tables have no statistics; PostgreSQL then hash-joined each chunk of
2,000 closings with every current version of the table (the whole (key, valid_to) index),
a cost that grew with the table (bench/RESULTS.md, session 18).
"""

from __future__ import annotations

from hashlib import md5

import pytest
from sqlalchemy import BigInteger, Column, Index, MetaData, String, Table, func, select

from relogement.projections.machinery import FOREVER, make_engine
from relogement.projections.versioned import _close_from_values, closing_sql, index_lookups_only

KEYS = 30_000

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


@pytest.fixture
def engine(database_url):  # noqa: ANN001, ANN201
    engine = make_engine(database_url)
    probe.metadata.create_all(engine)
    with engine.begin() as conn:
        # Each key: an old version and a current one; no ANALYZE, as during a rebuild.
        conn.exec_driver_sql(
            "INSERT INTO closing_probe SELECT md5(i::text), 1, 2 FROM generate_series(1, %s) AS i", (KEYS,)
        )
        conn.exec_driver_sql(
            f"INSERT INTO closing_probe SELECT md5(i::text), 2, {FOREVER} FROM generate_series(1, %s) AS i",
            (KEYS,),
        )
    yield engine
    engine.dispose()


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_closings_read_one_index_entry_each_and_leave_the_settings_as_they_were(engine):
    count = 2000
    params = tuple(v for i in range(count) for v in (_key(i * 7), 100 + i))
    with engine.begin() as conn:
        with index_lookups_only(conn):
            plan = "\n".join(
                row[0]
                for row in conn.exec_driver_sql(
                    "EXPLAIN " + closing_sql(conn, probe, ("key",), count), params
                )
            )
        restored = conn.exec_driver_sql("SHOW enable_hashjoin").scalar(), conn.exec_driver_sql(
            "SHOW enable_mergejoin"
        ).scalar()
    assert "Nested Loop" in plan, plan
    assert "Index Scan using ix_closing_probe_current" in plan, plan
    assert "Hash Join" not in plan and "Bitmap" not in plan, plan
    assert restored == ("on", "on")


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_closings_close_exactly_the_current_versions_named(engine):
    closes = {(_key(i),): 1000 + i for i in range(1, 2501)}  # two statements' worth
    with engine.begin() as conn:
        _close_from_values(conn, probe, ("key",), closes)
    with engine.connect() as conn:
        current = conn.execute(select(func.count()).where(probe.c.valid_to == FOREVER)).scalar()
        closed = dict(
            conn.execute(select(probe.c.key, probe.c.valid_to).where(probe.c.valid_from == 2, probe.c.valid_to != FOREVER)).all()
        )
        old = conn.execute(select(func.count()).where(probe.c.valid_to == 2)).scalar()
    assert current == KEYS - 2500
    assert closed == {key: position for (key,), position in closes.items()}
    assert old == KEYS  # the old versions are untouched
