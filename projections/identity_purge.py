"""The erasure's purge hook of the read side: identity rows deleted at once.

``rm_household_identity`` holds plaintext identity. Its projector deletes a household's
rows when it reaches ``HouseholdErased``, but the erasure must not wait for the
projections (they may lag or not run): the composition root registers
:func:`purge_identity` with the erasure (``runtime/erasure.register_purge_hook``), which
runs it in its own transaction right after the key is destroyed. Both deletions are
idempotent. ``household_identity`` is the table's name in stores written before the
read models were versioned: purged too when it exists.
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from sqlalchemy import Column, MetaData, Table, inspect
from sqlalchemy import types as sqltypes
from sqlalchemy.engine import Connection

log = logging.getLogger(__name__)

# Read-model tables that hold plaintext identity, keyed by a ``household_id`` column.
IDENTITY_TABLES: list[str] = ["rm_household_identity", "household_identity"]


def _id_values(column: Column, household_id: UUID) -> list[Any]:
    if isinstance(column.type, sqltypes.Uuid):
        return [household_id]
    return [household_id.hex, str(household_id)]


def purge_identity(conn: Connection, household_id: UUID) -> int:
    """Delete every row (all versions) of the household in the identity tables that exist."""
    existing = set(inspect(conn).get_table_names())
    deleted = 0
    for name in IDENTITY_TABLES:
        if name not in existing:
            continue
        table = Table(name, MetaData(), autoload_with=conn)
        if "household_id" not in table.c:
            log.warning("identity table %s has no household_id column: not purged", name)
            continue
        column = table.c.household_id
        deleted += conn.execute(
            table.delete().where(column.in_(_id_values(column, household_id)))
        ).rowcount or 0
    return deleted
