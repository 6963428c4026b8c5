"""Versioned rows written in bulk: the same result as ``machinery.put_version``, fewer statements.

A projector applying a batch of events keeps, per (table, key), the current
version of the row in memory. Changes made by several events of the batch are
folded there (a new version per position, the version born at the same
position amended), and at the end of the batch:

1. the versions that were current in the database before the batch and have
   been superseded get their ``valid_to`` closed (one ``executemany`` per table);
2. every version born during the batch is inserted (one ``executemany`` per table).

The rows written are exactly those ``put_version`` would write event by event,
whatever the batch boundaries, so a rebuild (large batches) and an
incremental catch-up (small ones) give identical tables.

The current rows are also kept *across* batches (an LRU of ``max_rows``), since
the runner holds the tracking-row lock for each batch and tells the projector to
``forget()`` whenever the batch does not follow its own last committed one (another
process wrote in between, a batch failed). After a rebuild recreated the tables
(``start_empty()``), the keys written since are known, so a key never seen is
absent without a query: a rebuild then issues no per-event SELECT at all.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from sqlalchemy import Table, and_, bindparam, select
from sqlalchemy.engine import Connection

from relogement.projections.machinery import FOREVER, bulk_insert, current

_MISSING = object()
PREFETCH_CHUNK = 500


class BatchWriter:
    def __init__(
        self, tables: list[Table], keys: dict[str, tuple[str, ...]], max_rows: int = 200_000
    ) -> None:
        self.tables = {t.name: t for t in tables}
        self.keys = keys  # table name -> key column names
        self.max_rows = max_rows
        # Per table: every column None (a new row's base) and the key's column names.
        self._blank = {name: dict.fromkeys(t.c.keys()) for name, t in self.tables.items()}
        # One prepared lookup per table: building the statement per call cost as much
        # as running it.
        self._lookups = {
            name: select(t).where(
                and_(*(t.c[k] == bindparam(f"k_{k}") for k in keys[name])), current(t)
            )
            for name, t in self.tables.items()
        }
        self.forget()
        self.begin()

    def forget(self) -> None:
        """Drop every cached row (the tables may have changed behind our back)."""
        # Per table: the text of the JSON, date and instant objects already inserted
        # (machinery.bulk_insert's memo), kept as long as the rows that share them.
        self._memos: dict[str, dict] = {name: {} for name in self.tables}
        # (table, key tuple) -> current row dict, or None when the key has no row.
        self._current: OrderedDict[tuple[str, tuple], dict[str, Any] | None] = OrderedDict()
        # Only after start_empty(): every key written since (the tables were empty).
        self._known: set[tuple[str, tuple]] | None = None
        self._evicted = False  # since then, some row left the LRU

    def start_empty(self) -> None:
        """The tables were just created empty: a key not written since has no row."""
        self.forget()
        self._known = set()

    def begin(self) -> None:
        self._trim()
        # Rows born in this batch, in birth order (closed ones included).
        self._new: dict[str, list[dict[str, Any]]] = {name: [] for name in self.tables}
        # Keys whose pre-batch database version must be closed, with the position.
        self._close: dict[str, dict[tuple, int]] = {name: {} for name in self.tables}
        self._fresh: set[tuple[str, tuple]] = set()  # current row was born in this batch

    def _key(self, table: str, key: dict[str, Any]) -> tuple:
        return tuple(key[k] for k in self.keys[table])

    def get(self, conn: Connection, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
        """The current version of a row (pending changes included), or None."""
        ident = (table, self._key(table, key))
        row = self._current.get(ident, _MISSING)
        if row is not _MISSING:
            self._current.move_to_end(ident)
        else:
            if self._known is not None and ident not in self._known:
                row = None  # rebuilt from empty and never written since
            else:
                params = {f"k_{k}": v for k, v in key.items()}
                found = conn.execute(self._lookups[table], params).mappings().first()
                row = dict(found) if found else None
            self._remember(ident, row)
        return row  # type: ignore[return-value]

    @property
    def cold(self) -> bool:
        """Whether a lookup may have to ask the database (else ``prefetch`` is useless).

        After ``start_empty()`` every row written is cached until one is evicted: a
        rebuild that fits in the LRU answers every lookup from memory.
        """
        return self._known is None or self._evicted

    def prefetch(self, conn: Connection, values: set[str]) -> int:
        """Load at once the current rows of ``values`` (single-column keys) not cached.

        A large batch (a rebuild, a long catch-up) calls this with every id its events
        name, before applying them: the rows evicted from the LRU, or never loaded, then
        cost one ``SELECT … IN`` per table and chunk instead of one per event (at
        national scale the LRU cannot hold 31 interleaved programmes, so evicted rows
        keep coming back). Returns how many keys were asked.
        """
        asked = 0
        for name, table in self.tables.items():
            columns = self.keys[name]
            if len(columns) != 1:
                continue
            wanted = []
            for v in values:
                ident = (name, (v,))
                if ident not in self._current and (self._known is None or ident in self._known):
                    wanted.append(v)
            column = table.c[columns[0]]
            for start in range(0, len(wanted), PREFETCH_CHUNK):
                chunk = wanted[start : start + PREFETCH_CHUNK]
                found = {
                    row[columns[0]]: dict(row)
                    for row in conn.execute(
                        select(table).where(column.in_(chunk), current(table))
                    ).mappings()
                }
                for v in chunk:
                    self._remember((name, (v,)), found.get(v))
                asked += len(chunk)
        return asked

    def _remember(self, ident: tuple[str, tuple], row: dict[str, Any] | None) -> None:
        # No eviction inside a batch (its pending versions and prefetched rows live in
        # the cache until the flush): the cache may exceed ``max_rows`` by one batch's
        # rows, and is trimmed between batches (``_trim``).
        self._current[ident] = row

    def _trim(self) -> None:
        """Evict the least recently touched rows beyond ``max_rows`` (between batches).

        Evicting inside ``_remember`` scanned the rows kept for the batch on every call:
        at national scale, with the cache full, that was 80 % of a rebuild.
        """
        excess = len(self._current) - self.max_rows
        if excess > 0:
            popitem = self._current.popitem
            for _ in range(excess):
                popitem(last=False)
            self._evicted = True

    def put(
        self, conn: Connection, table: str, key: dict[str, Any], values: dict[str, Any], position: int
    ) -> dict[str, Any]:
        """Make ``key`` hold ``values`` merged over its current version, from ``position`` on."""
        ident = (table, tuple([key[k] for k in self.keys[table]]))
        old = self._current.get(ident, _MISSING)
        if old is _MISSING:
            old = self.get(conn, table, key)
        if old is not None and old["valid_from"] == position:
            old.update(values)  # same event: amend the version born here (in place)
            self._current.move_to_end(ident)
            if ident not in self._fresh:
                # Born at this position in an earlier batch: cannot happen, since
                # one event is applied in one batch; keep the guard explicit.
                raise AssertionError("version born at this position outside the batch")
            return old
        if old is not None:
            if ident in self._fresh:
                old["valid_to"] = position  # pending insert: close it in memory
            else:
                self._close[table][ident[1]] = position
            new = old.copy()  # every column (a row read back holds them all)
        else:
            new = self._blank[table].copy()
        new.update(key)
        new.update(values)
        new["valid_from"] = position
        new["valid_to"] = FOREVER
        self._current[ident] = new
        self._current.move_to_end(ident)
        if self._known is not None:
            self._known.add(ident)
        self._fresh.add(ident)
        self._new[table].append(new)
        return new

    def flush(self, conn: Connection) -> None:
        for name, table in self.tables.items():
            closes = self._close[name]
            if closes and conn.dialect.name == "postgresql":
                _close_from_values(conn, table, self.keys[name], closes)
            elif closes:
                keys = self.keys[name]
                stmt = (
                    table.update()
                    .where(
                        and_(*(table.c[k] == bindparam(f"k_{k}") for k in keys)),
                        current(table),
                    )
                    .values(valid_to=bindparam("k_valid_to"))
                )
                conn.execute(
                    stmt,
                    [
                        {**{f"k_{k}": v for k, v in zip(keys, ident, strict=True)}, "k_valid_to": pos}
                        for ident, pos in closes.items()
                    ],
                )
            rows = self._new[name]
            if rows:
                bulk_insert(conn, table, rows, memo=self._memos[name])
        self.begin()


CLOSES_PER_STATEMENT = 2000


def closing_sql(conn: Connection, table: Table, keys: tuple[str, ...], count: int) -> str:
    """``UPDATE … FROM (VALUES …)`` closing ``count`` current versions (PostgreSQL)."""
    quote = conn.dialect.identifier_preparer.quote
    types = [table.c[k].type.compile(dialect=conn.dialect) for k in keys]
    row = "(" + ", ".join([f"%s::{t}" for t in types] + ["%s::BIGINT"]) + ")"
    names = ", ".join([f"k{i}" for i in range(len(keys))] + ["closed_at"])
    match = " AND ".join(f"t.{quote(k)} = v.k{i}" for i, k in enumerate(keys))
    return (
        f"UPDATE {quote(table.name)} AS t SET valid_to = v.closed_at "
        f"FROM (VALUES {', '.join([row] * count)}) AS v({names}) "
        f"WHERE {match} AND t.valid_to = {FOREVER}"
    )


def _close_from_values(conn: Connection, table: Table, keys: tuple[str, ...], closes: dict[tuple, int]) -> None:
    """Close many current versions with one ``UPDATE … FROM (VALUES …)`` per chunk (PostgreSQL).

    One statement per closed row cost a round trip each: a rebuild closes ≈ 29,000. The
    join is planned from the table's statistics, which a long catch-up refreshes as it goes
    (``ProjectionRunner.catch_up``): without them, PostgreSQL compared each chunk with
    every current version of the table.
    """
    items = list(closes.items())
    for start in range(0, len(items), CLOSES_PER_STATEMENT):
        chunk = items[start : start + CLOSES_PER_STATEMENT]
        params = tuple(value for ident, position in chunk for value in (*ident, position))
        conn.exec_driver_sql(closing_sql(conn, table, keys, len(chunk)), params)
