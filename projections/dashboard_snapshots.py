"""Stored dashboard states: where a first request, or an as-of page, starts from.

A :class:`~relogement.projections.dashboard_state.ProjectTallies` is a few hundred numbers
at a position. Reading them back and moving them to the position asked costs what changed
in between (:meth:`ProjectTallies.move_to`), where computing them from every row costs
seconds on a large programme. So states are stored in ``rm_dashboard_snapshots`` as the
web reaches new positions (at most one per ``EVERY`` events and project) and whenever one
had to be computed from every row (an as-of page far from any stored state).

The table belongs to the read models (:class:`SnapshotTable`, registered in
:func:`relogement.projections.projectors`): a rebuild drops it with the rows the states
were computed from. ``FORMAT`` names the tallies' layout: a state stored by another
version of the code is ignored.

Stored states are read with a restricted unpickler that builds only the plain values a
tally holds (numbers, dates, counters); anything else is refused.
"""

from __future__ import annotations

import io
import pickle
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, LargeBinary, String, Table, func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from relogement.projections.dashboard_state import ProjectTallies
from relogement.projections.dashboard_tally import Tally
from relogement.projections.machinery import metadata
from relogement.projections.queries.base import Db, _hex, connect

FORMAT = "tally-1"
EVERY = 500  # events between two stored states of a project
FAR = 2_000  # households to read again beyond which a state is computed from every row

snapshots = Table(
    "rm_dashboard_snapshots",
    metadata,
    Column("project_id", String(32), primary_key=True),
    Column("format", String(20), primary_key=True),
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("data", LargeBinary, nullable=False),
    Column("stored_at", DateTime(timezone=True), nullable=False),
)


class SnapshotTable:
    """Owns ``rm_dashboard_snapshots`` for the runner (created and dropped with the read
    models); events change nothing in it."""

    tables: Sequence[Table] = (snapshots,)

    def apply(self, conn: Any, position: int, domain_event: Any) -> None:
        return None


# The only types a stored state may hold (read back with :class:`RestrictedUnpickler`:
# the table is the application's, but a row written by anything else runs no code).
PLAIN_VALUES = {
    ("collections", "Counter"): Counter,
    ("fractions", "Fraction"): Fraction,
    ("decimal", "Decimal"): Decimal,
    ("datetime", "datetime"): datetime,
    ("datetime", "date"): date,
    ("datetime", "timezone"): timezone,
    ("datetime", "timedelta"): timedelta,
}


class RestrictedUnpickler(pickle.Unpickler):
    """Reads back only the types of ``allowed`` (a subclass extends it)."""

    allowed: dict[tuple[str, str], Any] = PLAIN_VALUES

    def find_class(self, module: str, name: str) -> Any:
        allowed = self.allowed.get((module, name))
        if allowed is None:
            raise pickle.UnpicklingError(f"{module}.{name} is not a stored value")
        return allowed


def _plain(t: Tally) -> tuple[dict, dict]:
    return dict(t.n), {name: Counter(bag) for name, bag in t.m.items()}


def _tally(parts: tuple[dict, dict]) -> Tally:
    t = Tally()
    t.n, t.m = parts
    return t


def to_bytes(state: ProjectTallies) -> bytes:
    return pickle.dumps({
        "position": state.position,
        "groups": {key: _plain(t) for key, t in state.groups.items()},
        "reception": {org: _plain(t) for org, t in state.reception.items()},
    }, protocol=pickle.HIGHEST_PROTOCOL)


def from_bytes(project_id: str, data: bytes) -> ProjectTallies:
    loaded = RestrictedUnpickler(io.BytesIO(data)).load()
    state = ProjectTallies(project_id)
    state.position = int(loaded["position"])
    state.groups = {tuple(key): _tally(parts) for key, parts in loaded["groups"].items()}
    state.reception = {org: _tally(parts) for org, parts in loaded["reception"].items()}
    return state


def insert_once(db: Db, project_id: str, fmt: str, position: int, data: bytes, at: datetime | None = None) -> bool:
    """Store one state (False if one of ``fmt`` is already stored at ``position``, or if the
    database is busy: a stored state only saves time, a page never waits or fails for one)."""
    row = {"project_id": _hex(project_id), "format": fmt, "position": position, "data": data,
           "stored_at": at or datetime.now(tz=UTC)}
    try:
        with connect(db) as conn:
            conn.execute(snapshots.insert().values(**row))
            conn.commit()
    except (IntegrityError, OperationalError):
        return False
    return True


def save(db: Db, state: ProjectTallies) -> bool:
    """Store ``state`` (:func:`insert_once`)."""
    return insert_once(db, state.project_id, FORMAT, state.position, to_bytes(state))


def last_position(db: Db, project_id: str, fmt: str) -> int | None:
    """The position of the project's last stored state of ``fmt``, or None."""
    with connect(db) as conn:
        return conn.execute(select(func.max(snapshots.c.position)).where(
            snapshots.c.project_id == _hex(project_id), snapshots.c.format == fmt)).scalar()


def last_stored(db: Db, project_id: str) -> int | None:
    return last_position(db, project_id, FORMAT)


def nearest_data(db: Db, project_id: str, fmt: str, position: int) -> bytes | None:
    """The stored bytes of the ``fmt`` state of a project closest to ``position`` (before or
    after it), or None."""
    c = snapshots.c
    mine = (c.project_id == _hex(project_id), c.format == fmt)
    with connect(db) as conn:
        below = conn.execute(select(func.max(c.position)).where(*mine, c.position <= position)).scalar()
        above = conn.execute(select(func.min(c.position)).where(*mine, c.position >= position)).scalar()
        candidates = [p for p in (below, above) if p is not None]
        if not candidates:
            return None
        best = min(candidates, key=lambda p: abs(p - position))
        return conn.execute(select(c.data).where(*mine, c.position == best)).scalar()


def nearest(db: Db, project_id: str, position: int) -> ProjectTallies | None:
    """The stored state closest to ``position`` (before or after it), or None."""
    data = nearest_data(db, project_id, FORMAT, position)
    if data is None:
        return None
    try:
        return from_bytes(_hex(project_id), data)
    except (pickle.UnpicklingError, KeyError, TypeError, ValueError, EOFError):
        return None  # unreadable: computed again from the rows


def store_history(db: Any, project_id: str, every: int = EVERY, until: int | None = None) -> int:
    """Store a state every ``every`` events of the history not yet covered (an as-of page
    then starts at most ``every // 2`` events away). Walks forward from the first event,
    each step reading only the households changed in it. Returns how many were stored."""
    from relogement.projections.queries.base import current_position

    pid = _hex(project_id)
    last = current_position(db) if until is None else until
    with connect(db) as conn:
        have = set(conn.execute(select(snapshots.c.position).where(
            snapshots.c.project_id == pid, snapshots.c.format == FORMAT)).scalars())
    state = ProjectTallies(pid)
    written = 0
    for position in range(every, last + 1, every):
        if any(abs(position - h) < every // 2 for h in have):
            continue
        state.move_to(db, position)
        written += save(db, state)
    return written
