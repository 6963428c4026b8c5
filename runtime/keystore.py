"""The SQL key store: per-household AES-256 keys in ``household_keys`` (events' database).

One row per household: key bytes, created_at, destroyed_at, destroyed_by. Erasure sets
the key bytes to NULL and keeps the row as a tombstone (see platform/sealing.py for what
the keys seal, runtime/erasure.py for the erasure's steps).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Index,
    LargeBinary,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.exc import IntegrityError as SQLIntegrityError

from relogement.platform.privacy import PersonalDataErased
from relogement.platform.sealing import household_hex

metadata = MetaData()

household_keys = Table(
    "household_keys",
    metadata,
    Column("household_id", String(32), primary_key=True),
    Column("key", LargeBinary, nullable=True),  # NULL once destroyed (tombstone)
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("destroyed_at", DateTime(timezone=True), nullable=True),
    Column("destroyed_by", String(200), nullable=True),
)

# The refresh of the key cache reads the tombstones only.
tombstones_index = Index("ix_household_keys_destroyed_at", household_keys.c.destroyed_at)

def make_privacy_engine(url: str) -> Engine:
    """An engine of our own on the events' database.

    Plain (deferred) transactions on purpose: key reads happen while a projection
    runner may hold SQLite's write lock in the same process; a read must not queue
    behind it. ``secure_delete`` makes SQLite overwrite destroyed key bytes and purged
    rows with zeros instead of leaving them in free pages.
    """
    from relogement.platform.config import normalise_url

    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection, _record):  # noqa: ANN001
            dbapi_connection.execute("PRAGMA secure_delete = ON")

        return engine
    return create_engine(url, pool_pre_ping=True)



class KeyStore:
    """Per-household AES-256 keys in ``household_keys``.

    Reads (decryption) use an in-process copy of the table, loaded whole on first use.
    A key never changes once written, except to be destroyed: so the copy is refreshed,
    when older than ``cache_seconds`` (env ``RELOGEMENT_KEY_CACHE_SECONDS``, default 1),
    by reading the tombstones only (indexed, few), and a key created since by another
    process is fetched the first time it is asked for. A key destroyed by this process
    is forgotten at once; another process stops opening that household's data within
    ``cache_seconds``. A household with no key row at all stays keyless: its key would
    have been committed before any event sealed with it. Writes (encryption) always ask
    the database, so no new data is ever sealed with a key already destroyed.
    """

    def __init__(
        self,
        engine: Engine,
        now: Callable[[], datetime],
        cache_seconds: float | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.now = now
        if cache_seconds is None:
            cache_seconds = float(os.environ.get("RELOGEMENT_KEY_CACHE_SECONDS", "1"))
        self.cache_seconds = cache_seconds
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._cache: dict[str, bytes | None] = {}
        self._loaded_at: float | None = None
        self._tombstones = 0  # destroyed keys counted at the last reload

    def create_tables(self) -> None:
        from relogement.runtime.access_log import access_log

        metadata.create_all(self.engine, tables=[household_keys, access_log], checkfirst=True)
        # Stores created before the index existed get it too.
        tombstones_index.create(self.engine, checkfirst=True)

    # -- reading ---------------------------------------------------------------
    def _fresh(self) -> bool:
        return self._loaded_at is not None and (
            self._monotonic() - self._loaded_at < self.cache_seconds
        )

    def _reload(self) -> None:
        t = household_keys
        with self.engine.connect() as conn:
            if self._loaded_at is None:
                rows = conn.execute(select(t.c.household_id, t.c.key, t.c.destroyed_at)).all()
                self._cache = {h: (bytes(k) if k is not None else None) for h, k, _ in rows}
                self._tombstones = sum(1 for *_, destroyed in rows if destroyed is not None)
            else:
                # Reloading every key each second cost a full scan per second; at
                # national scale (≈ 190,000 households) it halved decoding. Reading every
                # tombstone each second was then 17 % of a national rebuild with 180,000
                # erased households. Tombstones are never removed nor revived (``destroy``):
                # the same count is the same set, so they are sent only when their count
                # changed (one statement, one snapshot: the rows sent are the new count).
                tombstone = t.c.destroyed_at.is_not(None)
                counted = select(func.count()).where(tombstone).scalar_subquery()
                destroyed = conn.execute(
                    select(t.c.household_id).where(tombstone, counted != self._tombstones)
                ).scalars().all()
                for hid in destroyed:
                    self._cache[hid] = None
                if destroyed:
                    self._tombstones = len(destroyed)
        self._loaded_at = self._monotonic()

    def key_for_reading(self, household_id: UUID | str) -> bytes | None:
        """The household's key, or None if it was destroyed or never existed."""
        hid = household_hex(household_id)
        with self._lock:
            if not self._fresh():
                self._reload()
            if hid in self._cache:
                return self._cache[hid]
        # Not in the snapshot: created since by another process, or unknown.
        key = self._select(hid)
        with self._lock:
            self._cache[hid] = key
        return key

    def _select(self, hid: str) -> bytes | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(household_keys.c.key).where(household_keys.c.household_id == hid)
            ).first()
        return bytes(row[0]) if row is not None and row[0] is not None else None

    def status(self, household_id: UUID | str) -> dict[str, Any] | None:
        """The key row without the key: created_at, destroyed_at, destroyed_by."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(
                    household_keys.c.created_at,
                    household_keys.c.destroyed_at,
                    household_keys.c.destroyed_by,
                    household_keys.c.key.is_(None).label("destroyed"),
                ).where(household_keys.c.household_id == household_hex(household_id))
            ).mappings().first()
        return dict(row) if row else None

    # -- writing ---------------------------------------------------------------
    def key_for_writing(self, household_id: UUID | str) -> bytes:
        """The household's key, created on first use; refuses a destroyed one.

        Committed before the events it seals (the mapper runs before the recorder's
        transaction): an event is never visible without its key. A save that then
        fails leaves an unused key row behind, which holds no personal data.
        """
        hid = household_hex(household_id)
        for _ in range(3):
            with self.engine.connect() as conn:
                row = conn.execute(
                    select(household_keys.c.key, household_keys.c.destroyed_at).where(
                        household_keys.c.household_id == hid
                    )
                ).first()
                if row is not None:
                    if row[0] is None:
                        raise PersonalDataErased(UUID(hid))
                    return bytes(row[0])
                key = AESGCM.generate_key(bit_length=256)
                try:
                    conn.execute(
                        household_keys.insert().values(
                            household_id=hid, key=key, created_at=self.now()
                        )
                    )
                    conn.commit()
                except SQLIntegrityError:  # created concurrently: use theirs
                    conn.rollback()
                    continue
            with self._lock:
                self._cache[hid] = key
            return key
        raise RuntimeError(f"could not create the key of household {hid}")

    def destroy(self, household_id: UUID | str, by: str) -> bool:
        """Delete the key bytes, keep a tombstone. True if a key was destroyed now."""
        hid = household_hex(household_id)
        with self.engine.begin() as conn:
            updated = conn.execute(
                household_keys.update()
                .where(household_keys.c.household_id == hid, household_keys.c.key.is_not(None))
                .values(key=None, destroyed_at=self.now(), destroyed_by=by[:200])
            ).rowcount
            if not updated:
                exists = conn.execute(
                    select(household_keys.c.household_id).where(household_keys.c.household_id == hid)
                ).first()
                if exists is None:  # no key ever (or lost): still leave the tombstone
                    conn.execute(
                        household_keys.insert().values(
                            household_id=hid,
                            key=None,
                            created_at=self.now(),
                            destroyed_at=self.now(),
                            destroyed_by=by[:200],
                        )
                    )
        with self._lock:
            self._cache[hid] = None
        return bool(updated)
