"""The operational projector: every relocation fact applied to the operational read models.

The tables are :mod:`relogement.projections.read_models`; the handlers are mixins, one
module per aggregate (``projects``, ``offers``, ``households``, ``proposals``), sharing
one instance's state (``base.Handlers``: the batch writer, connection and position).

Dispatch is by event class, not by name: each handler is registered below on a class
of :mod:`relogement.events`. The events read from the store are instances of the
aggregates' nested subclasses of those (``Household.HouseholdRegistered`` subclasses
``events.household.HouseholdRegistered``), which the dispatcher finds along their MRO.
Events of any other class change nothing.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.dispatch import singledispatchmethod
from sqlalchemy.engine import Connection

from relogement.events import household as household_facts
from relogement.events import offer as offer_facts
from relogement.events import organisation as organisation_facts
from relogement.events import project as project_facts
from relogement.events import proposal as proposal_facts
from relogement.projections.dispatching import HandlerCache
from relogement.projections.operational.households import HouseholdHandlers
from relogement.projections.operational.offers import OfferHandlers
from relogement.projections.operational.projects import ProjectHandlers
from relogement.projections.operational.proposals import ProposalHandlers


class OperationalProjector(ProjectHandlers, OfferHandlers, HouseholdHandlers, ProposalHandlers):
    """Applies every relocation fact to the operational read models."""

    def apply(self, conn: Connection, position: int, domain_event: Any) -> None:
        self._conn, self._pos = conn, position
        _handle(self, domain_event)

    @singledispatchmethod
    def on(self, domain_event: Any) -> None:
        """An event no operational read model follows: nothing to do."""

    # organisations and projects
    on.register(organisation_facts.OrganisationRegistered, ProjectHandlers._organisation_registered)
    on.register(project_facts.ProjectCreated, ProjectHandlers._project_created)
    on.register(project_facts.PartnerJoined, ProjectHandlers._partner_joined)
    on.register(project_facts.ProjectSettingsChanged, ProjectHandlers._settings_changed)
    on.register(project_facts.OperationsAdded, ProjectHandlers._operations_added)
    # offers
    on.register(offer_facts.OfferPublished, OfferHandlers._offer_published)
    on.register(offer_facts.OfferUpdated, OfferHandlers._offer_updated)
    on.register(offer_facts.OfferWithdrawn, OfferHandlers._offer_withdrawn)
    on.register(offer_facts.OfferProposed, OfferHandlers._offer_proposed)
    on.register(offer_facts.OfferReleased, OfferHandlers._offer_released)
    on.register(offer_facts.OfferLet, OfferHandlers._offer_let)
    # households
    on.register(household_facts.HouseholdRegistered, HouseholdHandlers._household_registered)
    on.register(household_facts.HouseholdSituationUpdated, HouseholdHandlers._situation_updated)
    on.register(household_facts.HouseholdPersonalDataUpdated, HouseholdHandlers._personal_updated)
    on.register(household_facts.HouseholdWishesRecorded, HouseholdHandlers._wishes_recorded)
    on.register(household_facts.VisitRecorded, HouseholdHandlers._visit_recorded)
    on.register(household_facts.OfferSetAside, HouseholdHandlers._offer_set_aside)
    on.register(household_facts.ProposalReceived, HouseholdHandlers._proposal_received)
    on.register(household_facts.HouseholdRelocated, HouseholdHandlers._household_relocated)
    on.register(household_facts.HouseholdDeparted, HouseholdHandlers._household_departed)
    on.register(household_facts.FollowUpRecorded, HouseholdHandlers._follow_up_recorded)
    on.register(household_facts.HouseholdErased, HouseholdHandlers._household_erased)
    on.register(household_facts.OfficerAssigned, HouseholdHandlers._officer_assigned)
    # proposals
    on.register(proposal_facts.ProposalMade, ProposalHandlers._proposal_made)
    on.register(proposal_facts.ObjectionRaised, ProposalHandlers._objection_raised)
    on.register(proposal_facts.ObjectionLifted, ProposalHandlers._objection_lifted)
    on.register(proposal_facts.ObjectionArbitrated, ProposalHandlers._objection_arbitrated)
    on.register(proposal_facts.ObjectionWindowClosed, ProposalHandlers._window_closed)
    on.register(proposal_facts.ProposalAccepted, ProposalHandlers._proposal_accepted)
    on.register(proposal_facts.ProposalRefused, ProposalHandlers._proposal_refused)
    on.register(proposal_facts.ProposalWithdrawn, ProposalHandlers._proposal_withdrawn)
    on.register(proposal_facts.CaleolDecided, ProposalHandlers._caleol_decided)
    on.register(proposal_facts.LeaseSigned, ProposalHandlers._lease_signed)


_handle = HandlerCache(OperationalProjector)

__all__ = ["OperationalProjector"]
