"""The SQL engines the composition root hands out (besides the store's and the runner's)."""

from __future__ import annotations

import os
import time
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc

from relogement.platform.config import normalise_url
from relogement.runtime.keystore import make_privacy_engine

__all__ = ["make_privacy_engine", "persistence_env", "pool_settings", "read_engine"]

# gunicorn's threads per worker (web/gunicorn_conf.py reads the same variable).
DEFAULT_THREADS = 16
# Threads besides the requests' that read: the runner's polling, the reports' warm-up.
BACKGROUND_THREADS = 4
SQLITE_MMAP_BYTES = 1 << 30  # address space, not memory: pages are the system's cache
# PostgreSQL: a pooled connection idle longer than this is checked before use (see _ping_when_idle).
PING_AFTER_IDLE_SECONDS = 1.0


def persistence_env(url: str) -> dict[str, str]:
    """The event store's settings: eventsourcing's SQLAlchemy recorder on ``url``."""
    return {
        "PERSISTENCE_MODULE": "eventsourcing_sqlalchemy",
        "SQLALCHEMY_URL": normalise_url(url),
    }


def pool_settings() -> tuple[int, int]:
    """(pool size, overflow) of the pages' engine: one connection per request thread and
    per background thread, and as many again in overflow.

    Why: each page view holds one read connection until teardown (web/page_reads.py), and
    the figures it computes for every user (dashboard, reports: web/reports.py, shared
    with the warm-up thread) read through a second one. gunicorn serves
    ``GUNICORN_THREADS`` requests at once per worker: with SQLAlchemy's default pool
    (5 + 10), 16 threads each holding one connection and asking for another waited for
    each other until the pool's 30 s timeout (seen under 20 concurrent clients). A
    thread holds at most two (tests/web/test_connections_per_request.py), so twice the
    threads never wait on each other. ``RELOGEMENT_DB_POOL_SIZE`` overrides the size;
    PostgreSQL's ``max_connections`` must hold workers × (size + overflow) at worst, plus
    the event store's, the runner's and the scheduler's (docker-compose.yml: 200).
    """
    threads = int(os.environ.get("GUNICORN_THREADS", DEFAULT_THREADS))
    size = int(os.environ.get("RELOGEMENT_DB_POOL_SIZE", threads + BACKGROUND_THREADS))
    return size, threads + BACKGROUND_THREADS


def read_engine(url: str, runner_engine: Any) -> Engine:
    """An engine for the pages' reads, its pool sized by :func:`pool_settings`.

    The runner's SQLite engine opens every transaction with BEGIN IMMEDIATE (the write
    lock) so that catching up never deadlocks; pages must not take that lock, so on
    SQLite they read through a plain engine (deferred transactions; the store runs in
    WAL mode, so readers never wait for the writer). PostgreSQL: an engine of their own
    too, so that the pages' threads never wait on the runner's pool.
    """
    size, overflow = pool_settings()
    # LIFO: the connection just returned is taken again, so a few connections stay warm
    # (SQLite's page cache is per connection; psycopg prepares a statement on a
    # connection after its fifth run). FIFO cycled through all 20, each one cold: twice
    # the CPU per page under 20 concurrent clients (bench/RESULTS.md, session 11).
    pool = {"pool_size": size, "max_overflow": overflow, "pool_use_lifo": True}
    if not url.startswith("sqlite"):
        engine = create_engine(normalise_url(url), **pool)
        _ping_when_idle(engine)
        return engine
    engine = create_engine(url, connect_args={"timeout": 30}, **pool)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):  # noqa: ANN001
        # Reads map the file instead of copying its pages into each connection's own
        # cache: the 20 connections share the system's page cache (a read-only use of
        # mmap: the runner writes through its own engine).
        dbapi_connection.execute(f"PRAGMA mmap_size = {SQLITE_MMAP_BYTES}")

    return engine


def _ping_when_idle(engine: Engine) -> None:
    """A connection is checked before use only if it has been idle for more than
    ``PING_AFTER_IDLE_SECONDS``; one that fails the check is replaced (the pool takes
    another, as with ``pool_pre_ping``).

    Why not ``pool_pre_ping``: it checks every connection at every checkout, a round trip
    per page view that cost about as much as the page's own first read. Under load the
    pool hands out the connection returned last (LIFO), a few milliseconds earlier: a
    server that stopped since would have failed that connection's last page too. A
    connection idle longer (a restart, a network cut, an idle timeout) is checked as before.
    """

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection, record) -> None:  # noqa: ANN001
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _taken(dbapi_connection, record, _proxy) -> None:  # noqa: ANN001
        returned = record.info.get("returned_at")
        if returned is None or time.monotonic() - returned <= PING_AFTER_IDLE_SECONDS:
            return  # just opened, or in use a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            if engine.dialect.is_disconnect(error, dbapi_connection, None):
                raise exc.DisconnectionError("connection lost while idle") from error
            raise
