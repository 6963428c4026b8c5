"""The projection machinery: exactly once, crash-safe, concurrent-safe, rebuildable."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import BigInteger, Column, Integer, String, Table, select

from relogement.projections.lag import ProjectionFailed
from relogement.projections.machinery import (
    FOREVER,
    as_of,
    journal,
    metadata,
    put_version,
    table_snapshot,
)
from relogement.projections.runner import ProjectionRunner
from relogement.simulation import sample

counts = Table(
    "test_event_counts",
    metadata,
    Column("topic", String(200), primary_key=True),
    *[Column("n", Integer, nullable=False)],
)
versions = Table(
    "test_offer_status",
    metadata,
    Column("offer_id", String(32), nullable=False),
    Column("status", String(30), nullable=False),
    Column("valid_from", BigInteger, nullable=False),
    Column("valid_to", BigInteger, nullable=False, default=FOREVER),
)


class CountingProjector:
    """Counts events per type; fails on demand to simulate a crash."""

    tables = (counts, versions)

    def __init__(self) -> None:
        self.fail_at: int | None = None

    def apply(self, conn, position, domain_event) -> None:
        if position == self.fail_at:
            raise RuntimeError("crash while applying")
        topic = type(domain_event).__name__
        row = conn.execute(select(counts.c.n).where(counts.c.topic == topic)).scalar()
        if row is None:
            conn.execute(counts.insert().values(topic=topic, n=1))
        else:
            conn.execute(counts.update().where(counts.c.topic == topic).values(n=row + 1))
        status = {"OfferPublished": "publiee", "OfferProposed": "proposee", "OfferReleased": "publiee"}
        if topic in status:
            put_version(
                conn, versions, {"offer_id": domain_event.originator_id.hex}, {"status": status[topic]}, position
            )


def _scenario(app, clock):
    world = sample.build_world(app)
    h1 = sample.register(world, bailleur="LMH")
    h2 = sample.register(world, bailleur="VCL", name="Famille Benali")
    offer = app.publish_offer(world.project_id, sample.dwelling(), world.actor("VCL"))
    clock.advance(hours=1)
    p1 = app.make_proposal(h1, offer, 20_000, world.actor("LMH"))
    clock.advance(hours=2)
    app.refuse_proposal(p1, "loyer", "", world.actor("LMH"))
    clock.advance(hours=3)
    app.make_proposal(h2, offer, 20_000, world.actor("VCL"))
    return world, offer


def _event_total(app) -> int:
    return app.recorder.max_notification_id()


def test_each_event_applied_once_and_position_recorded(app, clock):
    _scenario(app, clock)
    projector = CountingProjector()
    runner = ProjectionRunner(app, [projector], name="t1", batch_size=7)
    try:
        assert runner.catch_up() == _event_total(app)
        assert runner.catch_up() == 0
        assert runner.position() == _event_total(app)
        with runner.engine.connect() as conn:
            total = sum(n for (n,) in conn.execute(select(counts.c.n)))
            journal_rows = conn.execute(select(journal.c.position)).scalars().all()
        assert total == _event_total(app)
        assert sorted(journal_rows) == list(range(1, _event_total(app) + 1))
    finally:
        runner.close()


def test_crash_between_apply_and_tracking_loses_and_duplicates_nothing(app, clock):
    _scenario(app, clock)
    projector = CountingProjector()
    projector.fail_at = 12
    runner = ProjectionRunner(app, [projector], name="t2", batch_size=5)
    try:
        with pytest.raises(ProjectionFailed) as failed:
            runner.catch_up()
        assert failed.value.position == 12 and failed.value.error_class == "builtins.RuntimeError"
        # Batches 1-5 and 6-10 committed; the batch holding 12 rolled back whole, then
        # its events before 12 were applied one per batch: the runner stops just before it.
        assert runner.position() == 11
        with runner.engine.connect() as conn:
            assert sum(n for (n,) in conn.execute(select(counts.c.n))) == 11
        projector.fail_at = None
        runner.catch_up()
        with runner.engine.connect() as conn:
            assert sum(n for (n,) in conn.execute(select(counts.c.n))) == _event_total(app)
    finally:
        runner.close()


def test_two_processes_catching_up_at_once_apply_each_event_once(app, clock):
    _scenario(app, clock)
    # Two runners with their own engines stand for two processes.
    runners = [ProjectionRunner(app, [CountingProjector()], name="t3", batch_size=3) for _ in range(2)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(r):
        try:
            barrier.wait()
            r.catch_up()
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=run, args=(r,)) for r in runners]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        with runners[0].engine.connect() as conn:
            assert sum(n for (n,) in conn.execute(select(counts.c.n))) == _event_total(app)
    finally:
        for r in runners:
            r.close()


def test_rebuild_gives_the_incremental_tables_and_as_of_matches_history(app, clock):
    world, offer = _scenario(app, clock)
    runner = ProjectionRunner(app, [CountingProjector()], name="t4", batch_size=4)
    try:
        # Incremental: catch up after each step, remembering the live state.
        live_at: dict[int, str] = {}
        runner.catch_up()
        with runner.engine.connect() as conn:
            positions = conn.execute(select(journal.c.position)).scalars().all()
        incremental = table_snapshot(runner.engine, [counts, versions, journal])
        runner.rebuild()
        assert table_snapshot(runner.engine, [counts, versions, journal]) == incremental
        # As-of: replay into a scratch runner up to N and compare the current status.
        for n in positions:
            with runner.engine.connect() as conn:
                row = conn.execute(
                    select(versions.c.status).where(as_of(versions, n), versions.c.offer_id == offer.hex)
                ).scalar()
            live_at[n] = row
        runner.drop_tables()
        runner.create_tables()
        for n in positions:
            runner.catch_up(up_to=n)
            with runner.engine.connect() as conn:
                live = conn.execute(
                    select(versions.c.status).where(as_of(versions, None), versions.c.offer_id == offer.hex)
                ).scalar()
            assert live == live_at[n], n
        assert runner.position_at(clock.now) == _event_total(app)
    finally:
        runner.close()


def test_rebuild_defers_the_pages_indexes_and_recreates_every_one(app, clock):
    """Secondary indexes are dropped for the replay and built at the end: afterwards
    every table has exactly the indexes its definition declares."""
    from sqlalchemy import inspect

    from relogement.projections import build_runner

    _scenario(app, clock)
    runner = build_runner(app)
    try:
        deferred = {ix.name for ix in runner._deferred_indexes()}
        assert "ix_notif_notices_project" in deferred and "ix_rm_proposals_project_status" in deferred
        assert not any(name.endswith("_current") for name in deferred)  # used while replaying
        runner.rebuild()
        inspector = inspect(runner.engine)
        for table in runner._tables():
            declared = {ix.name for ix in table.indexes}
            present = {ix["name"] for ix in inspector.get_indexes(table.name)}
            assert declared <= present, (table.name, declared - present)
    finally:
        runner.close()


def test_read_models_of_another_definition_are_replayed_not_reused(app, clock):
    """An upgrade that changes a read model's tables empties them and replays the events.

    The runner records a digest of its tables' definition; a runner started with
    another one (new code on an existing store) must not read or extend tables of
    another shape. Same definition: nothing is replayed.
    """
    from sqlalchemy import inspect, select, update

    from relogement.projections import build_runner
    from relogement.projections.machinery import schemas, table_snapshot

    _scenario(app, clock)
    runner = build_runner(app)
    try:
        runner.catch_up()
        built = table_snapshot(runner.engine, runner._tables())
        position = runner.position()
        assert position == _event_total(app)
    finally:
        runner.close()

    again = build_runner(app)  # same code: the read models are kept as they are
    try:
        assert again.position() == position
    finally:
        again.close()

    with again.engine.begin() as conn:  # as if built by an older version of the code
        conn.execute(update(schemas).values(digest="0" * 64))
        conn.exec_driver_sql("CREATE TABLE notifications (key VARCHAR(80) PRIMARY KEY)")
    upgraded = build_runner(app)
    try:
        assert upgraded.position() == 0
        assert "notifications" not in inspect(upgraded.engine).get_table_names()  # retired
        with upgraded.engine.connect() as conn:
            assert conn.execute(select(schemas.c.digest)).scalar() == upgraded.schema_digest()
        assert upgraded.catch_up() == _event_total(app)
        assert table_snapshot(upgraded.engine, upgraded._tables()) == built
    finally:
        upgraded.close()


def test_schema_digest_follows_the_tables_definition(app):
    from sqlalchemy import Column, Integer, MetaData, Table

    from relogement.projections.runner import ProjectionRunner

    class Shaped:
        def __init__(self, table):
            self.tables = (table,)

        def apply(self, conn, position, domain_event):
            pass

    def digest(*columns):
        table = Table("t_shape", MetaData(), Column("id", Integer, primary_key=True), *columns)
        runner = ProjectionRunner(app, [Shaped(table)], name="shape")
        try:
            return runner.schema_digest()
        finally:
            runner.close()

    assert digest() == digest()
    assert digest(Column("n", Integer)) != digest()
    assert digest(Column("n", Integer, nullable=False)) != digest(Column("n", Integer))


def test_runner_reads_the_same_notifications_as_the_library(app, clock):
    from relogement.projections import build_runner

    _scenario(app, clock)
    runner = build_runner(app)
    try:
        total = _event_total(app)
        for start, limit in ((1, total), (3, 4), (total, 10), (total + 1, 10)):
            assert runner._read(start, limit) == app.recorder.select_notifications(start=start, limit=limit)
        assert len(runner._read(1, total)) == total
    finally:
        runner.close()


def test_bulk_insert_stores_what_sqlalchemy_stores(app):
    """JSON, datetimes, NULLs, defaults: the driver-fed insert gives the same rows."""
    from datetime import UTC, datetime

    from sqlalchemy import JSON, BigInteger, Column, DateTime, MetaData, String, Table, select

    from relogement.projections.machinery import FOREVER, bulk_insert, make_engine

    def table(name):
        return Table(
            name,
            MetaData(),
            Column("id", String(10), primary_key=True),
            Column("n", BigInteger, nullable=True),
            Column("at", DateTime(timezone=True), nullable=True),
            Column("doc", JSON, nullable=True),
            Column("valid_to", BigInteger, nullable=False, default=FOREVER),
        )

    rows = [
        {"id": "a", "n": 1, "at": datetime(2026, 3, 2, 9, 0, tzinfo=UTC), "doc": {"x": [1, "é"]}},
        {"id": "b", "n": None, "at": None, "doc": None, "valid_to": 7},
        {"id": "c", "n": 2**40, "at": datetime(2026, 3, 2, 9, 0, 0, 123456, tzinfo=UTC), "doc": []},
    ]
    engine = make_engine(app.database_url)
    reference, bulk = table("t_reference"), table("t_bulk")
    try:
        for t in (reference, bulk):
            t.create(engine)
        with engine.begin() as conn:
            for row in rows:  # one by one: SQLAlchemy fills the default of a missing key
                conn.execute(reference.insert(), row)
            bulk_insert(conn, bulk, rows)
        with engine.connect() as conn:
            expected = conn.execute(select(reference).order_by(reference.c.id)).all()
            assert conn.execute(select(bulk).order_by(bulk.c.id)).all() == expected
            raw = "SELECT id, n, at, CAST(doc AS TEXT), valid_to FROM {} ORDER BY id"
            assert conn.exec_driver_sql(raw.format("t_bulk")).all() == conn.exec_driver_sql(
                raw.format("t_reference")
            ).all()
        assert expected[0].valid_to == FOREVER and expected[1].valid_to == 7
    finally:
        for t in (reference, bulk):
            t.drop(engine)
        engine.dispose()


@pytest.mark.parametrize("prefetch", [True, False])
def test_a_large_batch_loads_the_rows_it_touches_at_once(app, clock, monkeypatch, prefetch):
    """With an LRU too small to keep the rows between batches (national scale), a
    rebuild still writes the incremental tables; prefetching spares the per-row lookups."""
    from sqlalchemy import event

    from relogement.projections import build_runner, read_models
    from relogement.projections.operational import OperationalProjector, base

    world, _ = _scenario(app, clock)
    # Households registered early, offered much later: their rows come from older batches.
    households = [sample.register(world, bailleur="LMH", name=f"Famille {i}") for i in range(6)]
    for household in households:
        clock.advance(hours=1)
        offer = app.publish_offer(world.project_id, sample.dwelling(), world.actor("VCL"))
        proposal = app.make_proposal(household, offer, 20_000, world.actor("LMH"))
        app.refuse_proposal(proposal, "loyer", "", world.actor("LMH"))
    reference = build_runner(app, batch_size=3)
    try:
        reference.catch_up()
        expected = table_snapshot(reference.engine, read_models.VERSIONED_TABLES)
    finally:
        reference.close()
    monkeypatch.setattr(base, "PREFETCH_MIN_EVENTS", 1 if prefetch else 10**9)
    runner = build_runner(app, batch_size=6)
    operational = next(p for p in runner.projectors if isinstance(p, OperationalProjector))
    runner.rebuild_batch_size = 6
    operational.writer.max_rows = 1  # nothing survives from one batch to the next
    lookups: list[str] = []

    def record(conn, cursor, statement, *args):  # noqa: ANN001, ANN002
        # The writer's one-row lookup: "<key> = ? AND valid_to = FOREVER", no IN list.
        if statement.lstrip().startswith("SELECT") and ".valid_to = " in statement and " IN (" not in statement:
            lookups.append(statement)

    try:
        event.listen(runner.engine, "before_cursor_execute", record)
        runner.rebuild()
        event.remove(runner.engine, "before_cursor_execute", record)
        assert table_snapshot(runner.engine, read_models.VERSIONED_TABLES) == expected
        assert len(operational.writer._current) <= 1  # trimmed back to its size after each batch
        if prefetch:
            assert lookups == []
        else:
            assert len(lookups) >= 5, len(lookups)
    finally:
        runner.close()


def test_live_reads_write_forever_into_the_sql_instead_of_binding_it():
    """PostgreSQL's generic plan of a prepared "valid_to = $1" cannot know the value is the
    current versions' (a third of the rows): it read one offer through the valid_to index,
    every current version filtered by id (bench/RESULTS.md, session 17)."""
    from sqlalchemy.dialects import postgresql, sqlite

    from relogement.projections.machinery import FOREVER, as_of
    from relogement.projections.queries.base import one_record
    from relogement.projections.read_models import offers
    from relogement.projections.versioned import BatchWriter

    class Recorder:
        statement = None

        def execute(self, statement, parameters=None):  # noqa: ANN001
            Recorder.statement = statement
            return self

        def mappings(self):
            return []

    one_record(Recorder(), offers, offers.c.offer_id, "a" * 32, None)
    live = [Recorder.statement, select(offers).where(as_of(offers, None))]
    live += list(BatchWriter([offers], {"rm_offers": ("offer_id",)})._lookups.values())
    for statement in live:
        for dialect in (postgresql.dialect(), sqlite.dialect()):
            compiled = statement.compile(dialect=dialect)
            assert f"valid_to = {FOREVER}" in str(compiled)
            assert FOREVER not in compiled.params.values()
    # As of a position, the position is bound (one statement for every position).
    past = select(offers).where(as_of(offers, 42)).compile(dialect=postgresql.dialect())
    assert 42 in past.params.values() and str(FOREVER) not in str(past)
