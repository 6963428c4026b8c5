"""Projection machinery: read models fed from the notification log, exactly once.

- A projector (:class:`relogement.projections.runner.Projector`) applies one domain
  event to its SQL tables.
- A :class:`relogement.projections.runner.ProjectionRunner` reads the application's
  notification log from its tracking position and, for each batch, applies the
  events to every projector AND records the new position in the same database
  transaction. A crash between the two is impossible by construction; a restart
  resumes where the last committed batch stopped.
- Two processes catching up at once are serialised by a lock on the tracking
  row (``SELECT … FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite),
  and each re-reads the position once it holds the lock, so no event is
  applied twice.
- "As of" without replay: versioned rows carry ``valid_from``/``valid_to``
  positions (see :func:`put_version`), so the state at position N is the same
  query filtered by ``valid_from <= N < valid_to``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import Any
from uuid import UUID

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    DateTime,
    Engine,
    Index,
    MetaData,
    String,
    Table,
    and_,
    create_engine,
    event,
    literal_column,
    select,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import BindParameter

# Open-ended validity: larger than any notification id we will ever see.
FOREVER = 2**62
# FOREVER written into the statement, not bound: psycopg prepares a statement after its
# fifth run, and PostgreSQL's generic plan for "valid_to = $1" cannot know that the value is
# the current versions' (a third of the rows): it read one offer through the valid_to index,
# every current version filtered by id (1.1 ms), instead of the (id, valid_to) index (0.2 ms).
FOREVER_SQL = literal_column(str(FOREVER), BigInteger)


def current(table: Table):  # noqa: ANN201 - a SQL condition
    """The current versions of a versioned table (``valid_to = FOREVER``, the value in the SQL)."""
    return table.c.valid_to == FOREVER_SQL

metadata = MetaData()

tracking = Table(
    "projection_tracking",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("position", BigInteger, nullable=False),
)

# The definition the read models of each runner were built with (a digest of their
# tables, columns and indexes): a runner started with other definitions (a new version
# of the code) empties them and replays the events, instead of reading or writing
# tables of another shape.
schemas = Table(
    "projection_schema",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("digest", String(64), nullable=False),
)

# Serialises the schema check of runners starting at once (PostgreSQL; any fixed number).
SCHEMA_LOCK_KEY = 0x5EED_5C4E


# One row per stored event: maps instants to positions ("état au 30/06/2026,
# événement n° 41 237") and gives the audit journal its who/when.
journal = Table(
    "event_journal",
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("timestamp", DateTime(timezone=True), nullable=False, index=True),
    Column("topic", String(200), nullable=False),
    Column("originator_id", String(32), nullable=False, index=True),
    Column("originator_version", BigInteger, nullable=False),
    Column("by_user", String(200), nullable=True),
    Column("by_org", String(32), nullable=True),
)


# Facts of one kind up to a position (e.g. the erasures, read once per position by the pages).
Index("ix_event_journal_topic", journal.c.topic, journal.c.position)


def versioned_columns() -> list[Column]:
    """The two columns every as-of-capable read model table carries."""
    return [
        Column("valid_from", BigInteger, nullable=False, index=True),
        Column("valid_to", BigInteger, nullable=False, default=FOREVER, index=True),
    ]


def make_engine(url: str) -> Engine:
    from relogement.platform.config import normalise_url

    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        # pysqlite's deferred transactions would upgrade read→write locks
        # mid-transaction and fail; take the write lock at BEGIN instead.
        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection, _record):  # noqa: ANN001
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin(conn):  # noqa: ANN001
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True)


# -- versioned rows ---------------------------------------------------------


def _key_clause(table: Table, key: dict[str, Any]):
    return and_(*(table.c[k] == v for k, v in key.items()))


def current_row(conn: Connection, table: Table, key: dict[str, Any]) -> dict[str, Any] | None:
    row = conn.execute(
        select(table).where(_key_clause(table, key), current(table))
    ).mappings().first()
    return dict(row) if row else None


def put_version(
    conn: Connection, table: Table, key: dict[str, Any], values: dict[str, Any], position: int
) -> dict[str, Any]:
    """Make ``key`` hold ``values`` (merged over its current version) from ``position`` on."""
    old = current_row(conn, table, key)
    if old is not None and old["valid_from"] == position:
        # Several changes from one event: amend the version born at this position.
        new = {**old, **values}
        conn.execute(
            table.update()
            .where(_key_clause(table, key), table.c.valid_from == position)
            .values(**values)
        )
        return new
    if old is not None:
        conn.execute(
            table.update()
            .where(_key_clause(table, key), current(table))
            .values(valid_to=position)
        )
    new = {**(old or {}), **key, **values, "valid_from": position, "valid_to": FOREVER}
    conn.execute(table.insert().values(**new))
    return new


@dataclass(frozen=True)
class _InsertPlan:
    table: str  # quoted
    columns: str  # "(a, b, …)", quoted
    sql: str  # the INSERT for executemany
    fields: list[tuple[str, Any, Any]]  # (key, scalar default, bind processor)
    getter: Any  # every field of a row at once
    processors: list[tuple[int, Any]]  # (index, bind processor) of the fields that have one
    # Indexes of the JSON, date and time columns, whose text ``bulk_insert`` may remember.
    convertible: frozenset[int]


# Per (dialect, Table object): two tables of one name (tests) never share a plan.
_INSERTS: dict[tuple[str, Table], _InsertPlan] = {}


def _insert_plan(conn: Connection, table: Table) -> _InsertPlan:
    dialect = conn.dialect
    plan = _INSERTS.get((dialect.name, table))
    if plan is None:
        columns = list(table.columns)
        quote = dialect.identifier_preparer.quote
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        names = f"({', '.join(quote(c.name) for c in columns)})"
        sql = f"INSERT INTO {quote(table.name)} {names} VALUES ({', '.join([mark] * len(columns))})"
        fields = []
        for c in columns:
            default = c.default.arg if c.default is not None and c.default.is_scalar else None
            impl = c.type.dialect_impl(dialect)
            processor = _sqlite_datetime(impl.bind_processor(dialect), impl)
            fields.append((c.key, default, processor))
        getter = itemgetter(*(key for key, _, _ in fields))
        processors = [(i, processor) for i, (_, _, processor) in enumerate(fields) if processor is not None]
        convertible = frozenset(i for i, c in enumerate(columns) if isinstance(c.type, JSON | Date | DateTime))
        plan = _INSERTS[(dialect.name, table)] = _InsertPlan(
            quote(table.name), names, sql, fields, getter, processors, convertible
        )
    return plan


_DATETIME_FORMAT = sqlite.DATETIME._storage_format


def _sqlite_datetime(processor: Any, impl: Any) -> Any:
    """SQLite's datetime processor, with its exact text for a ``datetime`` built by one C call.

    SQLAlchemy formats each instant through a dictionary of its seven fields (a rebuild
    stores ≈ 400,000 of them); ``isoformat`` gives the same 26 characters (its offset, which
    SQLAlchemy drops, is cut off). Dates and anything else go to SQLAlchemy's processor.
    """
    if processor is None or type(impl) is not sqlite.DATETIME or impl._storage_format != _DATETIME_FORMAT:
        return processor

    def process(value: Any) -> Any:
        if type(value) is datetime:
            return value.isoformat(" ", "microseconds")[:26]
        return processor(value)

    return process


# Objects remembered per column before its memo starts afresh: bounds the memory (a
# national rebuild's 31 interleaved programmes reuse fewer of them, at no cost but misses).
MEMO_SIZE = 20_000


def _remembering(processor: Any, memo: dict[int, tuple[Any, Any]]) -> Any:
    """A column's processor that converts each object once (JSON, dates, instants).

    A versioned row's new version carries the previous one's values (the same objects:
    the household's wishes and registration instant, a proposal's indicators) and each
    was serialised again for every version. The object is kept with its text, so its id
    cannot be reused meanwhile; the caller (``BatchWriter``) never changes a stored JSON
    value in place (dates and instants cannot change) and owns ``memo``.
    """
    if len(memo) >= MEMO_SIZE:
        memo.clear()

    def process(value: Any) -> Any:
        if value is None or type(value) is str:
            return processor(value)
        known = memo.get(id(value))
        if known is not None and known[0] is value:
            return known[1]
        text = processor(value)
        memo[id(value)] = (value, text)
        return text

    return process


def bulk_insert(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]], *, memo: dict | None = None
) -> None:
    """``conn.execute(table.insert(), rows)``, fed directly to the driver (COPY on PostgreSQL).

    Same values as SQLAlchemy's (each column's bind processor: JSON text, SQLite's
    datetime text; a missing key takes the column's scalar default), without building
    a parameter dictionary per row: that was a third of a rebuild's writing time.
    ``memo`` (a dict the caller keeps between calls, for rows whose JSON values are never
    changed in place once inserted): each JSON, date or instant object is converted once
    (see ``_remembering``).
    """
    if not rows:
        return
    plan = _insert_plan(conn, table)
    processors = plan.processors
    if memo is not None:
        processors = [
            (i, _remembering(processor, memo.setdefault(i, {})) if i in plan.convertible else processor)
            for i, processor in processors
        ]
    params = []
    for row in rows:
        try:
            values = list(plan.getter(row)) if len(plan.fields) > 1 else [plan.getter(row)]
        except KeyError:
            values = [row.get(key, default) for key, default, _ in plan.fields]
        for i, processor in processors:
            values[i] = processor(values[i])
        params.append(tuple(values))
    if conn.dialect.driver == "psycopg":
        # PostgreSQL's COPY: 3-4 times faster than executemany for a batch's rows.
        with conn.connection.dbapi_connection.cursor() as cursor:
            with cursor.copy(f"COPY {plan.table} {plan.columns} FROM STDIN") as copy:
                for values in params:
                    copy.write_row(values)
        return
    conn.exec_driver_sql(plan.sql, params)


def as_of(table: Table, position: int | BindParameter[int] | None):
    """Filter for the versions of ``table`` valid at ``position`` (None = now; a bound
    parameter: a statement built once for every position, see queries.base.one_record)."""
    if position is None:
        return current(table)
    return and_(table.c.valid_from <= position, table.c.valid_to > position)


# -- the journal -----------------------------------------------------------


def _hex(value: Any) -> str | None:
    if value is None:
        return None
    return value.hex if isinstance(value, UUID) else str(value)


class JournalProjector:
    """The event journal: position, time, topic, who."""

    tables = (journal,)

    def __init__(self) -> None:
        self._rows: list[dict[str, Any]] = []

    def begin_batch(self, conn: Connection) -> None:
        self._rows = []

    def apply(self, conn: Connection, position: int, domain_event: Any) -> None:
        topic = f"{type(domain_event).__module__}:{type(domain_event).__qualname__}"
        self._rows.append(
            dict(
                position=position,
                timestamp=domain_event.timestamp,
                topic=topic[:200],
                originator_id=domain_event.originator_id.hex,
                originator_version=domain_event.originator_version,
                by_user=getattr(domain_event, "by_user", None),
                by_org=_hex(getattr(domain_event, "by_org", None)),
            )
        )

    def end_batch(self, conn: Connection) -> None:
        # One multi-row insert per batch instead of one statement per event.
        if self._rows:
            bulk_insert(conn, journal, self._rows)
        self._rows = []


def table_snapshot(engine: Engine, tables: Sequence[Table]) -> dict[str, list[tuple]]:
    """Every row of every table, sorted: to compare rebuild and incremental paths."""
    out: dict[str, list[tuple]] = {}
    with engine.connect() as conn:
        for table in tables:
            rows = conn.execute(select(table)).all()
            out[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return out

