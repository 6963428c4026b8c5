"""Small queries the report pages need besides the reports themselves."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import func, select, true

from relogement.projections import queries as q
from relogement.projections.machinery import as_of
from relogement.projections.read_models import proposals


def deadlines_passed(db: q.Db, project_id: UUID, position: int | None, at: datetime) -> int:
    """How many of the project's live proposals at ``position`` had their objection
    deadline at or before ``at`` (``at``: timezone-aware)."""
    c = proposals.c
    with q.connect(db) as conn:
        return int(
            conn.execute(
                select(func.count())
                .select_from(proposals)
                .where(
                    as_of(proposals, position),
                    c.project_id == project_id.hex,
                    c.live == true(),  # "= true", not "IS TRUE": PostgreSQL can use the index
                    c.objection_deadline <= at.astimezone(UTC),
                )
            ).scalar_one()
        )
