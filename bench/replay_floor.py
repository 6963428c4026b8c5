"""The SQL floor of a rebuild: writing its rows and indexes, with no projector at all.

Used by ``bench_replay.py --floor`` after a rebuild. SQLite (``measure``): the read models
it wrote are copied into a fresh SQLite file created with the same tables (the pages' secondary indexes
built afterwards, as a rebuild does), twice:

- **engine**: ``INSERT INTO … SELECT`` from the store attached (no Python per row);
- **driver**: the rows fetched beforehand (untimed), as stored text, handed to
  ``executemany`` in as many transactions as the rebuild has batches (``rebuild_batches``),
  as the projectors' flushes do
  (no conversion left: what the driver and SQLite cost per row).

PostgreSQL (``measure_postgresql``): the same two copies into a scratch schema.

Either is a lower bound of the writing part of any rebuild that produces these tables;
"driver" is the bound for a projector in Python, which must hand each row to the driver.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine


def _fresh(path: Path, tables: list, deferred: list) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    engine = create_engine(f"sqlite:///{path}")
    try:
        for table in tables:
            table.create(engine)
        for index in deferred:
            index.drop(engine)
    finally:
        engine.dispose()


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")  # as the store (eventsourcing-sqlalchemy)
    return conn


def _build_indexes(conn: sqlite3.Connection, deferred: list, dialect: Any) -> None:
    from sqlalchemy.schema import CreateIndex

    for index in deferred:
        conn.execute(str(CreateIndex(index).compile(dialect=dialect)))


def rebuild_batches(runner: Any) -> int:
    """How many transactions the runner's rebuild of this store commits (one per batch)."""
    events = runner.app.recorder.max_notification_id() or 0
    return max(1, -(-events // runner.rebuild_batch_size))


def measure(store: str, runner: Any, out_dir: Path) -> dict:
    from sqlalchemy.dialects import sqlite as sqlite_dialect

    dialect = sqlite_dialect.dialect()
    tables = [t for t in runner._tables() if t.name != "projection_tracking"]
    deferred = runner._deferred_indexes()
    source = sqlite3.connect(store)
    rows = {t.name: source.execute(f'SELECT * FROM "{t.name}"').fetchall() for t in tables}
    source.close()
    result: dict = {"rows": {name: len(r) for name, r in rows.items()}}
    result["rows_total"] = sum(result["rows"].values())
    result["commits"] = rebuild_batches(runner)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "replay-floor.sqlite"

    _fresh(path, tables, deferred)
    conn = _connect(path)
    began = time.perf_counter()
    conn.execute(f"ATTACH DATABASE '{store}' AS src")
    conn.execute("BEGIN")
    for t in tables:
        conn.execute(f'INSERT INTO main."{t.name}" SELECT * FROM src."{t.name}"')
    conn.execute("COMMIT")
    conn.execute("DETACH DATABASE src")
    written = time.perf_counter()
    _build_indexes(conn, deferred, dialect)
    done = time.perf_counter()
    conn.close()
    result["engine"] = {"insert_s": round(written - began, 3), "indexes_s": round(done - written, 3),
                        "total_s": round(done - began, 3)}

    _fresh(path, tables, deferred)
    conn = _connect(path)
    chunks = rebuild_batches(runner)
    began = time.perf_counter()
    for i in range(chunks):
        conn.execute("BEGIN")
        for t in tables:
            part = rows[t.name]
            size = -(-len(part) // chunks)
            chunk = part[i * size : (i + 1) * size]
            if chunk:
                marks = ", ".join("?" * len(chunk[0]))
                conn.executemany(f'INSERT INTO "{t.name}" VALUES ({marks})', chunk)
        conn.execute("COMMIT")
    written = time.perf_counter()
    _build_indexes(conn, deferred, dialect)
    done = time.perf_counter()
    conn.close()
    result["driver"] = {"insert_s": round(written - began, 3), "indexes_s": round(done - written, 3),
                        "total_s": round(done - began, 3)}
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return result


FLOOR_SCHEMA = "replay_floor"
FETCH_ROWS = 20_000  # rows fetched (untimed) per COPY on PostgreSQL


def measure_postgresql(url: str, runner: Any) -> dict:
    """The same floor on PostgreSQL, in a scratch schema of the store's database.

    - **engine**: ``INSERT INTO replay_floor.t SELECT * FROM t`` (no Python per row);
    - **driver**: each table's rows fetched as text (untimed, ``FETCH_ROWS`` at a time) and
      written back by psycopg's ``COPY … FROM STDIN`` row by row, as ``bulk_insert`` does,
      one commit per 1/``rebuild_batches`` of the rows, as a rebuild commits per batch;

    then the deferred indexes, on two connections as ``finish_rebuild`` builds them. The
    ``VACUUM ANALYZE`` a rebuild runs after them is left out: a lower bound.
    """
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import text

    tables = [t for t in runner._tables() if t.name != "projection_tracking"]
    deferred = runner._deferred_indexes()
    chunks = rebuild_batches(runner)
    url = url.replace("postgresql://", "postgresql+psycopg://", 1)  # psycopg 3, as the app
    source = create_engine(url)
    scratch = create_engine(url, connect_args={"options": f"-c search_path={FLOOR_SCHEMA}"})

    def fresh() -> None:
        with source.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {FLOOR_SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {FLOOR_SCHEMA}"))
        for table in tables:
            table.create(scratch)
        for index in deferred:
            index.drop(scratch)

    def build_indexes() -> float:
        began = time.perf_counter()
        by_table: dict = {}
        for index in deferred:
            by_table.setdefault(index.table, []).append(index)

        def create_all(indexes: list) -> None:
            for index in indexes:
                index.create(scratch)

        with ThreadPoolExecutor(2) as pool:
            for future in [pool.submit(create_all, ix) for ix in
                           sorted(by_table.values(), key=lambda ix: -len(ix))]:
                future.result()
        return time.perf_counter() - began

    result: dict = {"rows": {}, "commits": chunks}
    try:
        with source.connect() as conn:
            for t in tables:
                result["rows"][t.name] = conn.execute(text(f'SELECT count(*) FROM public."{t.name}"')).scalar()
        result["rows_total"] = sum(result["rows"].values())

        fresh()
        began = time.perf_counter()
        with source.begin() as conn:
            for t in tables:
                conn.execute(text(f'INSERT INTO {FLOOR_SCHEMA}."{t.name}" SELECT * FROM public."{t.name}"'))
        written = time.perf_counter() - began
        indexes = build_indexes()
        result["engine"] = {"insert_s": round(written, 3), "indexes_s": round(indexes, 3),
                            "total_s": round(written + indexes, 3)}

        fresh()
        written = 0.0
        with source.connect() as reader, scratch.connect() as writer:
            raw_reader = reader.connection.dbapi_connection
            raw_writer = writer.connection.dbapi_connection
            for t in tables:
                columns = ", ".join(f'"{c.name}"' for c in t.columns)
                as_text = ", ".join(f'"{c.name}"::text' for c in t.columns)
                per_commit = max(1, -(-result["rows"][t.name] // chunks))
                with raw_reader.cursor(name=f"floor_{t.name}") as cursor:
                    cursor.execute(f'SELECT {as_text} FROM public."{t.name}"')
                    pending = 0
                    while rows := cursor.fetchmany(min(FETCH_ROWS, per_commit)):
                        began = time.perf_counter()
                        with raw_writer.cursor() as out, out.copy(
                                f'COPY "{t.name}" ({columns}) FROM STDIN') as copy:
                            for row in rows:
                                copy.write_row(row)
                        pending += len(rows)
                        if pending >= per_commit:
                            raw_writer.commit()
                            pending = 0
                        written += time.perf_counter() - began
                began = time.perf_counter()
                raw_writer.commit()
                written += time.perf_counter() - began
                raw_reader.commit()
        indexes = build_indexes()
        result["driver"] = {"insert_s": round(written, 3), "indexes_s": round(indexes, 3),
                            "total_s": round(written + indexes, 3)}
    finally:
        with source.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {FLOOR_SCHEMA} CASCADE"))
        source.dispose()
        scratch.dispose()
    return result
