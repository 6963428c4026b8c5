"""The operational projector's state shared by its handler mixins, and the runner's hooks."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy.engine import Connection

from relogement.projections.machinery import bulk_insert
from relogement.projections.read_models import (
    ALL_TABLES,
    KEYS,
    VERSIONED_TABLES,
    household_identity,
)
from relogement.projections.versioned import BatchWriter

# Batches smaller than this look their rows up one by one (see OperationalProjector.prefetch).
PREFETCH_MIN_EVENTS = 200


class Handlers:
    """The state the handler mixins share on one instance: the batch writer (rows cached
    across a batch) and the connection and position of the event being applied."""

    _conn: Connection
    _pos: int

    tables = ALL_TABLES

    def __init__(self) -> None:
        self.writer = BatchWriter(list(VERSIONED_TABLES), KEYS)
        # Identity rows of registrations, inserted together (before any other statement
        # on the identity table, and at the end of the batch): one insert per household
        # was 4 % of a rebuild.
        self._identities: list[dict] = []
        # After start_empty(): the households whose identity row was written since (a
        # household not in it has none, so erasing it needs no DELETE). None: unknown.
        self._identity_written: set[str] | None = None

    # -- runner hooks ---------------------------------------------------------
    def begin_batch(self, conn: Connection) -> None:
        self.writer.begin()
        self._identities = []

    def forget(self) -> None:
        self.writer.forget()
        self._identities = []
        self._identity_written = None

    def start_empty(self) -> None:
        self.writer.start_empty()
        self._identity_written = set()

    def end_batch(self, conn: Connection) -> None:
        self._insert_identities(conn)
        self.writer.flush(conn)

    def _insert_identities(self, conn: Connection) -> None:
        if self._identities:
            bulk_insert(conn, household_identity, self._identities)
            self._identities = []

    def prefetch(self, conn: Connection, domain_events: list[Any]) -> None:
        """Before a large batch: the current rows of every id its events name, at once."""
        if len(domain_events) < PREFETCH_MIN_EVENTS or not self.writer.cold:
            # A few events after a command: a lookup or two is cheaper. A rebuild whose
            # rows all fit in the cache: every lookup is answered from memory.
            return
        ids = {
            value.hex
            for e in domain_events
            for value in vars(e).values()
            if isinstance(value, UUID)
        }
        self.writer.prefetch(conn, ids)

    # -- helpers --------------------------------------------------------------
    def _get(self, table: str, ident: UUID | str) -> dict | None:
        value = ident.hex if isinstance(ident, UUID) else ident
        return self.writer.get(self._conn, table, {KEYS[table][0]: value})

    def _put(self, table: str, ident: UUID | str, values: dict) -> dict:
        value = ident.hex if isinstance(ident, UUID) else ident
        return self.writer.put(self._conn, table, {KEYS[table][0]: value}, values, self._pos)
