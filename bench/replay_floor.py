"""The SQL floor of a rebuild on SQLite: writing its rows and indexes, with no projector at all.

Used by ``bench_replay.py --floor`` after a rebuild: the read models it wrote are copied
into a fresh SQLite file created with the same tables (the pages' secondary indexes
built afterwards, as a rebuild does), twice:

- **engine**: ``INSERT INTO … SELECT`` from the store attached (no Python per row);
- **driver**: the rows fetched beforehand (untimed), as stored text, handed to
  ``executemany`` in batches of 5,000 events' worth of rows, as the projectors' flushes do
  (no conversion left: what the driver and SQLite cost per row).

Either is a lower bound of the writing part of any rebuild that produces these tables.
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
    chunks = 20  # a rebuild commits every 5,000 events: ≈ 20 transactions here
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
