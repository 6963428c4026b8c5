"""Who acts, and what a batch command takes: the vocabulary shared by the use cases.

Importable from ``relogement.platform.application`` too (the use cases' public names).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from relogement.platform.values import Dwelling, PersonalData, Situation, Wishes

SYSTEM_ORG = UUID(int=0)
SYSTEM_USER = "systeme"

# Projects' ids derive from their codes (uuid5 in this namespace): one code, one project.
PROJECT_CODES = UUID("6a1f5c2e-3b7d-4e0a-9c8f-2d4b6e8a0c1f")


@dataclass(frozen=True)
class Actor:
    """Who acts: a user (login) on behalf of one organisation."""

    user: str
    org: UUID

    @property
    def by(self) -> dict[str, Any]:
        return {"by_user": self.user, "by_org": self.org}


SYSTEM = Actor(SYSTEM_USER, SYSTEM_ORG)


@dataclass(frozen=True)
class NewHousehold:
    """One household to register (a form, or one row of an import)."""

    operation: str
    bailleur_org: UUID
    situation: Situation
    personal: PersonalData
    wishes: Wishes | None = None
    reference: str | None = None
    officer_org: UUID | None = None


@dataclass(frozen=True)
class NewOffer:
    """One offer to publish (a form, or one row of an import)."""

    dwelling: Dwelling
    reservataire: str = ""
    reference: str | None = None
    available_until: date | None = None  # last day reserved for the relocations
    create_residence: bool = False  # its residence code is unknown: create the residence

