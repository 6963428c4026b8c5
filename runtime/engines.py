"""The SQL engines the composition root hands out (besides the store's and the runner's)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine

from relogement.platform.config import normalise_url
from relogement.runtime.keystore import make_privacy_engine

__all__ = ["make_privacy_engine", "persistence_env", "read_engine"]


def persistence_env(url: str) -> dict[str, str]:
    """The event store's settings: eventsourcing's SQLAlchemy recorder on ``url``."""
    return {
        "PERSISTENCE_MODULE": "eventsourcing_sqlalchemy",
        "SQLALCHEMY_URL": normalise_url(url),
    }


def read_engine(url: str, runner_engine: Any) -> Engine:
    """An engine for the pages' reads.

    The runner's SQLite engine opens every transaction with BEGIN IMMEDIATE (the write
    lock) so that catching up never deadlocks; pages must not take that lock, so on
    SQLite they read through a plain engine (deferred transactions; the store runs in
    WAL mode, so readers never wait for the writer). PostgreSQL: the same engine.
    """
    if not url.startswith("sqlite"):
        return runner_engine
    return create_engine(url, connect_args={"timeout": 30})
