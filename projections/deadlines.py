"""The deadline table: proposals whose objection window is open or due.

One row per proposal, written when the proposal is made and updated when its
window is closed or the proposal ends before that (refused or withdrawn: the
domain will never record a closing for those). The scheduler asks this table
"which windows are due at instant t?" instead of loading every proposal.

The table is only an index for the trigger. Whether a window is open at t stays
a pure function of the ``objection_deadline`` stored in ``ProposalMade`` (see
``relogement.platform.deadline``); pages compute their countdown from it, and
the closing itself is decided by the aggregate, idempotently.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Engine,
    Integer,
    String,
    Table,
    bindparam,
    select,
)
from sqlalchemy.engine import Connection

from relogement.events import proposal as facts
from relogement.projections.machinery import bulk_insert, metadata

deadline_windows = Table(
    "deadline_windows",
    metadata,
    Column("proposal_id", String(32), primary_key=True),
    Column("project_id", String(32), nullable=False, index=True),
    Column("officer_org", String(32), nullable=False),
    Column("household_reference", String(100), nullable=False),
    Column("made_at", DateTime(timezone=True), nullable=False),
    Column("deadline", DateTime(timezone=True), nullable=False, index=True),
    Column("window_hours", Integer, nullable=False),
    # closed: ObjectionWindowClosed recorded. ended: refused/withdrawn before
    # any closing, so nothing will ever be recorded for this window.
    Column("closed", Boolean, nullable=False, default=False, index=True),
    Column("cleared", Boolean, nullable=True),
    Column("ended", Boolean, nullable=False, default=False),
    Column("last_position", BigInteger, nullable=False),
)


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _aware(value: datetime) -> datetime:
    # SQLite gives back naive datetimes; we only ever store UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class DeadlineProjector:
    """Keeps :data:`deadline_windows` in step with the proposals' events.

    Rows born in a batch are inserted in one ``executemany`` at its end; a closing or
    an ending of such a row is folded into it in memory. Those of rows born in earlier
    batches are also run at the end of the batch, as two ``executemany`` (one
    statement per event was 9 % of a national rebuild on PostgreSQL), folded so that
    the result is that of the events run one by one in their order (``begin_batch``).
    """

    tables = (deadline_windows,)

    _close = (
        deadline_windows.update()
        .where(deadline_windows.c.proposal_id == bindparam("key"))
        .values(closed=True, cleared=bindparam("cleared"), last_position=bindparam("position"))
    )
    _end = (
        deadline_windows.update()
        .where(deadline_windows.c.proposal_id == bindparam("key"), deadline_windows.c.closed.is_(False))
        .values(ended=True, last_position=bindparam("position"))
    )

    def __init__(self) -> None:
        self.begin_batch(None)

    def begin_batch(self, conn: Connection | None) -> None:
        self._new: dict[str, dict[str, Any]] = {}
        # Rows of earlier batches: per proposal, the last ending seen before any closing
        # in this batch, and the last closing.
        self._ends: dict[str, dict[str, Any]] = {}
        self._closes: dict[str, dict[str, Any]] = {}

    def end_batch(self, conn: Connection) -> None:
        if self._new:
            bulk_insert(conn, deadline_windows, list(self._new.values()))
        # Endings first: each one came before any closing of its proposal in the batch
        # (an ending after a closing changes nothing, ``_end`` requires not closed).
        if self._ends:
            conn.execute(self._end, list(self._ends.values()))
        if self._closes:
            conn.execute(self._close, list(self._closes.values()))
        self.begin_batch(conn)

    def apply(self, conn: Connection, position: int, domain_event: Any) -> None:
        key = domain_event.originator_id.hex
        if isinstance(domain_event, facts.ProposalMade):
            self._new[key] = dict(
                proposal_id=key,
                project_id=domain_event.project_id.hex,
                officer_org=domain_event.officer_org.hex,
                household_reference=domain_event.household_reference,
                made_at=_utc(domain_event.timestamp),
                deadline=_utc(domain_event.objection_deadline),
                window_hours=domain_event.window_hours,
                closed=False,
                cleared=None,
                ended=False,
                last_position=position,
            )
        elif isinstance(domain_event, facts.ObjectionWindowClosed):
            row = self._new.get(key)
            if row is not None:
                row.update(closed=True, cleared=domain_event.cleared, last_position=position)
            else:
                self._closes[key] = {"key": key, "cleared": domain_event.cleared, "position": position}
        elif isinstance(domain_event, facts.ProposalRefused | facts.ProposalWithdrawn):
            row = self._new.get(key)
            if row is not None:
                if not row["closed"]:
                    row.update(ended=True, last_position=position)
            elif key not in self._closes:  # after a closing: no effect (closed)
                self._ends[key] = {"key": key, "position": position}


# Projector classes of this module, for the projections' ``build_runner`` (one
# instance per runner): every runner over one database holds the same projectors.
PROJECTORS = [DeadlineProjector]


# -- queries -----------------------------------------------------------------


def due_windows(engine: Engine, at: datetime, limit: int | None = None) -> list[UUID]:
    """Proposals whose deadline is at or before ``at`` and whose closing is not recorded.

    Oldest deadline first, so that a long backlog after a downtime is closed in
    the order the partners expect.
    """
    query = (
        select(deadline_windows.c.proposal_id)
        .where(
            deadline_windows.c.closed.is_(False),
            deadline_windows.c.ended.is_(False),
            deadline_windows.c.deadline <= _utc(at),
        )
        .order_by(deadline_windows.c.deadline, deadline_windows.c.proposal_id)
    )
    if limit is not None:
        query = query.limit(limit)
    with engine.connect() as conn:
        return [UUID(hex=value) for value in conn.execute(query).scalars()]


def open_windows(engine: Engine, at: datetime) -> list[dict[str, Any]]:
    """Windows still running at ``at`` (deadline strictly after it), soonest first."""
    query = (
        select(deadline_windows)
        .where(
            deadline_windows.c.closed.is_(False),
            deadline_windows.c.ended.is_(False),
            deadline_windows.c.deadline > _utc(at),
        )
        .order_by(deadline_windows.c.deadline, deadline_windows.c.proposal_id)
    )
    with engine.connect() as conn:
        rows = [dict(row) for row in conn.execute(query).mappings()]
    for row in rows:
        row["deadline"] = _aware(row["deadline"])
        row["made_at"] = _aware(row["made_at"])
    return rows


def window(engine: Engine, proposal_id: UUID) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(
            select(deadline_windows).where(deadline_windows.c.proposal_id == proposal_id.hex)
        ).mappings().first()
    if row is None:
        return None
    out = dict(row)
    out["deadline"] = _aware(out["deadline"])
    out["made_at"] = _aware(out["made_at"])
    return out
