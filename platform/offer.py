"""A dwelling offered for relocations by its bailleur (offre)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from relogement.events import offer as facts
from relogement.platform.errors import DomainError

PUBLISHED, PROPOSED, WITHDRAWN, LET = "publiee", "proposee", "retiree", "louee"


class Offer(Aggregate):
    id: UUID  # lets the application choose the id (references derive from it)

    OfferPublished = facts.OfferPublished
    OfferUpdated = facts.OfferUpdated
    OfferWithdrawn = facts.OfferWithdrawn
    OfferProposed = facts.OfferProposed
    OfferReleased = facts.OfferReleased
    OfferLet = facts.OfferLet

    @event(OfferPublished)
    def __init__(
        self,
        project_id: UUID,
        bailleur_org: UUID,
        reference: str,
        dwelling: dict,
        reservataire: str,
        by_user: str,
        by_org: UUID,
        available_until: date | None = None,
    ) -> None:
        self.project_id = project_id
        self.available_until = available_until
        self.bailleur_org = bailleur_org
        self.reference = reference
        self.dwelling = dwelling
        self.reservataire = reservataire
        self.status = PUBLISHED
        self.live_proposal: UUID | None = None

    def _check_owner(self, by_org: UUID) -> None:
        if by_org != self.bailleur_org:
            raise DomainError(
                "not_offer_owner", "Seul le bailleur propriétaire peut modifier cette offre."
            )

    def update(
        self, dwelling: dict, reservataire: str, by_user: str, by_org: UUID,
        available_until: date | None = None,
    ) -> None:
        self._check_owner(by_org)
        if self.status in (WITHDRAWN, LET):
            raise DomainError("offer_closed", "Cette offre est retirée ou louée : plus de modification.")
        if self.status == PROPOSED:
            raise DomainError(
                "offer_in_proposal",
                "Cette offre fait l'objet d'une proposition en cours : "
                "retirez la proposition avant de la modifier.",
            )
        self._updated(
            dwelling=dwelling, reservataire=reservataire, available_until=available_until,
            by_user=by_user, by_org=by_org,
        )

    @event(OfferUpdated)
    def _updated(
        self, dwelling: dict, reservataire: str, available_until: date | None, by_user: str, by_org: UUID
    ) -> None:
        self.dwelling = dwelling
        self.reservataire = reservataire
        self.available_until = available_until

    def withdraw(self, reason: str, by_user: str, by_org: UUID) -> None:
        self._check_owner(by_org)
        if self.status == WITHDRAWN:
            raise DomainError("offer_withdrawn", "Cette offre est déjà retirée.")
        if self.status == LET:
            raise DomainError("offer_let", "Cette offre est déjà louée.")
        if self.status == PROPOSED:
            raise DomainError(
                "offer_in_proposal",
                "Cette offre fait l'objet d'une proposition en cours : "
                "retirez d'abord la proposition.",
            )
        self._withdrawn(reason=reason.strip(), by_user=by_user, by_org=by_org)

    @event(OfferWithdrawn)
    def _withdrawn(self, reason: str, by_user: str, by_org: UUID) -> None:
        self.status = WITHDRAWN

    def reserve_for(
        self, proposal_id: UUID, household_id: UUID, by_user: str, by_org: UUID, day: date | None = None
    ) -> None:
        """``day``: the (Paris) day of the proposal, checked against ``available_until``."""
        if day is not None and self.available_until is not None and day > self.available_until:
            raise DomainError(
                "offer_expired",
                f"L'offre {self.reference} était réservée au relogement jusqu'au "
                f"{self.available_until:%d/%m/%Y} : elle ne peut plus être proposée "
                "(son bailleur peut prolonger la date).",
            )
        if self.status == WITHDRAWN:
            raise DomainError("offer_withdrawn", "Cette offre a été retirée : impossible de la proposer.")
        if self.status == LET:
            raise DomainError("offer_let", "Ce logement est déjà loué.")
        if self.status == PROPOSED:
            raise DomainError(
                "offer_already_proposed",
                "Cette offre est déjà proposée à un autre ménage : "
                "une offre ne fait l'objet que d'une proposition à la fois.",
            )
        self._proposed(proposal_id=proposal_id, household_id=household_id, by_user=by_user, by_org=by_org)

    @event(OfferProposed)
    def _proposed(self, proposal_id: UUID, household_id: UUID, by_user: str, by_org: UUID) -> None:
        self.status = PROPOSED
        self.live_proposal = proposal_id

    def release(self, proposal_id: UUID, reason: str, by_user: str, by_org: UUID) -> None:
        if self.live_proposal != proposal_id:
            return  # already released: idempotent
        self._released(proposal_id=proposal_id, reason=reason, by_user=by_user, by_org=by_org)

    @event(OfferReleased)
    def _released(self, proposal_id: UUID, reason: str, by_user: str, by_org: UUID) -> None:
        self.status = PUBLISHED
        self.live_proposal = None

    def let_to(self, proposal_id: UUID, household_id: UUID, by_user: str, by_org: UUID) -> None:
        if self.live_proposal != proposal_id:
            raise DomainError("offer_not_reserved", "Cette offre n'est pas réservée à cette proposition.")
        self._let(proposal_id=proposal_id, household_id=household_id, by_user=by_user, by_org=by_org)

    @event(OfferLet)
    def _let(self, proposal_id: UUID, household_id: UUID, by_user: str, by_org: UUID) -> None:
        self.status = LET
        self.live_proposal = None
