"""Rows written in bulk with each object converted once store what SQLAlchemy stores."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, BigInteger, Column, Date, DateTime, MetaData, String, Table, select

from relogement.projections.machinery import bulk_insert, make_engine


def _table(name: str) -> Table:
    return Table(
        name,
        MetaData(),
        Column("id", String(10), primary_key=True),
        Column("n", BigInteger, nullable=True),
        Column("at", DateTime(timezone=True), nullable=True),
        Column("on", Date, nullable=True),
        Column("doc", JSON, nullable=True),
    )


def test_shared_values_converted_once_store_what_sqlalchemy_stores(app):
    """Versions sharing their JSON, date and instant objects (as a versioned row's do):
    the same stored text as SQLAlchemy's insert, row by row, whatever the offset."""
    paris = ZoneInfo("Europe/Paris")
    doc = {"x": [1, "é", None], "y": {"z": "1.50"}}
    instant = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    day = date(2026, 3, 2)
    rows = [
        {"id": "a", "n": 1, "at": instant, "on": day, "doc": doc},
        {"id": "b", "n": 2, "at": instant, "on": day, "doc": doc},  # the same objects
        {"id": "c", "n": None, "at": None, "on": None, "doc": None},
        {"id": "d", "n": 3, "at": datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=paris), "on": day, "doc": []},
        {"id": "e", "n": 4, "at": datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=timezone(timedelta(hours=-5))),
         "on": date(1, 1, 1), "doc": "texte"},
        {"id": "f", "n": 5, "at": datetime(2026, 3, 2, 9, 0, 0, 123456, tzinfo=UTC), "on": day, "doc": doc},
        {"id": "g", "n": 6, "at": datetime(2026, 3, 2, 9, 0), "on": day, "doc": [doc, doc]},
    ]
    engine = make_engine(app.database_url)
    reference, bulk = _table("t_reuse_reference"), _table("t_reuse_bulk")
    try:
        for t in (reference, bulk):
            t.create(engine)
        with engine.begin() as conn:
            for row in rows:
                conn.execute(reference.insert(), row)
            # Twice, in two calls, as a writer flushing two batches: the second call
            # finds every shared object already converted.
            memo: dict = {}
            bulk_insert(conn, bulk, rows[:3], memo=memo)
            bulk_insert(conn, bulk, rows[3:], memo=memo)
        with engine.connect() as conn:
            expected = conn.execute(select(reference).order_by(reference.c.id)).all()
            assert conn.execute(select(bulk).order_by(bulk.c.id)).all() == expected
            raw = 'SELECT id, n, CAST("at" AS TEXT), CAST("on" AS TEXT), CAST(doc AS TEXT) FROM {} ORDER BY id'
            assert conn.exec_driver_sql(raw.format("t_reuse_bulk")).all() == conn.exec_driver_sql(
                raw.format("t_reuse_reference")
            ).all()
    finally:
        for t in (reference, bulk):
            t.drop(engine)
        engine.dispose()
