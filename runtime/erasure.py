"""Erasure (crypto-shredding) and the per-application privacy service.

After ``HouseholdErased`` is stored (platform ``erase_household``), :func:`complete_erasure`
destroys the household's key (runtime/keystore.py), runs the read side's purge hooks
in one transaction (registered by the composition root: ``projections/identity_purge.py``),
then scrubs the storage. Each step is idempotent, so a crash in between is repaired by
erasing again. :class:`Privacy` is what the runtime ``RelocationApp`` holds: the engine,
the key store, the tables; it implements ``platform.privacy.PrivacyPort``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from uuid import UUID

from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection

from relogement.platform.privacy import AccessEntry
from relogement.runtime.access_log import write_access_entries
from relogement.runtime.keystore import KeyStore, make_privacy_engine

log = logging.getLogger(__name__)

PurgeHook = Callable[[Connection, UUID], int]
PURGE_HOOKS: list[PurgeHook] = []


def register_purge_hook(hook: PurgeHook) -> PurgeHook:
    """Add ``hook(conn, household_id) -> rows deleted``, run in the erasure's transaction."""
    if hook not in PURGE_HOOKS:
        PURGE_HOOKS.append(hook)
    return hook


def register_read_side_hooks() -> None:
    """The read side's purge hooks (identity tables): every entry point registers them,
    through ``bootstrap`` or the runtime ``RelocationApp`` (idempotent)."""
    from relogement.projections.identity_purge import purge_identity

    register_purge_hook(purge_identity)


def purge_read_models(engine: Engine, household_id: UUID) -> int:
    """Run every registered purge hook in one transaction; rows deleted."""
    deleted = 0
    with engine.begin() as conn:
        for hook in PURGE_HOOKS:
            deleted += hook(conn, household_id) or 0
    return deleted


def scrub_storage(engine: Engine) -> None:
    """Make deleted bytes unreachable in the database files, best effort.

    SQLite: ``secure_delete`` already zeroed them in the main file; a TRUNCATE
    checkpoint empties the write-ahead log that still holds older page images.
    PostgreSQL: ``VACUUM FULL household_keys`` rewrites the (small) key table so no
    dead tuple keeps a destroyed key. WAL archives and backups keep copies until
    their own retention ends (see docs/data-protection.md).
    """
    try:
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        elif engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM FULL household_keys"))
    except Exception:  # noqa: BLE001 - the key is already gone; this only tidies
        log.exception("storage scrub after erasure failed (will be done by the next one)")


def complete_erasure(privacy: Privacy, household_id: UUID, by: str) -> None:
    """After HouseholdErased is stored: destroy the key, purge read models, scrub.

    Each step is idempotent, so a crash in between is repaired by erasing again.
    """
    privacy.keys.destroy(household_id, by)
    purge_read_models(privacy.engine, household_id)
    scrub_storage(privacy.engine)


class Privacy:
    """What the runtime RelocationApp holds: the engine, the key store, the tables."""

    def __init__(self, url: str, now: Callable[[], datetime]) -> None:
        self.engine = make_privacy_engine(url)
        self.keys = KeyStore(self.engine, now)
        self.keys.create_tables()

    def complete_erasure(self, household_id: UUID, by: str) -> None:
        complete_erasure(self, household_id, by)

    def record_access(self, entries: Iterable[AccessEntry]) -> None:
        write_access_entries(self.engine, entries)

    def close(self) -> None:
        self.engine.dispose()
