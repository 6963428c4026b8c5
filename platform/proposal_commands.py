"""Use cases of proposals: make one, objections and their window, the household's
answer, the CALEOL decision and the lease."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from relogement.platform import indicators
from relogement.platform.actors import SYSTEM, Actor
from relogement.platform.command_checks import (
    _check_aid,
    _check_cost,
    _check_dates,
    _check_proposal_step,
    _measure,
    _paris_day,
    _placement,
)
from relogement.platform.deadline import objection_deadline
from relogement.platform.errors import DomainError, InvalidValue
from relogement.platform.project import with_defaults
from relogement.platform.proposal import Proposal
from relogement.platform.proposal_preview import (
    ProposalWarning,
    proposal_indicators,
    proposal_warnings,
)
from relogement.platform.values import Dwelling, Situation, check_move_in


def _check_estimated_aid(apl_after_cents: int) -> None:
    if isinstance(apl_after_cents, bool) or not isinstance(apl_after_cents, int) or apl_after_cents < 0:
        raise InvalidValue("apl_after_cents", "L'APL estimée doit être un montant positif ou nul.")
    _check_aid(apl_after_cents, "apl_after_cents")


@dataclass(frozen=True)
class ProposalPreview:
    """A proposal not made: its indicators, the warnings, the rank it would take."""

    indicators: dict
    warnings: tuple[ProposalWarning, ...]
    rank: int
    max_proposals: int


class ProposalCommands:
    """Proposals.

    Mixed into ``RelocationApp`` (platform/application.py), whose ``_run``, ``save``,
    getters and ``_check_*`` guards it uses; a plain class, not an ``Application``.
    """

    def preview_proposal(
        self, household_id: UUID, offer_id: UUID, apl_after_cents: int, actor: Actor
    ) -> ProposalPreview:
        """What ``make_proposal`` would record now, and the warnings to weigh: saves nothing."""
        _check_estimated_aid(apl_after_cents)
        household = self.household(household_id)
        offer = self.offer(offer_id)
        project = self.project(household.project_id)
        self._check_follows(household, actor)
        if offer.project_id != household.project_id:
            raise DomainError("other_project", "Cette offre n'est pas partagée dans le projet de ce ménage.")
        record = proposal_indicators(household, offer, apl_after_cents, self.clock())
        settings = with_defaults(project.settings)
        return ProposalPreview(
            indicators=record,
            warnings=tuple(proposal_warnings(record, offer.dwelling, household.wishes or {}, settings)),
            rank=household.next_rank(),
            max_proposals=settings["max_proposals"],
        )

    def make_proposal(
        self, household_id: UUID, offer_id: UUID, apl_after_cents: int, actor: Actor
    ) -> UUID:
        """Propose an offer to a household; the new APL is the officer's estimate."""
        _check_estimated_aid(apl_after_cents)

        def use_case(at: datetime) -> UUID:
            household = self.household(household_id)
            offer = self.offer(offer_id)
            project = self.project(household.project_id)
            self._check_follows(household, actor)
            if offer.project_id != household.project_id:
                raise DomainError(
                    "other_project", "Cette offre n'est pas partagée dans le projet de ce ménage."
                )
            proposal_id = uuid4()
            offer.reserve_for(proposal_id, household.id, **actor.by, day=_paris_day(at))
            rank = household.receive_proposal(proposal_id, offer.id, **actor.by)
            settings = project.settings
            proposal = Proposal(
                id=proposal_id,
                project_id=project.id,
                household_id=household.id,
                offer_id=offer.id,
                household_reference=household.reference,
                household_bailleur=household.bailleur_org,
                offer_bailleur=offer.bailleur_org,
                officer_org=actor.org,
                rank=rank,
                max_proposals=settings["max_proposals"],
                indicators=proposal_indicators(household, offer, apl_after_cents, at),
                window_hours=settings["objection_window_hours"],
                objection_deadline=objection_deadline(
                    at,
                    settings["objection_window_hours"],
                    working_days_only=settings["working_days_only"],
                ),
                **actor.by,
            )
            self.save(proposal, household, offer)
            return proposal.id

        return self._run(use_case)

    def raise_objection(self, proposal_id: UUID, motive: str, actor: Actor) -> UUID:
        def use_case(at: datetime) -> UUID:
            proposal = self.proposal(proposal_id)
            self._check_partner(self.project(proposal.project_id), actor)
            objection_id = proposal.raise_objection(motive, at, **actor.by)
            self.save(proposal)
            return objection_id

        return self._run(use_case)

    def lift_objection(
        self, proposal_id: UUID, objection_id: UUID, comment: str, actor: Actor
    ) -> None:
        def use_case(at: datetime) -> None:
            proposal = self.proposal(proposal_id)
            proposal.lift_objection(objection_id, comment, **actor.by)
            self.save(proposal)

        self._run(use_case)

    def arbitrate_objection(
        self, proposal_id: UUID, objection_id: UUID, decision: str, comment: str, actor: Actor
    ) -> None:
        def use_case(at: datetime) -> None:
            proposal = self.proposal(proposal_id)
            project = self.project(proposal.project_id)
            if actor.org != project.pilot_org:
                raise DomainError(
                    "not_pilot", "Seul le pilote du projet arbitre les oppositions."
                )
            proposal.arbitrate_objection(objection_id, decision, comment, **actor.by)
            changed: list[Aggregate] = [proposal]
            if decision == "maintenue":
                offer = self.offer(proposal.offer_id)
                offer.release(proposal.id, "opposition maintenue", **actor.by)
                changed.append(offer)
            self.save(*changed)

        self._run(use_case)

    def close_objection_window(self, proposal_id: UUID, actor: Actor = SYSTEM) -> bool:
        """Idempotent: True if this call recorded the closing, False if already done."""

        def use_case(at: datetime) -> bool:
            proposal = self.proposal(proposal_id)
            if not proposal.close_window(at, **actor.by):
                return False
            self.save(proposal)
            return True

        try:
            return self._run(use_case)
        except DomainError as error:
            if error.code == "concurrent_update":
                return False
            raise

    def accept_proposal(self, proposal_id: UUID, accepted_on: date, actor: Actor) -> None:
        _check_dates(accepted_on=accepted_on)

        def use_case(at: datetime) -> None:
            proposal = self.proposal(proposal_id)
            self._check_follows(self.household(proposal.household_id), actor)
            _check_proposal_step("accepted_on", accepted_on, proposal, at)
            proposal.accept(accepted_on, **actor.by)
            self.save(proposal)

        self._run(use_case)

    def refuse_proposal(
        self,
        proposal_id: UUID,
        motive_code: str,
        motive_text: str,
        actor: Actor,
        refused_on: date | None = None,
    ) -> None:
        """``refused_on``: the day the household refused; by default today (Paris)."""
        if refused_on is not None:
            _check_dates(refused_on=refused_on)

        def use_case(at: datetime) -> None:
            proposal = self.proposal(proposal_id)
            self._check_follows(self.household(proposal.household_id), actor)
            day = refused_on or _paris_day(at)
            _check_proposal_step("refused_on", day, proposal, at)
            proposal.refuse(motive_code, motive_text, day, **actor.by)
            offer = self.offer(proposal.offer_id)
            offer.release(proposal.id, "refus du ménage", **actor.by)
            self.save(proposal, offer)

        self._run(use_case)

    def withdraw_proposal(self, proposal_id: UUID, reason: str, actor: Actor) -> None:
        def use_case(at: datetime) -> None:
            proposal = self.proposal(proposal_id)
            proposal.withdraw(reason, **actor.by)
            offer = self.offer(proposal.offer_id)
            offer.release(proposal.id, "proposition retirée", **actor.by)
            self.save(proposal, offer)

        self._run(use_case)

    def decide_caleol(
        self, proposal_id: UUID, decision: str, decided_on: date, comment: str, actor: Actor
    ) -> None:
        _check_dates(decided_on=decided_on)

        def use_case(at: datetime) -> None:
            proposal = self.proposal(proposal_id)
            _check_proposal_step("decided_on", decided_on, proposal, at)
            proposal.decide_caleol(decision, decided_on, comment, at, **actor.by)
            changed: list[Aggregate] = [proposal]
            if decision == "refus":
                offer = self.offer(proposal.offer_id)
                offer.release(proposal.id, "refus de la CALEOL", **actor.by)
                changed.append(offer)
            self.save(*changed)

        self._run(use_case)

    def sign_lease(
        self,
        proposal_id: UUID,
        rent_cents: int,
        charges_cents: int,
        apl_cents: int,
        signed_on: date,
        move_in_date: date,
        actor: Actor,
        annex_rent_cents: int = 0,
    ) -> None:
        """Sign the lease: the household is relocated; its other live proposals end."""
        cost = indicators.HousingCost(rent_cents, annex_rent_cents, charges_cents, apl_cents)
        _check_dates(signed_on=signed_on, move_in_date=move_in_date)
        check_move_in(move_in_date, signed_on)

        def use_case(at: datetime) -> None:
            proposal = self.proposal(proposal_id)
            _check_proposal_step("signed_on", signed_on, proposal, at)
            household = self.household(proposal.household_id)
            offer = self.offer(proposal.offer_id)
            situation = Situation.from_dict(household.situation)
            _check_cost(cost, situation.resources_cents)
            before = _measure(situation)
            after = indicators.Measure(situation.resources_cents, situation.ages, cost)
            # The dwelling's age at the lease: the year it was signed, not the year it was
            # entered (a lease signed in December may be entered in January).
            placement = _placement(
                household, situation, offer, Dwelling.from_dict(offer.dwelling), signed_on.year
            )
            proposal.sign_lease(
                rent_cents=rent_cents,
                annex_rent_cents=annex_rent_cents,
                charges_cents=charges_cents,
                apl_cents=apl_cents,
                signed_on=signed_on,
                move_in_date=move_in_date,
                indicators=indicators.compute(before, after, placement),
                **actor.by,
            )
            offer.let_to(proposal.id, household.id, **actor.by)
            household.relocate(proposal.id, offer.id, move_in_date, **actor.by)
            changed: list[Aggregate] = [proposal, offer, household]
            for other_id in household.proposals:
                if other_id == proposal.id:
                    continue
                other = self.proposal(other_id)
                if other.end_because_relocated(**actor.by):
                    other_offer = self.offer(other.offer_id)
                    other_offer.release(other.id, "ménage relogé ailleurs", **actor.by)
                    changed += [other, other_offer]
            self.save(*changed)

        self._run(use_case)
