"""Use cases of households: registration (one or a batch), situation, personal data,
wishes, visits, departure and the follow-up after moving."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from uuid import UUID

from eventsourcing.domain import Aggregate

from relogement.events.base import now
from relogement.platform import indicators
from relogement.platform.actors import Actor, NewHousehold
from relogement.platform.command_checks import (
    _check_aid,
    _check_cost,
    _check_dates,
    _check_timeline,
    _measure,
    _paris_day,
)
from relogement.platform.errors import DomainError, InvalidValue
from relogement.platform.household import Household
from relogement.platform.project import Project
from relogement.platform.residence import residence_id
from relogement.platform.values import Dwelling, PersonalData, Situation, Wishes


class HouseholdCommands:
    """Households.

    Mixed into ``RelocationApp`` (platform/application.py), whose ``_run``, ``save``,
    getters and ``_check_*`` guards it uses; a plain class, not an ``Application``.
    """

    def register_household(
        self,
        project_id: UUID,
        operation: str,
        bailleur_org: UUID,
        situation: Situation,
        personal: PersonalData,
        actor: Actor,
        wishes: Wishes | None = None,
        reference: str | None = None,
        officer_org: UUID | None = None,
    ) -> UUID:
        row = NewHousehold(operation, bailleur_org, situation, personal, wishes, reference, officer_org)
        return self.register_households(project_id, [row], actor)[0]

    def register_households(
        self, project_id: UUID, rows: list[NewHousehold], actor: Actor
    ) -> list[UUID]:
        """Register several households atomically (imports): all or none."""

        def use_case(at: datetime) -> list[UUID]:
            project = self.project(project_id)
            self._check_partner(project, actor)
            self._check_kind(
                actor, ("bailleur", "mous"), "Seuls les bailleurs et la MOUS inscrivent des ménages."
            )
            households = []
            taken: set[UUID] = set()
            for row in rows:
                household = self._new_household(project, row, actor, taken)
                taken.add(household.id)
                households.append(household)
            self.save(*households)
            return [h.id for h in households]

        return self._run(use_case)

    def _new_household(
        self, project: Project, row: NewHousehold, actor: Actor, taken: set[UUID]
    ) -> Household:
        op = project.operation(row.operation)
        if self.organisation(row.bailleur_org).kind != "bailleur":
            raise InvalidValue("bailleur_org", "Le bailleur du ménage doit être un bailleur.")
        officer = row.officer_org or actor.org
        if actor.org not in (row.bailleur_org, officer):
            raise DomainError(
                "acts_for_itself",
                "Une organisation n'inscrit que ses propres locataires ou les ménages qu'elle suit.",
            )
        # The household's officer is its own bailleur or the project's MOUS: without
        # this, any bailleur could take over another's tenant by naming itself officer.
        if officer != row.bailleur_org and self.organisation(officer).kind != "mous":
            raise DomainError(
                "acts_for_itself",
                "Un ménage est suivi par son bailleur ou par l'équipe relogement (MOUS).",
            )
        quartier = project.quartier(op["quartier"])
        situation = row.situation
        _check_aid(situation.apl_cents, "apl_cents")
        dwelling = Dwelling.from_dict(
            {
                **situation.dwelling.to_dict(),
                "quartier": quartier["code"],
                "qpv": quartier["qpv"],
                "commune": situation.dwelling.commune or quartier["commune"],
            }
        )
        situation_ = Situation(
            ages=situation.ages,
            resources_cents=situation.resources_cents,
            apl_cents=situation.apl_cents,
            income_quartile=situation.income_quartile,
            adults_in_work=situation.adults_in_work,
            dwelling=dwelling,
        )
        prefix = self.readable_prefix(row.bailleur_org, "menage", now())
        self._check_residence_known(project.id, row.bailleur_org, dwelling.residence)
        reference, household_id = self._claim_reference(
            project, "menage", row.reference, prefix, taken, owner=row.bailleur_org
        )
        return Household(
            id=household_id,
            project_id=project.id,
            reference=reference,
            operation=row.operation,
            quartier=quartier["code"],
            bailleur_org=row.bailleur_org,
            officer_org=officer,
            situation=situation_.to_dict(),
            wishes=(row.wishes or Wishes()).to_dict(),
            personal=row.personal.to_dict(),
            **actor.by,
        )


    def _check_residence_known(self, project_id: UUID, bailleur_org: UUID, code: str) -> None:
        """The current dwelling's residence (the building being emptied) is one the
        household's bailleur has registered (Résidences, or its occupancy import)."""
        if code.strip() and not self._exists(residence_id(project_id, bailleur_org, code)):
            raise InvalidValue(
                "residence",
                f"Résidence « {code.strip()} » inconnue pour le bailleur du ménage : "
                "enregistrez-la d'abord (Résidences) ou corrigez le code.",
            )

    def _household_command(
        self, household_id: UUID, actor: Actor, command: Callable[[Household], None]
    ) -> None:
        def use_case(at: datetime) -> None:
            household = self.household(household_id)
            self._check_follows(household, actor)
            command(household)
            self.save(household)

        self._run(use_case)

    def update_situation(self, household_id: UUID, situation: Situation, actor: Actor) -> None:
        _check_aid(situation.apl_cents, "apl_cents")

        def command(household: Household) -> None:
            dwelling = household.situation["dwelling"]
            # The current dwelling's location is the project's; only amounts change.
            merged = Dwelling.from_dict(
                {**situation.dwelling.to_dict(), "quartier": dwelling["quartier"], "qpv": dwelling["qpv"]}
            )
            situation_ = Situation(
                ages=situation.ages,
                resources_cents=situation.resources_cents,
                apl_cents=situation.apl_cents,
                income_quartile=situation.income_quartile,
                adults_in_work=situation.adults_in_work,
                dwelling=merged,
            )
            self._check_residence_known(household.project_id, household.bailleur_org, merged.residence)
            household.update_situation(situation_.to_dict(), **actor.by)

        self._household_command(household_id, actor, command)

    def update_personal_data(self, household_id: UUID, personal: PersonalData, actor: Actor) -> None:
        self._household_command(
            household_id, actor, lambda h: h.update_personal_data(personal.to_dict(), **actor.by)
        )

    def record_wishes(self, household_id: UUID, wishes: Wishes, actor: Actor) -> None:
        self._household_command(
            household_id, actor, lambda h: h.record_wishes(wishes.to_dict(), **actor.by)
        )

    def record_visit(
        self,
        household_id: UUID,
        offer_id: UUID,
        visited_on: date,
        outcome: str,
        actor: Actor,
        proposal_id: UUID | None = None,
    ) -> None:
        _check_dates(visited_on=visited_on)
        self.offer(offer_id)  # must exist

        def command(household: Household) -> None:
            _check_timeline(
                "visited_on",
                visited_on,
                _paris_day(household.created_on),
                "l'inscription du ménage",
                _paris_day(now()),
            )
            household.record_visit(offer_id, proposal_id, visited_on, outcome.strip(), **actor.by)

        self._household_command(household_id, actor, command)

    def set_offer_aside(self, household_id: UUID, offer_id: UUID, motive: str, actor: Actor) -> None:
        """The officer sets an offer of the household's project aside, with a motive."""

        def command(household: Household) -> None:
            if self.offer(offer_id).project_id != household.project_id:
                raise DomainError(
                    "other_project", "Cette offre n'est pas partagée dans le projet de ce ménage."
                )
            household.set_offer_aside(offer_id, motive, **actor.by)

        self._household_command(household_id, actor, command)

    def record_departure(self, household_id: UUID, reason: str, actor: Actor) -> None:
        """The household leaves without a relocation; its live proposals are withdrawn and
        their dwellings offered again, in the same save."""

        def use_case(at: datetime) -> None:
            household = self.household(household_id)
            self._check_follows(household, actor)
            household.depart(reason, **actor.by)
            changed: list[Aggregate] = [household]
            why = "sortie du dispositif du ménage"
            for proposal_id in household.proposals:
                proposal = self.proposal(proposal_id)
                if proposal.outcome is not None:
                    continue
                offer = self.offer(proposal.offer_id)
                try:
                    proposal.withdraw(why, **actor.by)
                except DomainError as error:
                    raise DomainError(
                        error.code,
                        f"La proposition en cours du logement {offer.reference} ne peut être retirée "
                        "par votre organisation : demandez à son auteur de la retirer, puis enregistrez "
                        "la sortie.",
                    ) from error
                offer.release(proposal.id, why, **actor.by)
                changed += [proposal, offer]
            self.save(*changed)

        self._run(use_case)

    def record_follow_up(
        self,
        household_id: UUID,
        measured_on: date,
        resources_cents: int,
        cost: indicators.HousingCost,
        actor: Actor,
        ages: tuple[int, ...] | None = None,
    ) -> None:
        _check_cost(cost, resources_cents)
        _check_dates(measured_on=measured_on)

        def command(household: Household) -> None:
            household.check_relocated()  # the first thing to say about a follow-up too early
            _check_timeline(
                "measured_on", measured_on, _paris_day(household.created_on), "l'inscription du ménage",
                _paris_day(now()),
            )
            if household.move_in_date is not None:
                # The situation "after" is the one lived in the new dwelling.
                _check_timeline("measured_on", measured_on, household.move_in_date, "l'entrée dans le logement")
            before = _measure(Situation.from_dict(household.situation))
            after = indicators.Measure(
                resources_cents=resources_cents,
                ages=tuple(ages or household.situation["ages"]),
                cost=cost,
            )
            household.record_follow_up(
                measured_on, indicators.compute(before, after), **actor.by
            )

        self._household_command(household_id, actor, command)

    def assign_officer(
        self, household_id: UUID, officer: str, officer_org: UUID | None, actor: Actor
    ) -> None:
        """Name the officer (a login of the household's bailleur or of the organisation that
        follows it) who follows the household day to day; ``""`` ends the assignment.
        Whether the login is an officer's account is the caller's check (accounts are not
        facts of the relocation)."""
        self._household_command(
            household_id, actor, lambda h: h.assign_officer(officer, officer_org, **actor.by)
        )
