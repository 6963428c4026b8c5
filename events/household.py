"""Facts about a household to relocate (ménage à reloger).

Privacy: identifying data (name, contacts, current address, birth dates,
free-text notes, constraints in the household's words) only ever travels in the
``personal`` field, so that it can be sealed per household; everything projections
need (composition as ages, resources, dwelling, indicators) is in the other fields.
Every class here is :class:`ClearOfIdentity`: a new event with an identity key
anywhere outside ``personal`` raises :class:`IdentityInClearField`.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from relogement.events.base import ClearOfIdentity, Creation, Fact


def drop_current_address(state: dict) -> None:
    """Upcaster step: the current dwelling's address leaves the clear ``situation``.

    Version 1 allowed it there (``relogement demo`` copied each household's home
    address into it, besides ``personal``); read through this, old events no longer
    show it to projections, pages or replays. The stored bytes keep it: see the
    README, "Stores written before the identity guard".
    """
    situation = state.get("situation")
    if isinstance(situation, dict) and isinstance(situation.get("dwelling"), dict):
        situation["dwelling"].pop("address", None)


class HouseholdRegistered(ClearOfIdentity, Creation):
    """situation: see relogement.platform.values.Situation.to_dict().

    Version 2: ``situation.dwelling`` has no ``address`` (the home address is identity:
    ``personal.address`` only); v1 events are read without it.
    """

    class_version = 2

    project_id: UUID
    reference: str
    operation: str
    quartier: str
    bailleur_org: UUID
    officer_org: UUID
    situation: dict
    wishes: dict
    personal: dict

    upcast_v1_v2 = staticmethod(drop_current_address)


class HouseholdSituationUpdated(ClearOfIdentity, Fact):
    """Version 2: as HouseholdRegistered, no ``situation.dwelling.address``."""

    class_version = 2

    situation: dict

    upcast_v1_v2 = staticmethod(drop_current_address)


class HouseholdPersonalDataUpdated(ClearOfIdentity, Fact):
    personal: dict


class HouseholdWishesRecorded(ClearOfIdentity, Fact):
    wishes: dict


class VisitRecorded(ClearOfIdentity, Fact):
    """A visit of an offered dwelling, possibly before any written proposal."""

    offer_id: UUID
    proposal_id: UUID | None
    visited_on: date
    outcome: str


class OfferSetAside(ClearOfIdentity, Fact):
    """An officer looked at an offer for this household and set it aside ("écartée"),
    with a motive code (``platform.values.SET_ASIDE_MOTIVES``). No free text: a comment
    about a household would be personal data (it belongs in the sealed notes)."""

    offer_id: UUID
    motive: str


class ProposalReceived(ClearOfIdentity, Fact):
    """Counts the proposal toward the legal number of offers (rank 1, 2, 3...)."""

    proposal_id: UUID
    offer_id: UUID
    rank: int


class HouseholdRelocated(ClearOfIdentity, Fact):
    proposal_id: UUID
    offer_id: UUID
    move_in_date: date


class HouseholdDeparted(ClearOfIdentity, Fact):
    """Left without relocation (évaporation): moved out, deceased, private housing..."""

    reason: str


class FollowUpRecorded(ClearOfIdentity, Fact):
    """Situation re-measured months after moving; indicators computed at command."""

    measured_on: date
    indicators: dict


class OfficerAssigned(ClearOfIdentity, Fact):
    """The officer (a staff login) who follows the household day to day ("Mes ménages").

    Recorded by the household's bailleur or its relocation team (MOUS), which assign and
    reassign; ``officer_org`` is the organisation of that officer (one of the two).
    An empty ``officer`` ends the assignment.
    """

    officer: str
    officer_org: UUID | None


class HouseholdErased(ClearOfIdentity, Fact):
    """The household's personal data was erased (its key destroyed): the fact, no data.

    reason: "duree_conservation" (retention period elapsed) or "demande" (request of
    the person, RGPD art. 17); motive: free text, written without identifying anyone.
    """

    reason: str
    motive: str
