"""Facts about a dwelling offered for relocations (offre)."""

from __future__ import annotations

from uuid import UUID

from relogement.events.base import Creation, Fact


class OfferPublished(Creation):
    """dwelling: see relogement.platform.values.Dwelling.to_dict()."""

    project_id: UUID
    bailleur_org: UUID
    reference: str
    dwelling: dict
    reservataire: str


class OfferUpdated(Fact):
    """The whole new description (not a diff), so projections stay simple."""

    dwelling: dict
    reservataire: str


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
