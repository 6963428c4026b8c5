"""Facts about a dwelling offered for relocations (offre)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from relogement.events.base import Creation, Fact


class OfferPublished(Creation):
    """dwelling: see relogement.platform.values.Dwelling.to_dict().

    Version 2 added ``available_until``: the last day the dwelling is reserved for the
    relocations (None: no end date, as every v1 offer).
    """

    class_version = 2

    project_id: UUID
    bailleur_org: UUID
    reference: str
    dwelling: dict
    reservataire: str
    available_until: date | None

    @staticmethod
    def upcast_v1_v2(state: dict) -> None:
        state["available_until"] = None


class OfferUpdated(Fact):
    """The whole new description (not a diff), so projections stay simple.

    Version 2 added ``available_until`` (as OfferPublished; v1: None).
    """

    class_version = 2

    dwelling: dict
    reservataire: str
    available_until: date | None

    @staticmethod
    def upcast_v1_v2(state: dict) -> None:
        state["available_until"] = None


class OfferWithdrawn(Fact):
    reason: str


class OfferProposed(Fact):
    proposal_id: UUID
    household_id: UUID


class OfferReleased(Fact):
    """The offer is free again after a refusal, withdrawal or rejection."""

    proposal_id: UUID
    reason: str


class OfferLet(Fact):
    proposal_id: UUID
    household_id: UUID
