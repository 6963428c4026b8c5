"""Projection machinery: read models fed from the notification log, exactly once.

- A :class:`Projector` applies one domain event to its SQL tables.
- A :class:`ProjectionRunner` reads the application's notification log from its
  tracking position and, for each batch, applies the events to every projector
  AND records the new position in the same database transaction. A crash
  between the two is impossible by construction; a restart resumes where the
  last committed batch stopped.
- Two processes catching up at once are serialised by a lock on the tracking
  row (``SELECT … FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite),
  and each re-reads the position once it holds the lock, so no event is
  applied twice.
- "As of" without replay: versioned rows carry ``valid_from``/``valid_to``
  positions (see :func:`put_version`), so the state at position N is the same
  query filtered by ``valid_from <= N < valid_to``.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import Notification
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    Index,
    MetaData,
    String,
    Table,
    and_,
    create_engine,
    event,
    func,
    inspect,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from relogement.projections import lag
from relogement.projections.nul_free import without_nul

# Open-ended validity: larger than any notification id we will ever see.
FOREVER = 2**62

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

log = logging.getLogger(__name__)

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
        select(table).where(_key_clause(table, key), table.c.valid_to == FOREVER)
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
            .where(_key_clause(table, key), table.c.valid_to == FOREVER)
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
            processor = c.type.dialect_impl(dialect).bind_processor(dialect)
            fields.append((c.key, default, processor))
        getter = itemgetter(*(key for key, _, _ in fields))
        processors = [(i, processor) for i, (_, _, processor) in enumerate(fields) if processor is not None]
        plan = _INSERTS[(dialect.name, table)] = _InsertPlan(
            quote(table.name), names, sql, fields, getter, processors
        )
    return plan


def bulk_insert(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """``conn.execute(table.insert(), rows)``, fed directly to the driver (COPY on PostgreSQL).

    Same values as SQLAlchemy's (each column's bind processor: JSON text, SQLite's
    datetime text; a missing key takes the column's scalar default), without building
    a parameter dictionary per row: that was a third of a rebuild's writing time.
    """
    if not rows:
        return
    plan = _insert_plan(conn, table)
    params = []
    for row in rows:
        try:
            values = list(plan.getter(row)) if len(plan.fields) > 1 else [plan.getter(row)]
        except KeyError:
            values = [row.get(key, default) for key, default, _ in plan.fields]
        for i, processor in plan.processors:
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


def as_of(table: Table, position: int | None):
    """Filter for the versions of ``table`` valid at ``position`` (None = now)."""
    if position is None:
        return table.c.valid_to == FOREVER
    return and_(table.c.valid_from <= position, table.c.valid_to > position)


# -- projectors and runner --------------------------------------------------


class Projector(Protocol):
    """Applies events to its tables. ``tables`` are created on start.

    Optional hooks, called when the projector defines them: ``begin_batch(conn)``
    before the first event of a batch and ``end_batch(conn)`` after the last one,
    inside the batch's transaction (before the tracking row moves). They let a
    projector cache rows and write them in bulk; a failed batch rolls back
    whole and the next ``begin_batch`` starts from a clean cache. ``prefetch(conn,
    domain_events)``, after ``begin_batch``, receives the batch's decoded events
    before any is applied (to load the rows they will touch in a few queries).

    Optional attributes: ``retired_tables``, names of tables an earlier version of the
    projector used (dropped when the read models' definition changes); ``raw = True`` makes ``apply`` receive the stored
    notification (topic, state bytes as stored) instead of the decoded domain
    event — the audit chain hashes those bytes; ``durable_tables`` are created
    with the others but never dropped by :meth:`ProjectionRunner.rebuild` (a
    projector owning them must then skip the positions it already holds).

    Caches kept *across* batches: the runner calls ``forget()`` (when defined) before
    a batch that does not follow its own last committed one (another process moved
    the position, a batch failed, first batch), and ``start_empty()`` when
    :meth:`ProjectionRunner.rebuild` has just recreated the tables (so a key never
    written since is known to be absent without asking the database).
    """

    tables: Sequence[Table]

    def apply(self, conn: Connection, position: int, domain_event: Any) -> None: ...


@dataclass(frozen=True)
class Position:
    position: int
    timestamp: datetime | None


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


ANALYZE_AFTER = 20_000  # events applied in one catch-up that warrant fresh planner statistics


@contextmanager
def _young_collections_only() -> Iterator[None]:
    """Pause the interpreter's automatic collections while catching up (young ones run per batch).

    A replay keeps hundreds of thousands of rows in the projectors' caches: each automatic
    full collection walked all of them, a third of a rebuild's time. Per batch, only the
    young generations are collected; cycles that reached the old one wait for the next
    automatic collection.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class ProjectionRunner:
    """Feeds a group of projectors from one application's notification log."""

    def __init__(
        self,
        app: Any,
        projectors: Iterable[Projector],
        *,
        engine: Engine | None = None,
        name: str = "read_models",
        batch_size: int = 500,
        rebuild_batch_size: int = 5000,
    ) -> None:
        self.app = app
        self.name = name
        self.projectors: list[Projector] = [JournalProjector(), *projectors]
        self.engine = engine or make_engine(app.database_url)
        self.batch_size = batch_size
        # A rebuild replays everything: larger transactions, fewer commits (disk flushes).
        self.rebuild_batch_size = max(batch_size, rebuild_batch_size)
        # Position after this runner's last committed batch: projectors' cross-batch
        # caches are valid only while nobody else has written in between.
        self._last_position: int | None = None
        self._local_lock = threading.Lock()
        self._poller: threading.Thread | None = None
        self._stop = threading.Event()
        # Background retries after a failure (try_catch_up): exponential, capped.
        self.backoff = lag.Backoff()
        self.clock = time.monotonic  # injectable: tests never wait
        self._retry_at = 0.0
        # Touch the event store first: on a fresh SQLite file its first transaction
        # switches the file to WAL mode, which would block behind our write lock.
        app.recorder.max_notification_id()
        self.create_tables()

    # -- schema -------------------------------------------------------------
    def _tables(self) -> list[Table]:
        tables: list[Table] = [tracking]
        for projector in self.projectors:
            tables.extend(projector.tables)
        return tables

    def schema_digest(self) -> str:
        """A digest of the read models' definition: tables, columns, types, indexes."""
        lines = []
        for table in sorted(self._tables(), key=lambda t: t.name):
            if table is tracking:
                continue
            columns = ",".join(
                f"{c.name}:{c.type!r}:{c.nullable}:{c.primary_key}" for c in table.columns
            )
            indexes = ",".join(
                sorted(f"{ix.name}({'/'.join(c.name for c in ix.columns)}){ix.unique}" for ix in table.indexes)
            )
            lines.append(f"{table.name}[{columns}][{indexes}]")
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()

    def _replay_if_schema_changed(self) -> None:
        """Tables of another definition (an upgrade) are dropped: the catch-up replays them."""
        digest = self.schema_digest()
        metadata.create_all(self.engine, tables=[schemas, tracking], checkfirst=True)
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(select(func.pg_advisory_xact_lock(SCHEMA_LOCK_KEY)))
            stored = conn.execute(select(schemas.c.digest).where(schemas.c.name == self.name)).scalar()
            if stored == digest:
                return
            built = conn.execute(select(tracking.c.position).where(tracking.c.name == self.name)).first()
            if built is not None:
                log.warning(
                    "read models %r were built with another definition: dropped, to be replayed "
                    "from the events", self.name,
                )
                self._drop_read_models(conn)
                quote = conn.dialect.identifier_preparer.quote
                for projector in self.projectors:  # tables an earlier version used
                    for name in getattr(projector, "retired_tables", ()):
                        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {quote(name)}")
            conn.execute(schemas.delete().where(schemas.c.name == self.name))
            conn.execute(schemas.insert().values(name=self.name, digest=digest))

    def create_tables(self) -> None:
        self._replay_if_schema_changed()
        lag.errors.create(self.engine, checkfirst=True)
        metadata.create_all(self.engine, tables=self._tables(), checkfirst=True)
        self._create_missing_indexes()
        for projector in self.projectors:
            for table in getattr(projector, "durable_tables", ()):
                table.create(self.engine, checkfirst=True)
        with self.engine.begin() as conn:
            exists = conn.execute(
                select(tracking.c.position).where(tracking.c.name == self.name)
            ).first()
            if exists is None:
                conn.execute(tracking.insert().values(name=self.name, position=0))

    def _create_missing_indexes(self) -> None:
        # create_all skips the tables that exist: an index added to the code later
        # (e.g. the (key, valid_to) ones) would only appear after a rebuild.
        inspector = inspect(self.engine)
        for table in self._tables():
            if not table.indexes:
                continue
            present = {ix["name"] for ix in inspector.get_indexes(table.name)}
            for index in [ix for ix in table.indexes if ix.name not in present]:
                try:
                    index.create(self.engine, checkfirst=True)
                except DBAPIError:  # created meanwhile by another process
                    if index.name not in {ix["name"] for ix in inspect(self.engine).get_indexes(table.name)}:
                        raise

    def drop_tables(self) -> None:
        with self.engine.begin() as conn:
            self._drop_read_models(conn)

    def _drop_read_models(self, conn: Connection) -> None:
        """Drop the read models' tables and forget their position (in ``conn``'s transaction).

        Tables holding identities are wiped as they are freed (SQLite's secure_delete, set
        explicitly: not every build wipes by default): an erasure must leave no copy
        anywhere in the file. The others hold only what stays after an erasure
        (pseudonymised figures); zeroing every freed page of them was most of a rebuild's
        drop time.
        """
        tables = [t for t in self._tables() if t is not tracking]
        personal = [t for t in tables if t.info.get("personal")]
        others = [t for t in tables if not t.info.get("personal")]
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            before = conn.exec_driver_sql("PRAGMA secure_delete").scalar()
        try:
            for group, wipe in ((personal, 1), (others, 0)):
                if sqlite:
                    conn.exec_driver_sql(f"PRAGMA secure_delete = {wipe}")
                metadata.drop_all(conn, tables=group, checkfirst=True)
        finally:
            if sqlite:
                conn.exec_driver_sql(f"PRAGMA secure_delete = {int(before)}")
        conn.execute(tracking.delete().where(tracking.c.name == self.name))

    def rebuild(self) -> int:
        """Drop the read models and the tracking row, then replay from position 1."""
        deferred = self.start_rebuild()
        applied = self.catch_up(batch_size=self.rebuild_batch_size, analyze=False)
        self.finish_rebuild(deferred)
        return applied

    def start_rebuild(self) -> list[Index]:
        """Empty read models, projectors told so, the pages' indexes dropped (returned).

        Then ``catch_up`` (in one call or in chunks), then ``finish_rebuild``.
        """
        with self._local_lock:
            self.drop_tables()
            self.create_tables()
            self._hook("forget")
            self._hook("start_empty")
            self._last_position = 0
            deferred = self._deferred_indexes()
            for index in deferred:
                index.drop(self.engine)
        return deferred

    def finish_rebuild(self, deferred: list[Index]) -> None:
        # Sorting once into a fresh index costs far less than keeping it up to date row by
        # row. A rebuild cut short leaves them missing: the next start creates them.
        for index in deferred:
            index.create(self.engine, checkfirst=True)
        self.analyze()

    def _deferred_indexes(self) -> list[Index]:
        """The pages' secondary indexes, built after a rebuild rather than during it.

        Kept: unique ones and the (key, valid_to) ones, which the projectors' own
        lookups and closing updates use while replaying.
        """
        return [
            index
            for table in self._tables()
            if table is not tracking
            for index in table.indexes
            if not index.unique and not (index.name or "").endswith("_current")
        ]

    def analyze(self) -> None:
        """Refresh the planner's statistics (and PostgreSQL's visibility map) of the tables.

        Tables recreated and filled in one go have none until autovacuum passes:
        PostgreSQL then guesses row counts hundreds of times too low and cannot count
        from an index alone. SQLite keeps its plans (its index choice is pinned by the
        (key, valid_to) indexes); only PostgreSQL is vacuumed and analysed.
        """
        if self.engine.dialect.name != "postgresql":
            return
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in self._tables():
                conn.exec_driver_sql(f'VACUUM ANALYZE "{table.name}"')

    def _hook(self, name: str) -> None:
        for projector in self.projectors:
            hook = getattr(projector, name, None)
            if hook is not None:
                hook()

    # -- feeding ------------------------------------------------------------
    def position(self) -> int:
        with self.engine.connect() as conn:
            return int(
                conn.execute(select(tracking.c.position).where(tracking.c.name == self.name)).scalar_one()
            )

    @contextmanager
    def _locked(self) -> Iterator[tuple[Connection, int]]:
        with self.engine.begin() as conn:
            query = select(tracking.c.position).where(tracking.c.name == self.name)
            if conn.dialect.name == "postgresql":
                query = query.with_for_update()
            yield conn, int(conn.execute(query).scalar_one())

    def catch_up(
        self, up_to: int | None = None, batch_size: int | None = None, *, analyze: bool = True
    ) -> int:
        """Apply every new event (up to ``up_to``); returns how many were applied.

        ``analyze=False``: a rebuild refreshes the statistics itself, once, at the end.
        """
        applied = 0
        size = batch_size or self.batch_size
        narrow_until = 0  # after a failed batch: one event per batch up to its end
        with self._local_lock, _young_collections_only():
            while True:
                try:
                    narrow = (self._last_position or 0) < narrow_until
                    count = self._batch(up_to, 1 if narrow else size)
                except Exception as error:
                    # The batch rolled back: whatever projectors cached from it is void.
                    self._last_position = None
                    self._hook("forget")
                    if not narrow_until and size > 1:
                        # Apply the events before the failing one, one per batch, so the
                        # read models stop just before it and the failure names it.
                        narrow_until = self._safe_position() + size
                        continue
                    raise self._failure(error) from None
                except BaseException:
                    self._last_position = None
                    self._hook("forget")
                    raise
                if not count:
                    break
                applied += count
                gc.collect(1)
        if analyze and applied >= ANALYZE_AFTER:
            # A long catch-up (first start on an existing store, a backlog) changes the
            # tables as much as a rebuild: without statistics PostgreSQL picks poor plans.
            self.analyze()
        return applied

    def _safe_position(self) -> int:
        try:
            return self.position()
        except Exception:  # noqa: BLE001 - the database itself may be what failed
            return 0

    def _failure(self, error: Exception) -> lag.ProjectionFailed:
        """The failure at the first event not applied: position, topic, error class (kept
        in ``projection_errors``); never the event's state nor the error's text."""
        position = self._safe_position() + 1
        topic = "?"
        try:
            found = self._read(position, 1)
            if found:
                topic = found[0].topic
        except Exception:  # noqa: BLE001, S110 - the topic is a courtesy
            pass
        failure = lag.ProjectionFailed(position, topic, lag.error_class(error))
        try:
            lag.record_failure(self.engine, self.name, failure)
        except Exception:  # noqa: BLE001 - e.g. the database is down: the log still says it
            log.warning("projections: last failure not recorded (%s)", lag.error_class(error))
        return failure

    def try_catch_up(self) -> bool:
        """``catch_up`` for background callers (polling, after a command, scheduler, start).

        A failure is logged in one line (position, topic, error class: never the event's
        state) and the next attempt waits an exponential back-off, capped (until then this
        returns at once). Returns whether the read models caught up.
        """
        if self.clock() < self._retry_at:
            return False
        try:
            self.catch_up()
        except lag.ProjectionFailed as failure:
            delay = self.backoff.failed()
            self._retry_at = self.clock() + delay
            log.error("%s ; nouvel essai dans %.1f s", failure, delay)
            return False
        self.backoff.reset()
        self._retry_at = 0.0
        return True

    def _batch(self, up_to: int | None, batch_size: int) -> int:
        """One batch in one transaction; returns how many events it applied (0: none left)."""
        with self._locked() as (conn, position):
            start = position + 1
            limit = batch_size
            if up_to is not None:
                limit = min(limit, up_to - position)
                if limit <= 0:
                    return 0
            notifications = self._read(start, limit)
            if not notifications:
                return 0
            if position != self._last_position:
                self._hook("forget")  # someone else wrote since our last batch
            self._last_position = None  # until this batch commits
            for projector in self.projectors:
                begin = getattr(projector, "begin_batch", None)
                if begin is not None:
                    begin(conn)
            raw = [p for p in self.projectors if getattr(p, "raw", False)]
            decoded = [p for p in self.projectors if not getattr(p, "raw", False)]
            mapper = self.app.mapper
            to_domain_event = mapper.to_domain_event
            searchable = mapper.compressor is None and mapper.cipher is None
            # Decoded first, all of them: a projector may then load what the batch needs
            # in a few queries (``prefetch``) instead of one per event. Their text loses
            # any NUL (events recorded before the entry refused it: nul_free.py).
            domain_events = [
                without_nul(to_domain_event(n), n.state if searchable else None) for n in notifications
            ] if decoded else []
            for projector in decoded:
                prefetch = getattr(projector, "prefetch", None)
                if prefetch is not None:
                    prefetch(conn, domain_events)
            for index, notification in enumerate(notifications):
                for projector in raw:
                    projector.apply(conn, notification.id, notification)
                if decoded:
                    domain_event = domain_events[index]
                    for projector in decoded:
                        projector.apply(conn, notification.id, domain_event)
            for projector in self.projectors:
                end = getattr(projector, "end_batch", None)
                if end is not None:
                    end(conn)
            conn.execute(
                tracking.update()
                .where(tracking.c.name == self.name)
                .values(position=notifications[-1].id)
            )
        self._last_position = notifications[-1].id
        return len(notifications)

    def _read(self, start: int, limit: int) -> list[Any]:
        """The notifications from ``start`` on: the library's recorder's rows, read with Core.

        The recorder's ``select_notifications`` maps each row to an ORM object first
        (half of the time a rebuild spent reading); this is the same ordered SELECT on
        its table. Recorders without that table (or serialised by an access lock) are
        read through the library.
        """
        recorder = self.app.recorder
        datastore = getattr(recorder, "datastore", None)
        record = getattr(recorder, "events_record_cls", None)
        if datastore is None or record is None or getattr(datastore, "access_lock", None) is not None:
            return recorder.select_notifications(start=start, limit=limit)
        t = record.__table__
        query = (
            select(t.c.id, t.c.originator_id, t.c.originator_version, t.c.topic, t.c.state)
            .where(t.c.id >= start)
            .order_by(t.c.id)
            .limit(limit)
        )
        with datastore.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            Notification(
                id=row[0],
                originator_id=row[1],
                originator_version=row[2],
                topic=row[3],
                state=bytes(row[4]) if isinstance(row[4], memoryview) else row[4],
            )
            for row in rows
        ]

    # -- polling (events written by other processes) -------------------------
    def start_polling(self, interval: float = 0.5) -> None:
        if self._poller is not None:
            return
        self._stop.clear()
        self._poller = threading.Thread(
            target=self.poll, args=(interval, self._stop.wait), name=f"projections-{self.name}", daemon=True
        )
        self._poller.start()

    def poll(self, interval: float, wait: Any) -> None:
        """Catch up every ``interval`` seconds, or later while backing off after a failure,
        until ``wait(seconds)`` returns True (the stop signal; injectable in tests)."""
        while not wait(max(interval, self._retry_at - self.clock())):
            try:
                self.try_catch_up()
            except Exception as error:  # noqa: BLE001 - keep polling; one line, no state
                log.error("projections: catch-up failed (%s)", lag.error_class(error))

    def stop_polling(self) -> None:
        self._stop.set()
        if self._poller is not None:
            self._poller.join(timeout=5)
            self._poller = None

    def close(self) -> None:
        self.stop_polling()
        self.engine.dispose()

    # -- instants and positions --------------------------------------------
    def position_at(self, instant: datetime) -> int:
        """The last position recorded at or before ``instant`` (0 if none)."""
        if instant.tzinfo is None:
            raise ValueError("instant must be timezone-aware")
        with self.engine.connect() as conn:
            value = conn.execute(
                select(func.max(journal.c.position)).where(journal.c.timestamp <= instant.astimezone(UTC))
            ).scalar()
        return int(value or 0)

    def describe(self, position: int) -> Position:
        with self.engine.connect() as conn:
            ts = conn.execute(select(journal.c.timestamp).where(journal.c.position == position)).scalar()
        if ts is not None and ts.tzinfo is None:  # SQLite drops the zone; we store UTC
            ts = ts.replace(tzinfo=UTC)
        return Position(position, ts)


def table_snapshot(engine: Engine, tables: Sequence[Table]) -> dict[str, list[tuple]]:
    """Every row of every table, sorted: to compare rebuild and incremental paths."""
    out: dict[str, list[tuple]] = {}
    with engine.connect() as conn:
        for table in tables:
            rows = conn.execute(select(table)).all()
            out[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return out

