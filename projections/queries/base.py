"""The read side's query plumbing: connections, rows as dicts, UTC instants, positions.

The queries by area live next to this module (organisations, offers, households,
proposals, journal); ``relogement.projections.queries`` re-exports their public names.

Every function takes ``db`` (a SQLAlchemy ``Engine`` or an open ``Connection``;
``runner.engine`` of :func:`relogement.projections.build_runner` is the usual
one) and returns dicts / lists of dicts. Functions over versioned tables take
``position``: ``None`` means the current state; an integer N gives the state
as of notification position N (what the live projection showed right after
event N). To go from an instant to a position, use :func:`position_at`.

Conventions of the returned dicts:
- ids are UUID hex strings (32 characters, no dashes): ``UUID(hex=...)``;
- amounts are integer cents (``*_cents``); indicator figures are decimal strings
  as stored in the events (``"17.5000"``) inside the ``indicators`` JSON;
- instants are timezone-aware UTC ``datetime``; calendar dates are ``date``;
- ``valid_from`` / ``valid_to`` are the positions between which the row held.

Privacy (see ../shared/domain.md, "Personal data"): :func:`list_households`
and :func:`get_household_public` never return identity or exact resources;
:func:`get_household_situation` (exact amounts) and
:func:`get_household_identity` (name, contacts, notes) are for the household's
officers only: the caller (web policy) must check who asks before calling them.

Status codes and their French labels (in :mod:`relogement.projections.views`): ``HOUSEHOLD_STATUS_LABELS``,
``OFFER_STATUS_LABELS``, ``PROPOSAL_STATUS_LABELS``, ``OBJECTION_STATUS_LABELS``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Column, Engine, Table, bindparam, func, select
from sqlalchemy.engine import Connection

from relogement.platform.values import REFUSAL_MOTIVES
from relogement.projections.machinery import as_of, journal

Db = Engine | Connection

# One list of refusal motives for the whole platform (codes stored in ProposalRefused).
REFUSAL_LABELS = dict(REFUSAL_MOTIVES)


@contextmanager
def connect(db: Db) -> Iterator[Connection]:
    """Use an open connection as is, or open one on an engine."""
    if isinstance(db, Connection):
        yield db
    else:
        with db.connect() as conn:
            yield conn


def _hex(value: UUID | str | None) -> str | None:
    if value is None:
        return None
    return value.hex if isinstance(value, UUID) else UUID(str(value)).hex


def utc(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; everything stored is UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _row(row: Any) -> dict[str, Any]:
    out = dict(row)
    for key, value in out.items():
        if isinstance(value, datetime):
            out[key] = utc(value)
    return out


def chunks(values: list[str], size: int = 500) -> Iterable[list[str]]:
    """``values`` in slices of ``size``: the keys of an ``IN (…)`` stay under the
    databases' bound-parameter limits (the held states read changed rows by key)."""
    for i in range(0, len(values), size):
        yield values[i:i + size]


def _rows(conn: Connection, query: Any, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return [_row(r) for r in conn.execute(query, params).mappings()]


_ONE_RECORD: dict[tuple[str, str, bool], Any] = {}


def one_record(conn: Connection, table: Table, key: Column, value: str, position: int | None) -> list[dict[str, Any]]:
    """The version of the record ``key == value`` valid at ``position`` (None: now), as
    ``_rows(conn, _select(table, position, key == value))``. The statement is built once
    per table, key and kind of position, its values bound: a page reading one household
    or offer built it, and its cache key, again each time (more than the read itself)."""
    shape = (table.name, key.name, position is None)
    query = _ONE_RECORD.get(shape)
    if query is None:
        valid = as_of(table, None if position is None else bindparam("position"))
        query = _ONE_RECORD.setdefault(shape, select(table).where(valid, key == bindparam("value")))
    return _rows(conn, query, {"value": value} if position is None else {"value": value, "position": position})


def _select(table: Table, position: int | None, *where: Any, columns: Any = None):
    query = select(*(columns or [table])).where(as_of(table, position), *where)
    return query


# -- positions and instants ---------------------------------------------------


def position_at(db: Db, instant: datetime) -> int:
    """The last position recorded at or before ``instant`` (0 if none)."""
    if instant.tzinfo is None:
        raise ValueError("instant must be timezone-aware")
    with connect(db) as conn:
        value = conn.execute(
            select(func.max(journal.c.position)).where(journal.c.timestamp <= instant.astimezone(UTC))
        ).scalar()
    return int(value or 0)


def current_position(db: Db) -> int:
    """The last position applied to the read models."""
    with connect(db) as conn:
        return int(conn.execute(select(func.max(journal.c.position))).scalar() or 0)


def position_columns(events: Table | None) -> list[Any]:
    """The columns of :func:`positions`, to read with another statement's row (a page reads
    them with its user: one round trip for both)."""
    columns = [select(func.max(journal.c.position)).scalar_subquery().label("applied_position")]
    if events is not None:
        columns.append(select(func.max(events.c.id)).scalar_subquery().label("recorded_position"))
    return columns


def positions_of(values: Sequence[Any], events: Table | None) -> tuple[int, int | None]:
    """:func:`positions` from the values of :func:`position_columns` (in that order)."""
    return int(values[0] or 0), None if events is None else int(values[1] or 0)


def positions(db: Db, events: Table | None) -> tuple[int, int | None]:
    """(the last position applied to the read models, the last recorded in the event
    store's ``events`` table, in the same database; None without it), in one statement:
    every page shows both, and a second connection for the store's cost more than the reads."""
    if events is None:
        return current_position(db), None
    with connect(db) as conn:
        return positions_of(conn.execute(select(*position_columns(events))).one(), events)


def instant_of(db: Db, position: int) -> datetime | None:
    """When the event at ``position`` was recorded (UTC)."""
    with connect(db) as conn:
        value = conn.execute(select(journal.c.timestamp).where(journal.c.position == position)).scalar()
    return utc(value)


def page_of(conn: Connection, table: Table, where: list[Any], order: list[Any], page: int, size: int
            ) -> tuple[int, int, list[dict[str, Any]]]:
    """One page of ``table``'s rows: (how many rows match, the page number kept within
    the pages, the rows of that page in ``order``)."""
    total = conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()
    number = min(max(1, page), max(1, -(-total // size)))
    rows = _rows(conn, select(table).where(*where).order_by(*order).limit(size).offset((number - 1) * size))
    return total, number, rows
