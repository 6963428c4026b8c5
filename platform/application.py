"""The relocation application: the use cases, and the only door to the event store.

Each use case loads the aggregates it needs, calls one command, and saves
everything it changed in one atomic ``save``. A concurrent write to one of
those aggregates makes the save fail on its version; the use case is then run
again from fresh state, where the domain rule (e.g. "offer already proposed")
decides. No event is lost or duplicated.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID, uuid4, uuid5

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, Mapper, Recording, Transcoder

from relogement.events.base import Clock, now, using_clock, utc_now
from relogement.events.transcodings import TRANSCODINGS, FastJSONTranscoder
from relogement.platform import indicators
from relogement.platform.config import database_url, persistence_env
from relogement.platform.deadline import PARIS, objection_deadline
from relogement.platform.errors import DomainError, InvalidValue, NotFound
from relogement.platform.household import Household
from relogement.platform.offer import Offer
from relogement.platform.organisation import Organisation
from relogement.platform.project import Project
from relogement.platform.proposal import Proposal
from relogement.platform.values import (
    Dwelling,
    PersonalData,
    Situation,
    Wishes,
    check_move_in,
    check_plausible_day,
    day_fr,
    project_quartier,
)

log = logging.getLogger(__name__)

T = TypeVar("T")
A = TypeVar("A", bound=Aggregate)

SYSTEM_ORG = UUID(int=0)
SYSTEM_USER = "systeme"
MAX_ATTEMPTS = 8

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


class RelocationApp(Application[UUID]):
    name = "Relogement"
    log_section_size = 10_000  # lets readers fetch large pages of the notification log
    # The library's aggregate cache, fast-forwarded from the store on every read: a get
    # is one "events after version v" query plus a copy instead of a full replay (the
    # project, read by most commands, is ~25 events). Safe with several processes: each
    # read applies what others stored since, a stale decision still fails on its version
    # at save and is retried; commands get a deep copy, so a refused command leaves the
    # cache untouched; an erasure reaches cached households as their HouseholdErased.
    # LRU of 2,000 aggregates (≈ 15 MB: ~7.5 KB each measured on the demo programme).
    # Defaults only: the environment or ``env`` override them (AGGREGATE_CACHE_MAXSIZE=""
    # turns the cache off).
    env = {"AGGREGATE_CACHE_MAXSIZE": "2000", "AGGREGATE_CACHE_FASTFORWARD": "y"}

    def __init__(
        self,
        database: str | None = None,
        clock: Clock = utc_now,
        env: dict[str, str] | None = None,
    ) -> None:
        self.database_url = database_url(database)
        self.clock = clock
        self._saved_listeners: list[Callable[[], object]] = []
        super().__init__(env={**persistence_env(self.database_url), **(env or {})})

    def construct_transcoder(self) -> Transcoder:
        """The library's JSON format, read by a faster decoder (events/transcodings.py)."""
        transcoder = FastJSONTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def register_transcodings(self, transcoder: Transcoder) -> None:
        super().register_transcodings(transcoder)
        for transcoding in TRANSCODINGS:
            transcoder.register(transcoding)

    # -- after a save -------------------------------------------------------
    def on_saved(self, listener: Callable[[], object]) -> Callable[[], object]:
        """Run ``listener()`` after each save, once the events are recorded.

        Listeners run in registration order, in the saving thread, once per save (a use
        case retried after a concurrent write saves, and so notifies, only once). A
        failing listener is logged (message and traceback, never the events) and
        swallowed: the events are stored, the save succeeded, the other listeners run.
        Returns the listener, so it can be used as a decorator.
        """
        self._saved_listeners.append(listener)
        return listener

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording]:
        recordings = super().save(*objs, **kwargs)
        for listener in tuple(self._saved_listeners):
            try:
                listener()
            except Exception:  # noqa: BLE001 - the events are stored; a poller can retry
                log.exception("a listener failed after a save (the events are recorded)")
        return recordings

    # -- plumbing -----------------------------------------------------------
    def _run(self, use_case: Callable[[datetime], T]) -> T:
        """Run a use case at one instant, retrying on a concurrent write."""
        for attempt in range(MAX_ATTEMPTS):
            at = self.clock()
            with using_clock(lambda at=at: at):
                try:
                    return use_case(at)
                except IntegrityError:
                    if attempt == MAX_ATTEMPTS - 1:
                        raise DomainError(
                            "concurrent_update",
                            "Trop de modifications simultanées : réessayez dans un instant.",
                        ) from None
        raise AssertionError("unreachable")

    def _get(self, cls: type[A], aggregate_id: UUID, what: str) -> A:
        try:
            aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(what, aggregate_id) from None
        if not isinstance(aggregate, cls):
            raise NotFound(what, aggregate_id)
        return aggregate

    def organisation(self, org_id: UUID) -> Organisation:
        return self._get(Organisation, org_id, "Organisation")

    def project(self, project_id: UUID) -> Project:
        return self._get(Project, project_id, "Projet")

    def household(self, household_id: UUID) -> Household:
        return self._get(Household, household_id, "Ménage")

    def offer(self, offer_id: UUID) -> Offer:
        return self._get(Offer, offer_id, "Offre")

    def proposal(self, proposal_id: UUID) -> Proposal:
        return self._get(Proposal, proposal_id, "Proposition")

    def history(self, aggregate_id: UUID) -> list:
        """Every stored fact of one aggregate, oldest first."""
        return list(self.events.get(aggregate_id))

    def _check_partner(self, project: Project, actor: Actor) -> None:
        if not project.is_partner(actor.org):
            raise DomainError(
                "not_a_partner", "Votre organisation n'est pas partenaire de ce projet."
            )

    def _check_kind(self, actor: Actor, kinds: tuple[str, ...], message: str) -> Organisation:
        org = self.organisation(actor.org)
        if org.kind not in kinds:
            raise DomainError("wrong_organisation_kind", message)
        return org

    def _check_follows(self, household: Household, actor: Actor) -> None:
        if not household.can_be_followed_by(actor.org):
            raise DomainError(
                "not_household_officer",
                "Seuls le bailleur du ménage et l'équipe relogement qui le suit peuvent agir "
                "pour ce ménage.",
            )

    # -- organisations and projects ----------------------------------------
    def register_organisation(self, name: str, kind: str, code: str, by_user: str) -> UUID:
        def use_case(at: datetime) -> UUID:
            org = Organisation.register(name=name, kind=kind, code=code, by_user=by_user)
            self.save(org)
            return org.id

        return self._run(use_case)

    def create_project(
        self,
        name: str,
        code: str,
        quartiers: list[dict],
        operations: list[dict],
        actor: Actor,
        settings: dict | None = None,
    ) -> UUID:
        def use_case(at: datetime) -> UUID:
            self._check_kind(
                actor, ("epci", "ville", "mous"), "Un projet est créé par l'EPCI, la ville ou la MOUS."
            )
            clean = code.strip()
            if not clean or len(clean) > 30:
                raise InvalidValue("code", "Le code du projet fait de 1 à 30 caractères.")
            # The id is a function of the code: a second project with the same code collides
            # on it, so codes (used by the exports and the CLI) stay unique without a lookup.
            project_id = uuid5(PROJECT_CODES, clean.upper())
            if self._exists(project_id):
                raise DomainError("project_code_taken", f"Le code de projet « {clean} » est déjà pris.")
            project = Project.create(
                project_id=project_id,
                name=name,
                code=clean,
                pilot_org=actor.org,
                quartiers=quartiers,
                operations=operations,
                settings=settings or {},
                **actor.by,
            )
            self.save(project)
            return project.id

        return self._run(use_case)

    def add_partner(self, project_id: UUID, org_id: UUID, actor: Actor) -> None:
        def use_case(at: datetime) -> None:
            project = self.project(project_id)
            if actor.org != project.pilot_org:
                raise DomainError("not_pilot", "Seul le pilote du projet ajoute des partenaires.")
            org = self.organisation(org_id)
            project.add_partner(org_id, org.kind, **actor.by)
            self.save(project)

        self._run(use_case)

    def add_operations(
        self, project_id: UUID, quartiers: list[dict], operations: list[dict], actor: Actor
    ) -> None:
        def use_case(at: datetime) -> None:
            project = self.project(project_id)
            project.add_operations(quartiers, operations, **actor.by)
            self.save(project)

        self._run(use_case)

    def change_project_settings(self, project_id: UUID, settings: dict, actor: Actor) -> None:
        def use_case(at: datetime) -> None:
            project = self.project(project_id)
            project.change_settings(settings, **actor.by)
            self.save(project)

        self._run(use_case)

    # -- households ---------------------------------------------------------
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
            dwelling=dwelling,
        )
        reference, household_id = self._claim_reference(
            project, "menage", row.reference, project.code, taken
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

    def _claim_reference(
        self, project: Project, kind: str, reference: str | None, prefix: str, taken: set[UUID]
    ) -> tuple[str, UUID]:
        """A reference unique in the project, and the aggregate id derived from it.

        The id is a function of (project, kind, reference), so two concurrent
        creations with one reference collide on the same aggregate id and the
        store refuses the second: uniqueness holds without a lookup table.
        """
        if reference is not None:
            reference = reference.strip()
            if not reference or len(reference) > 60:
                raise InvalidValue("reference", "La référence doit faire de 1 à 60 caractères.")
            aggregate_id = uuid5(project.id, f"{kind}:{reference}")
            if aggregate_id in taken or self._exists(aggregate_id):
                raise DomainError(
                    "reference_taken", f"La référence « {reference} » existe déjà dans ce projet."
                )
            return reference, aggregate_id
        while True:  # generated: retry on the (rare) collision
            reference = f"{prefix}-{uuid4().hex[:8].upper()}"
            aggregate_id = uuid5(project.id, f"{kind}:{reference}")
            if aggregate_id not in taken and not self._exists(aggregate_id):
                return reference, aggregate_id

    def _exists(self, aggregate_id: UUID) -> bool:
        return bool(self.recorder.select_events(aggregate_id, limit=1))

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
                dwelling=merged,
            )
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

    # -- offers -------------------------------------------------------------
    def publish_offer(
        self,
        project_id: UUID,
        dwelling: Dwelling,
        actor: Actor,
        reservataire: str = "",
        reference: str | None = None,
        available_until: date | None = None,
    ) -> UUID:
        row = NewOffer(dwelling, reservataire, reference, available_until)
        return self.publish_offers(project_id, [row], actor)[0]

    def publish_offers(self, project_id: UUID, rows: list[NewOffer], actor: Actor) -> list[UUID]:
        """Publish several offers atomically (imports): all or none."""

        def use_case(at: datetime) -> list[UUID]:
            project = self.project(project_id)
            self._check_partner(project, actor)
            self._check_kind(actor, ("bailleur",), "Seuls les bailleurs publient des logements.")
            for row in rows:
                row.dwelling.check_offered(_paris_day(at).year)
                _check_available_until(row.available_until, _paris_day(at))
            dwellings = [project_quartier(project.quartiers, row.dwelling) for row in rows]
            offers = []
            taken: set[UUID] = set()
            for row, dwelling in zip(rows, dwellings, strict=True):
                reference, offer_id = self._claim_reference(project, "offre", row.reference, "OF", taken)
                taken.add(offer_id)
                offers.append(
                    Offer(
                        id=offer_id,
                        project_id=project_id,
                        bailleur_org=actor.org,  # a bailleur publishes only its own dwellings
                        reference=reference,
                        dwelling=dwelling.to_dict(),
                        reservataire=row.reservataire.strip(),
                        available_until=row.available_until,
                        **actor.by,
                    )
                )
            self.save(*offers)
            return [o.id for o in offers]

        return self._run(use_case)

    def update_offer(
        self, offer_id: UUID, dwelling: Dwelling, actor: Actor, reservataire: str = "",
        available_until: date | None = None,
    ) -> None:
        def use_case(at: datetime) -> None:
            offer = self.offer(offer_id)
            dwelling.check_offered(_paris_day(at).year)
            _check_available_until(available_until, _paris_day(at))
            offered = project_quartier(self.project(offer.project_id).quartiers, dwelling)
            offer.update(offered.to_dict(), reservataire.strip(), available_until=available_until, **actor.by)
            self.save(offer)

        self._run(use_case)

    def withdraw_offer(self, offer_id: UUID, reason: str, actor: Actor) -> None:
        def use_case(at: datetime) -> None:
            offer = self.offer(offer_id)
            offer.withdraw(reason, **actor.by)
            self.save(offer)

        self._run(use_case)

    # -- proposals ----------------------------------------------------------
    def make_proposal(
        self, household_id: UUID, offer_id: UUID, apl_after_cents: int, actor: Actor
    ) -> UUID:
        """Propose an offer to a household; the new APL is the officer's estimate."""
        if isinstance(apl_after_cents, bool) or not isinstance(apl_after_cents, int) or apl_after_cents < 0:
            raise InvalidValue("apl_after_cents", "L'APL estimée doit être un montant positif ou nul.")
        _check_aid(apl_after_cents, "apl_after_cents")

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
            situation = Situation.from_dict(household.situation)
            dwelling = Dwelling.from_dict(offer.dwelling)
            before = _measure(situation)
            after = indicators.Measure(
                resources_cents=situation.resources_cents,
                ages=situation.ages,
                cost=indicators.HousingCost(
                    rent_cents=dwelling.rent_cents,
                    annex_rent_cents=dwelling.annex_rent_cents,
                    charges_cents=dwelling.charges_cents,
                    apl_cents=apl_after_cents,
                ),
            )
            # The dwelling's age at the proposal: the year of its (Paris) day.
            placement = _placement(household, situation, offer, dwelling, _paris_day(at).year)
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
                indicators=indicators.compute(before, after, placement),
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
        self, proposal_id: UUID, motive_code: str, motive_text: str, actor: Actor
    ) -> None:
        def use_case(at: datetime) -> None:
            proposal = self.proposal(proposal_id)
            self._check_follows(self.household(proposal.household_id), actor)
            proposal.refuse(motive_code, motive_text, **actor.by)
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

    # -- personal data and audit (platform/privacy.py, projections/audit.py) --
    def construct_mapper(self) -> Mapper:
        """The library's mapper, plus per-household sealing of ``personal`` fields."""
        from relogement.platform.privacy import Privacy, SealingMapper

        self.privacy = Privacy(self.database_url, now=lambda: self.clock())
        self._audit: Any = None
        base = self.factory.mapper(transcoder=self.construct_transcoder())
        return SealingMapper(
            base.transcoder, self.privacy.keys, compressor=base.compressor, cipher=base.cipher
        )

    @property
    def audit_chain(self) -> Any:
        """The hash chain over the notification log (relogement.projections.audit)."""
        if self._audit is None:
            from relogement.projections.audit import AuditChain

            self._audit = AuditChain(self)
        return self._audit

    def close(self) -> None:
        super().close()
        if self._audit is not None:
            self._audit.close()
        self.privacy.close()

    def erase_household(
        self,
        household_id: UUID,
        actor: Actor,
        reason: str,
        motive: str,
        administrator: bool = False,
    ) -> bool:
        """Erase a household's personal data (crypto-shredding), keep its facts.

        Allowed to the project's pilot organisation, or to an administrator
        (``administrator=True``: the web layer passes it for the admin role, the CLI
        for the operator). ``reason``: "duree_conservation" (only once the retention
        period after relocation/departure is over) or "demande" (request, any time;
        ``motive`` required). Records HouseholdErased, destroys the key, purges the
        identity read models. Returns False if it was already erased (the key and
        read models are then checked again: erasure can be re-run to completion).
        """
        from relogement.platform import privacy

        if reason not in privacy.ERASURE_REASONS:
            raise InvalidValue("reason", "Motif d'effacement inconnu.")
        motive = (motive or "").strip()
        if reason == "demande" and not motive:
            raise InvalidValue("motive", "Indiquez le motif de la demande d'effacement.")

        def use_case(at: datetime) -> bool:
            household = self.household(household_id)
            project = self.project(household.project_id)
            if not administrator and actor.org != project.pilot_org:
                raise DomainError(
                    "not_allowed_to_erase",
                    "Seuls l'administrateur et le pilote du projet effacent un ménage.",
                )
            if household.erased:
                return False
            if reason == "duree_conservation":
                privacy.check_retention_elapsed(self.history(household_id), at)
            household.erase(reason, motive, **actor.by)
            self.save(household)
            return True

        recorded = self._run(use_case)
        privacy.complete_erasure(self.privacy, household_id, actor.user)
        return recorded

    def record_personal_data_access(
        self, household_id: UUID, actor: Actor, purpose: str = "consultation", role: str | None = None
    ) -> None:
        """Log one view of a household's personal data (see privacy.record_personal_data_access)."""
        from relogement.platform.privacy import record_personal_data_access

        record_personal_data_access(
            self.privacy.engine, household_id, actor.user, actor.org, self.clock(), purpose, role
        )

    def personal_data(
        self, household_id: UUID, actor: Actor, purpose: str = "consultation", role: str | None = None
    ) -> dict:
        """The household's personal data for the staff who follow it; the view is logged."""
        household = self.household(household_id)
        self._check_follows(household, actor)
        self.record_personal_data_access(household_id, actor, purpose, role)
        return dict(household.personal)

    def access_log(self, household_id: UUID | None = None, **filters: Any) -> list:
        """Access log entries, newest first (privacy.read_access_log; admin and auditor only)."""
        from relogement.platform.privacy import read_access_log

        return read_access_log(self.privacy.engine, household_id=household_id, **filters)

    def households_due(self, at: datetime | None = None) -> list:
        """Households whose retention period is over, not erased (privacy.households_due)."""
        from relogement.platform.privacy import households_due

        return households_due(self, at)

    # -- replay -------------------------------------------------------------
    def replay_all(self) -> tuple[int, dict[UUID, Aggregate]]:
        """Fold every stored event, in notification order, into fresh aggregates."""
        aggregates: dict[UUID, Aggregate] = {}
        count = 0
        start = 1
        while True:
            notifications = list(self.notification_log.select(start=start, limit=1000))
            if not notifications:
                break
            for notification in notifications:
                domain_event = self.mapper.to_domain_event(notification)
                aggregate = aggregates.get(domain_event.originator_id)
                aggregates[domain_event.originator_id] = domain_event.mutate(aggregate)
                count += 1
            start = notifications[-1].id + 1
        return count, aggregates


