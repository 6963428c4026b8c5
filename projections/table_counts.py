"""Current row counts of the read models (``relogement projections rebuild|catch-up``)."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from relogement.projections.machinery import as_of
from relogement.projections.read_models import ALL_TABLES


def row_counts(engine: Engine) -> list[tuple[str, int]]:
    """(table name, current rows) for every read-model table; versioned tables count the
    rows valid now (``valid_to`` open)."""
    counts = []
    with engine.connect() as conn:
        for table in ALL_TABLES:
            query = select(func.count()).select_from(table)
            if "valid_to" in table.c:
                query = query.where(as_of(table, None))
            counts.append((table.name, conn.execute(query).scalar() or 0))
    return counts
