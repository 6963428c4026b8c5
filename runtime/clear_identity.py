"""Stored events that carry identity outside their sealed part (written before the guard).

The event classes now refuse identity in a clear field (``events.base.ClearOfIdentity``),
but stores written earlier may hold some: the old ``relogement demo`` copied each home
address into ``HouseholdRegistered.situation.dwelling.address``. Reading upcasts it away
(``events.household.drop_current_address``); the stored bytes keep it, and erasure
(crypto-shredding) cannot remove them. This module finds them, without opening any
sealed field and without returning any value: only where they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from relogement.events.base import IDENTITY_KEYS, SEALED_FIELD, identity_paths
from relogement.runtime.retention import raw_states

# Facts about households and proposals: the ones the guard covers.
GUARDED_TOPICS = ("relogement.platform.household:", "relogement.platform.proposal:")


@dataclass(frozen=True)
class ClearIdentity:
    position: int
    originator_id: UUID
    event: str
    paths: tuple[str, ...]  # e.g. ("situation.dwelling.address",)


def find_clear_identity(app: Any) -> list[ClearIdentity]:
    """Every stored household or proposal event with an identity key in a clear field."""
    found = []
    for position, topic, originator_id, state in raw_states(app):
        if not topic.startswith(GUARDED_TOPICS):
            continue
        paths: list[str] = []
        for name, value in state.items():
            if name == SEALED_FIELD:
                continue
            if name.strip().lower() in IDENTITY_KEYS:
                paths.append(name)
            paths.extend(identity_paths(value, name))
        if paths:
            found.append(ClearIdentity(position, originator_id, topic.rsplit(".", 1)[-1], tuple(paths)))
    return found