def _measure(situation: Situation) -> indicators.Measure:
    return indicators.Measure(situation.resources_cents, situation.ages, situation.housing_cost())


def _check_cost(cost: indicators.HousingCost, resources_cents: int) -> None:
    for name in ("rent_cents", "annex_rent_cents", "charges_cents", "apl_cents"):
        value = getattr(cost, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidValue(name, "Les montants sont des entiers positifs (centimes).")
    if isinstance(resources_cents, bool) or not isinstance(resources_cents, int) or resources_cents < 0:
        raise InvalidValue("resources_cents", "Les ressources sont un entier positif (centimes).")
    _check_aid(cost.apl_cents, "apl_cents")


# No household receives this much housing aid a month (APL or AL): a typing error
# (5 000 € for 50,00 €) would otherwise skew every figure of the programme. Aid above
# the housing cost itself stays possible (a negative reste à charge, shown as such).
MAX_AID_CENTS = 2_000_00


def _check_aid(apl_cents: int, field: str) -> None:
    if apl_cents > MAX_AID_CENTS:
        amount = f"{apl_cents / 100:,.2f}".replace(",", "\u00a0").replace(".", ",")
        limit = f"{MAX_AID_CENTS // 100:,}".replace(",", "\u00a0")
        raise InvalidValue(
            field,
            f"Aide au logement de {amount} € par mois : au-delà de {limit} €, vérifiez le montant "
            "(montant mensuel en euros).",
        )


# The French names of the dates people type (error messages).
DATE_LABELS = {
    "accepted_on": "La date d'acceptation",
    "decided_on": "La date de la commission CALEOL",
    "signed_on": "La date de signature du bail",
    "move_in_date": "La date d'entrée dans les lieux",
    "visited_on": "La date de visite",
    "measured_on": "La date du suivi",
    "available_until": "La date de fin de réservation",
}
# How long ahead an offer may be reserved for the relocations.
MAX_RESERVATION_DAYS = 3 * 366


def _check_available_until(day: date | None, today: date) -> None:
    """The last day an offer is reserved for the relocations: from today, within 3 years."""
    if day is None:
        return
    _check_dates(available_until=day)
    if day < today:
        raise InvalidValue(
            "available_until", f"{_label('available_until')} ({day_fr(day)}) est déjà passée."
        )
    if day > today + timedelta(days=MAX_RESERVATION_DAYS):
        raise InvalidValue(
            "available_until",
            f"{_label('available_until')} ({day_fr(day)}) est à plus de trois ans : vérifiez l'année.",
        )
# How far after today (the clock's Paris day) a step of a proposal may be dated. The
# rule meant is "not after today"; the existing scenarios (lifecycle, reports) enter
# steps dated a few days, and up to about 40 days, after their clock, so today + 2
# months: a year typed wrong (2099, 2062) is still refused.
FUTURE_TOLERANCE_DAYS = 62


def _label(name: str) -> str:
    return DATE_LABELS.get(name, f"« {name} »")


def _check_dates(**dates: object) -> None:
    """Dates stored in events must be dates (a string would be stored as a string),
    and plausible: none before 01/01/2000."""
    for name, value in dates.items():
        # datetime is a subclass of date: refuse it too (a day is meant, not an instant).
        if not isinstance(value, date) or isinstance(value, datetime):
            raise InvalidValue(name, f"{_label(name)} doit être une date.")
        check_plausible_day(name, _label(name), value)


def _paris_day(instant: datetime) -> date:
    return instant.astimezone(PARIS).date()


def _check_timeline(
    name: str, day: date, since: date, since_what: str, today: date | None = None
) -> None:
    """A step of the case dated on or after its start (``since``, a Paris day) and, if
    ``today`` is given, not beyond ``FUTURE_TOLERANCE_DAYS`` after it."""
    if day < since:
        raise InvalidValue(
            name, f"{_label(name)} ({day_fr(day)}) précède {since_what} ({day_fr(since)})."
        )
    if today is not None and day > today + timedelta(days=FUTURE_TOLERANCE_DAYS):
        raise InvalidValue(
            name,
            f"{_label(name)} ({day_fr(day)}) est trop loin dans le futur : au plus deux mois "
            f"après aujourd'hui ({day_fr(today)}).",
        )


def _check_proposal_step(name: str, day: date, proposal: Proposal, at: datetime) -> None:
    """Acceptance, CALEOL decision, lease: not before the proposal's day, not after today."""
    _check_timeline(name, day, _paris_day(proposal.created_on), "la proposition", _paris_day(at))


def _placement(
    household: Household, situation: Situation, offer: Offer, dwelling: Dwelling, reference_year: int
) -> indicators.Placement:
    current = situation.dwelling
    return indicators.Placement(
        from_quartier=household.quartier,
        from_qpv=current.qpv,
        from_commune=current.commune,
        from_bailleur=str(household.bailleur_org),
        from_typology=current.typology,
        from_surface_m2=current.surface_m2,
        to_quartier=dwelling.quartier,
        to_qpv=dwelling.qpv,
        to_commune=dwelling.commune,
        to_bailleur=str(offer.bailleur_org),
        to_typology=dwelling.typology,
        to_surface_m2=dwelling.surface_m2,
        to_construction_year=dwelling.construction_year,
        to_individual=dwelling.individual,
        reference_year=reference_year,
    )
