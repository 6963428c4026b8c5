"""A household to relocate (ménage à reloger)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from relogement.events import household as facts
from relogement.platform.errors import DomainError


class Household(Aggregate):
    id: UUID  # lets the application choose the id (references derive from it)

    HouseholdRegistered = facts.HouseholdRegistered
    HouseholdSituationUpdated = facts.HouseholdSituationUpdated
    HouseholdPersonalDataUpdated = facts.HouseholdPersonalDataUpdated
    HouseholdWishesRecorded = facts.HouseholdWishesRecorded
    VisitRecorded = facts.VisitRecorded
    OfferSetAside = facts.OfferSetAside
    ProposalReceived = facts.ProposalReceived
    HouseholdRelocated = facts.HouseholdRelocated
    HouseholdDeparted = facts.HouseholdDeparted
    FollowUpRecorded = facts.FollowUpRecorded
    HouseholdErased = facts.HouseholdErased
    OfficerAssigned = facts.OfficerAssigned

    @event(HouseholdRegistered)
    def __init__(
        self,
        project_id: UUID,
        reference: str,
        operation: str,
        quartier: str,
        bailleur_org: UUID,
        officer_org: UUID,
        situation: dict,
        wishes: dict,
        personal: dict,
        by_user: str,
        by_org: UUID,
    ) -> None:
        self.project_id = project_id
        self.reference = reference
        self.operation = operation
        self.quartier = quartier
        self.bailleur_org = bailleur_org
        self.officer_org = officer_org
        self.situation = situation
        self.wishes = wishes
        self.personal = personal
        self.proposals: list[UUID] = []
        self.visits: list[dict] = []
        self.set_aside: dict[UUID, str] = {}
        self.relocated_by: UUID | None = None
        self.move_in_date: date | None = None
        self.departed = False
        self.follow_ups: list[dict] = []
        self.erased = False
        self.assigned_officer = ""

    # -- rules --------------------------------------------------------------
    @property
    def active(self) -> bool:
        return self.relocated_by is None and not self.departed

    def _check_active(self) -> None:
        if self.relocated_by is not None:
            raise DomainError("household_relocated", f"Le ménage {self.reference} est déjà relogé.")
        if self.departed:
            raise DomainError(
                "household_departed", f"Le ménage {self.reference} a quitté le dispositif."
            )

    def can_be_followed_by(self, org_id: UUID) -> bool:
        return org_id in (self.officer_org, self.bailleur_org)

    # -- commands -----------------------------------------------------------
    def update_situation(self, situation: dict, by_user: str, by_org: UUID) -> None:
        self._check_active()
        self._situation_updated(situation=situation, by_user=by_user, by_org=by_org)

    @event(HouseholdSituationUpdated)
    def _situation_updated(self, situation: dict, by_user: str, by_org: UUID) -> None:
        self.situation = situation

    def update_personal_data(self, personal: dict, by_user: str, by_org: UUID) -> None:
        if self.erased:
            raise DomainError(
                "household_erased", "Les données personnelles de ce ménage ont été effacées."
            )
        self._personal_updated(personal=personal, by_user=by_user, by_org=by_org)

    @event(HouseholdPersonalDataUpdated)
    def _personal_updated(self, personal: dict, by_user: str, by_org: UUID) -> None:
        self.personal = personal

    def record_wishes(self, wishes: dict, by_user: str, by_org: UUID) -> None:
        self._check_active()
        self._wishes_recorded(wishes=wishes, by_user=by_user, by_org=by_org)

    @event(HouseholdWishesRecorded)
    def _wishes_recorded(self, wishes: dict, by_user: str, by_org: UUID) -> None:
        self.wishes = wishes

    def record_visit(
        self,
        offer_id: UUID,
        proposal_id: UUID | None,
        visited_on: date,
        outcome: str,
        by_user: str,
        by_org: UUID,
    ) -> None:
        self._check_active()
        if proposal_id is not None and proposal_id not in self.proposals:
            raise DomainError("unknown_proposal", "Cette proposition ne concerne pas ce ménage.")
        self._visit_recorded(
            offer_id=offer_id,
            proposal_id=proposal_id,
            visited_on=visited_on,
            outcome=outcome,
            by_user=by_user,
            by_org=by_org,
        )

    @event(VisitRecorded)
    def _visit_recorded(
        self,
        offer_id: UUID,
        proposal_id: UUID | None,
        visited_on: date,
        outcome: str,
        by_user: str,
        by_org: UUID,
    ) -> None:
        self.visits.append({"offer_id": offer_id, "proposal_id": proposal_id, "on": visited_on})

    def set_offer_aside(self, offer_id: UUID, motive: str, by_user: str, by_org: UUID) -> None:
        """The officer sets an offer aside for this household ("écartée"), once per offer."""
        from relogement.platform.values import SET_ASIDE_MOTIVES

        self._check_active()
        if motive not in SET_ASIDE_MOTIVES:
            raise DomainError("unknown_motive", f"Motif inconnu « {motive} » pour écarter une offre.")
        if offer_id in self.set_aside:
            raise DomainError(
                "offer_already_set_aside", "Cette offre est déjà écartée pour ce ménage."
            )
        self._offer_set_aside(offer_id=offer_id, motive=motive, by_user=by_user, by_org=by_org)

    @event(OfferSetAside)
    def _offer_set_aside(self, offer_id: UUID, motive: str, by_user: str, by_org: UUID) -> None:
        self.set_aside[offer_id] = motive

    def next_rank(self) -> int:
        return len(self.proposals) + 1

    def receive_proposal(self, proposal_id: UUID, offer_id: UUID, by_user: str, by_org: UUID) -> int:
        self._check_active()
        rank = self.next_rank()
        self._proposal_received(
            proposal_id=proposal_id, offer_id=offer_id, rank=rank, by_user=by_user, by_org=by_org
        )
        return rank

    @event(ProposalReceived)
    def _proposal_received(
        self, proposal_id: UUID, offer_id: UUID, rank: int, by_user: str, by_org: UUID
    ) -> None:
        self.proposals.append(proposal_id)

    def relocate(
        self, proposal_id: UUID, offer_id: UUID, move_in_date: date, by_user: str, by_org: UUID
    ) -> None:
        self._check_active()
        self._relocated(
            proposal_id=proposal_id,
            offer_id=offer_id,
            move_in_date=move_in_date,
            by_user=by_user,
            by_org=by_org,
        )

    @event(HouseholdRelocated)
    def _relocated(
        self, proposal_id: UUID, offer_id: UUID, move_in_date: date, by_user: str, by_org: UUID
    ) -> None:
        self.relocated_by = proposal_id
        self.move_in_date = move_in_date

    def depart(self, reason: str, by_user: str, by_org: UUID) -> None:
        self._check_active()
        if not reason.strip():
            raise DomainError("reason_required", "Indiquez le motif de sortie du dispositif.")
        self._departed(reason=reason.strip(), by_user=by_user, by_org=by_org)

    @event(HouseholdDeparted)
    def _departed(self, reason: str, by_user: str, by_org: UUID) -> None:
        self.departed = True

    def assign_officer(self, officer: str, officer_org: UUID | None, by_user: str, by_org: UUID) -> None:
        """Name (or, with ``""``, unname) the officer who follows the household."""
        if not self.can_be_followed_by(by_org):
            raise DomainError(
                "acts_for_itself",
                "Seuls le bailleur du ménage et l'organisation qui le suit désignent son chargé(e).",
            )
        officer = officer.strip()
        if officer and not self.can_be_followed_by(officer_org):  # type: ignore[arg-type]
            raise DomainError(
                "officer_org",
                "Le chargé(e) désigné(e) appartient au bailleur du ménage ou à l'organisation qui le suit.",
            )
        if officer == self.assigned_officer:
            raise DomainError("already_assigned", "Ce chargé(e) suit déjà le ménage.")
        self._officer_assigned(
            officer=officer, officer_org=officer_org if officer else None, by_user=by_user, by_org=by_org
        )

    @event(OfficerAssigned)
    def _officer_assigned(self, officer: str, officer_org: UUID | None, by_user: str, by_org: UUID) -> None:
        self.assigned_officer = officer

    def check_relocated(self) -> None:
        if self.relocated_by is None:
            raise DomainError(
                "not_relocated", "Le suivi après relogement suppose un ménage relogé."
            )

    def record_follow_up(
        self, measured_on: date, indicators: dict, by_user: str, by_org: UUID
    ) -> None:
        self.check_relocated()
        self._follow_up_recorded(
            measured_on=measured_on, indicators=indicators, by_user=by_user, by_org=by_org
        )

    @event(FollowUpRecorded)
    def _follow_up_recorded(
        self, measured_on: date, indicators: dict, by_user: str, by_org: UUID
    ) -> None:
        self.follow_ups.append({"measured_on": measured_on, "indicators": indicators})

    def erase(self, reason: str, motive: str, by_user: str, by_org: UUID) -> None:
        """Record the erasure (the key itself is destroyed by the application)."""
        if self.erased:
            raise DomainError("already_erased", f"Le ménage {self.reference} est déjà effacé.")
        self._erased(reason=reason, motive=motive, by_user=by_user, by_org=by_org)

    @event(HouseholdErased)
    def _erased(self, reason: str, motive: str, by_user: str, by_org: UUID) -> None:
        from relogement.platform.privacy import erased_personal

        self.erased = True
        self.personal = erased_personal()
