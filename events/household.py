"""Facts about a household to relocate (ménage à reloger).

Privacy: identifying data (name, contacts, birth dates, free-text notes,
constraints in the household's words) only ever travels in the ``personal``
field, so that it can be sealed per household; everything projections need
(composition as ages, resources, dwelling, indicators) is in the other fields.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from relogement.events.base import Creation, Fact


class HouseholdRegistered(Creation):
    """situation: see relogement.platform.values.Situation.to_dict()."""

    project_id: UUID
    reference: str
    operation: str
    quartier: str
    bailleur_org: UUID
    officer_org: UUID
    situation: dict
    wishes: dict
    personal: dict


class HouseholdSituationUpdated(Fact):
    situation: dict


class HouseholdPersonalDataUpdated(Fact):
    personal: dict


class HouseholdWishesRecorded(Fact):
    wishes: dict


class VisitRecorded(Fact):
    """A visit of an offered dwelling, possibly before any written proposal."""

    offer_id: UUID
    proposal_id: UUID | None
    visited_on: date
    outcome: str


class ProposalReceived(Fact):
    """Counts the proposal toward the legal number of offers (rank 1, 2, 3...)."""

    proposal_id: UUID
    offer_id: UUID
    rank: int


class HouseholdRelocated(Fact):
    proposal_id: UUID
    offer_id: UUID
    move_in_date: date


class HouseholdDeparted(Fact):
    """Left without relocation (évaporation): moved out, deceased, private housing..."""

    reason: str


class FollowUpRecorded(Fact):
    """Situation re-measured months after moving; indicators computed at command."""

    measured_on: date
    indicators: dict


class HouseholdErased(Fact):
    """The household's personal data was erased (its key destroyed): the fact, no data.

    reason: "duree_conservation" (retention period elapsed) or "demande" (request of
    the person, RGPD art. 17); motive: free text, written without identifying anyone.
    """

    reason: str
    motive: str
