"""The relocation application: the use cases, and the only door to the event store.

Each use case loads the aggregates it needs, calls one command, and saves
everything it changed in one atomic ``save``. A concurrent write to one of
those aggregates makes the save fail on its version; the use case is then run
again from fresh state, where the domain rule (e.g. "offer already proposed")
decides. No event is lost or duplicated.

The use cases live in one mixin per subject (``*_commands.py``); this module holds
the application itself: construction, the store's plumbing (retry, getters,
references), the guards the use cases share, the post-save listeners, and personal
data through its privacy port (the SQL side is runtime/: runtime/application.py).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID, uuid5

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, Mapper, Recording, Transcoder

from relogement.events.base import Clock, using_clock, utc_now
from relogement.events.transcodings import TRANSCODINGS, FastJSONTranscoder
from relogement.platform import privacy
from relogement.platform.actors import (
    PROJECT_CODES,
    SYSTEM,
    SYSTEM_ORG,
    SYSTEM_USER,
    Actor,
    NewHousehold,
    NewOffer,
)
from relogement.platform.command_checks import FUTURE_TOLERANCE_DAYS
from relogement.platform.config import database_url
from relogement.platform.deadline import PARIS
from relogement.platform.errors import DomainError, InvalidValue, NotFound
from relogement.platform.household import Household
from relogement.platform.household_commands import HouseholdCommands
from relogement.platform.offer import Offer
from relogement.platform.offer_commands import OfferCommands
from relogement.platform.organisation import Organisation
from relogement.platform.project import Project
from relogement.platform.project_commands import ProjectCommands
from relogement.platform.proposal import Proposal
from relogement.platform.proposal_commands import ProposalCommands
from relogement.platform.residence_commands import ResidenceCommands
from relogement.platform.sealing import SealingMapper

# The use cases' public names, importable from here as before the split.
__all__ = [
    "FUTURE_TOLERANCE_DAYS", "MAX_ATTEMPTS", "PROJECT_CODES", "SYSTEM", "SYSTEM_ORG", "SYSTEM_USER",
    "Actor", "NewHousehold", "NewOffer", "RelocationApp",
]

log = logging.getLogger(__name__)

T = TypeVar("T")


def first_free(free: Callable[[int], bool]) -> int:
    """The smallest number n ≥ 1 with ``free(n)``, assuming the numbers taken are mostly
    1, 2, 3, … (a series): doubling then bisecting asks ``free`` about 2·log2(n) times,
    not n. A number typed by hand further on may be skipped over; the one returned is
    always free (and the store still refuses a concurrent claim of it: retried)."""
    if free(1):
        return 1
    low, high = 1, 2  # low is taken
    while not free(high):
        low, high = high, high * 2
    while high - low > 1:
        middle = (low + high) // 2
        if free(middle):
            high = middle
        else:
            low = middle
    return high
A = TypeVar("A", bound=Aggregate)

MAX_ATTEMPTS = 8


class RelocationApp(
    ProjectCommands, HouseholdCommands, OfferCommands, ProposalCommands, ResidenceCommands,
    Application[UUID],
):
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
        privacy_factory: Callable[[str, Clock], privacy.PrivacyPort] | None = None,
    ) -> None:
        """``privacy_factory(database_url, now)`` builds the key store, erasure and access log
        (``runtime.erasure.Privacy``); the runtime ``RelocationApp`` passes it."""
        self.database_url = database_url(database)
        self.clock = clock
        self._privacy_factory = privacy_factory
        self._saved_listeners: list[Callable[[], object]] = []
        self._series_last: dict[tuple[UUID, str, str], int] = {}  # reference series → last number given
        # The store comes with ``env`` (runtime/application.py: the SQL recorder's settings).
        super().__init__(env=dict(env or {}))

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

    def _claim_reference(
        self, project: Project, kind: str, reference: str | None, prefix: str, taken: set[UUID],
        owner: UUID | None = None,
    ) -> tuple[str, UUID]:
        """A reference unique in the project, and the aggregate id derived from it.

        The id is a function of (project, kind, reference), so two concurrent
        creations with one reference collide on the same aggregate id and the
        store refuses the second: uniqueness holds without a lookup table.
        Without a reference given, the next one of ``prefix`` (``readable_prefix``:
        "VIL-2026-" for an offer, "VIL-2026-M" for a household) is generated; its id
        derives from the bailleur (``owner``) instead, so a series is the bailleur's across
        all its projects (its references never repeat from one project to another).
        """
        if reference is not None:
            reference = reference.strip()
            if not reference or len(reference) > 60:
                raise InvalidValue("reference", "La référence doit faire de 1 à 60 caractères.")
            aggregate_id = uuid5(project.id, f"{kind}:{reference}")
            series_id = uuid5(owner, f"{kind}:{reference}") if owner is not None else aggregate_id
            if aggregate_id in taken or self._exists(aggregate_id):
                raise DomainError(
                    "reference_taken", f"La référence « {reference} » existe déjà dans ce projet."
                )
            if series_id != aggregate_id and (series_id in taken or self._exists(series_id)):
                raise DomainError(
                    "reference_taken",
                    f"La référence « {reference} » a déjà été attribuée par la plateforme (série de "
                    "références de cette organisation) : choisissez-en une autre.",
                )
            return reference, aggregate_id
        namespace = owner if owner is not None else project.id

        def free(n: int) -> bool:
            ids = (uuid5(namespace, f"{kind}:{prefix}{n:05d}"), uuid5(project.id, f"{kind}:{prefix}{n:05d}"))
            return not set(ids) & taken and not any(self._exists(i) for i in ids)

        # The search starts at the last number this process gave (one question more if it
        # was saved; no gap if the command failed); others' numbers are found by the
        # search, and the store refuses a concurrent claim of one number (retried).
        series = (namespace, kind, prefix)
        start = self._series_last.get(series, 1)
        number = start - 1 + first_free(lambda k: free(start - 1 + k))
        self._series_last[series] = number
        reference = f"{prefix}{number:05d}"
        return reference, uuid5(namespace, f"{kind}:{reference}")

    def readable_prefix(self, org_id: UUID, kind: str, at: datetime) -> str:
        """The generated references' scheme, one for every creation (form, import, CLI):
        the bailleur's code, the (Paris) year, a number in that series: ``VIL-2026-00279``
        for an offer, ``VIL-2026-M00012`` for a household (M: ménage)."""
        code = re.sub(r"[^A-Za-z0-9]", "", self.organisation(org_id).code).upper() or "REF"
        year = at.astimezone(PARIS).year
        return f"{code}-{year}-{'M' if kind == 'menage' else ''}"

    def _exists(self, aggregate_id: UUID) -> bool:
        return bool(self.recorder.select_events(aggregate_id, limit=1))

    # -- personal data (platform/privacy.py, platform/sealing.py) -----------
    def construct_mapper(self) -> Mapper:
        """The library's mapper, plus per-household sealing of ``personal`` fields."""
        if self._privacy_factory is None:
            raise TypeError(
                "RelocationApp needs its privacy infrastructure (privacy_factory=...): "
                "use relogement.runtime.application.RelocationApp"
            )
        self.privacy = self._privacy_factory(self.database_url, lambda: self.clock())
        base = self.factory.mapper(transcoder=self.construct_transcoder())
        return SealingMapper(
            base.transcoder, self.privacy.keys, compressor=base.compressor, cipher=base.cipher
        )

    def close(self) -> None:
        super().close()
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
        ``motive`` required). Records HouseholdErased, then the privacy port destroys
        the key and purges the identity read models. Returns False if it was already
        erased (the key and read models are then checked again: erasure can be re-run
        to completion).
        """
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
        self.privacy.complete_erasure(household_id, actor.user)
        return recorded

    def record_personal_data_access(
        self,
        household_ids: UUID | Iterable[UUID],
        actor: Actor,
        purpose: str = "consultation",
        role: str | None = None,
    ) -> None:
        """Log views of households' personal data (one id or several: one insert)."""
        ids = [household_ids] if isinstance(household_ids, UUID) else list(household_ids)
        at = self.clock()
        self.privacy.record_access(
            privacy.AccessEntry(at, actor.user, actor.org, role, h, purpose) for h in ids
        )

    def personal_data(
        self, household_id: UUID, actor: Actor, purpose: str = "consultation", role: str | None = None
    ) -> dict:
        """The household's personal data for the staff who follow it; the view is logged."""
        household = self.household(household_id)
        self._check_follows(household, actor)
        self.record_personal_data_access(household_id, actor, purpose, role)
        return dict(household.personal)

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
