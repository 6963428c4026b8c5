"""The projection runner: feeds projectors from the notification log, exactly once.

Each batch of events is applied to every projector AND the tracking position moves
in the same database transaction (see :mod:`relogement.projections.machinery`). The
tables' side (creation, digest, rebuild) is :class:`~relogement.projections.runner_schema.RunnerSchema`;
failures, back-off and lag are :mod:`relogement.projections.lag`.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from eventsourcing.persistence import Notification
from sqlalchemy import Engine, Table, func, select
from sqlalchemy.engine import Connection

from relogement.projections import lag
from relogement.projections.machinery import JournalProjector, journal, make_engine, tracking
from relogement.projections.nul_free import without_nul
from relogement.projections.runner_schema import STATISTICS_FROM, RunnerSchema

# Same logger name as before the split: operators' log filters keep working.
log = logging.getLogger("relogement.projections.machinery")


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


class ProjectionRunner(RunnerSchema):
    """Feeds a group of projectors from one application's notification log."""

    def __init__(
        self,
        app: Any,
        projectors: Iterable[Projector],
        *,
        engine: Engine | None = None,
        name: str = "read_models",
        batch_size: int = 500,
        rebuild_batch_size: int = 20_000,
    ) -> None:
        self.app = app
        self.name = name
        self.projectors: list[Projector] = [JournalProjector(), *projectors]
        self.engine = engine or make_engine(app.database_url)
        self.batch_size = batch_size
        # A rebuild replays everything: larger transactions, fewer commits and fewer
        # statements per table (each batch flushes every table once). 20,000 rather than
        # 5,000: 14-15 % less time on the 6,000-household store on both databases, for
        # 70 MB more peak memory; 50,000 gained nothing more (bench/RESULTS.md, session 19).
        self.rebuild_batch_size = max(batch_size, rebuild_batch_size)
        # Position after this runner's last committed batch: projectors' cross-batch
        # caches are valid only while nobody else has written in between.
        self._last_position: int | None = None
        self._local_lock = threading.Lock()
        # Position at which the tables' statistics are refreshed during a catch-up (see
        # _refresh_statistics_if_due); None until the first batch.
        self._statistics_at: int | None = None
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
                self._refresh_statistics_if_due()
        if analyze and applied >= ANALYZE_AFTER:
            # A long catch-up (first start on an existing store, a backlog) changes the
            # tables as much as a rebuild: without statistics PostgreSQL picks poor plans.
            self.analyze()
        return applied

    def _refresh_statistics_if_due(self) -> None:
        """PostgreSQL: the tables' statistics refreshed each time a replay doubles its position.

        Tables recreated by a rebuild (or a replay after a schema change) have none until
        its end, and PostgreSQL planned the closing of superseded versions as if they held
        a few rows: it compared each chunk of closings with every current version, a cost
        that grew with the table (a national rebuild's rate fell from 4,800 to 1,900
        events/s, bench/RESULTS.md, session 18). A live catch-up, a few events past a
        position already reached, never comes to the next doubling.
        """
        position = self._last_position
        if position is None or self.engine.dialect.name != "postgresql":
            return
        if self._statistics_at is None:
            self._statistics_at = max(STATISTICS_FROM, 2 * position)
        elif position >= self._statistics_at:
            self.refresh_statistics()
            self._statistics_at = 2 * position

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
