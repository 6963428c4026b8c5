"""What the pages read: plain views built from the event store.

This is the ONE adapter between the web layer and the stored facts. Until the
projections (relogement.projections) land, it folds the notification log into
in-memory aggregates through RelocationApp (read-only), incrementally: each request
reads only the events stored since the last one (also those written by another
process). "As of" an instant = the last position whose event was recorded at or
before it; the same fold, stopped at that position.

Pseudonymisation: views built for someone who may not see a household's identity are
``HouseholdPseudo`` objects, which have no identity fields at all; timeline entries of
identity facts carry no details for them. Templates therefore cannot leak what they
never receive.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from relogement.platform.application import SYSTEM_ORG, RelocationApp
from relogement.platform.household import Household
from relogement.platform.offer import Offer
from relogement.platform.organisation import ORGANISATION_KINDS, Organisation
from relogement.platform.project import Project
from relogement.platform.proposal import (
    DISMISSED,
    LIFTED,
    MAINTAINED,
    OPEN,
    OPPOSED,
    REFUSED,
    REJECTED,
    SIGNED,
    WITHDRAWN,
    Proposal,
)
from relogement.platform.values import CALEOL_DECISIONS, REFUSAL_MOTIVES
from relogement.web.policy import Resource

PAGE = 1000

OFFER_STATUS = {
    "publiee": "Disponible",
    "proposee": "Proposée",
    "retiree": "Retirée",
    "louee": "Louée",
}
OBJECTION_STATUS = {
    OPEN: "Ouverte",
    LIFTED: "Levée par son auteur",
    DISMISSED: "Levée par arbitrage",
    MAINTAINED: "Maintenue par arbitrage",
}
OUTCOME = {
    REFUSED: "Refusée par le ménage",
    WITHDRAWN: "Retirée",
    OPPOSED: "Bloquée (opposition maintenue)",
    REJECTED: "Rejetée par la CALEOL",
    SIGNED: "Bail signé — ménage relogé",
}


# ---------------------------------------------------------------------------
# The fold
# ---------------------------------------------------------------------------
@dataclass
class Fold:
    """Aggregates folded up to ``position``, with every fact kept for timelines."""

    position: int = 0
    aggregates: dict[UUID, Any] = field(default_factory=dict)
    facts: dict[UUID, list[tuple[int, Any]]] = field(default_factory=lambda: defaultdict(list))
    by_household: dict[UUID, list[UUID]] = field(default_factory=lambda: defaultdict(list))

    def apply(self, position: int, fact: Any) -> None:
        aggregate = self.aggregates.get(fact.originator_id)
        self.aggregates[fact.originator_id] = fact.mutate(aggregate)
        self.facts[fact.originator_id].append((position, fact))
        household_id = getattr(fact, "household_id", None)
        if aggregate is None and isinstance(self.aggregates[fact.originator_id], Proposal):
            self.by_household[household_id].append(fact.originator_id)
        self.position = position

    def of(self, cls: type) -> list:
        return [a for a in self.aggregates.values() if isinstance(a, cls)]


class EventReader:
    """One per Flask app: the live fold, plus as-of folds on demand (small LRU)."""

    def __init__(self, app: RelocationApp) -> None:
        self.app = app
        self.lock = threading.RLock()
        self.live = Fold()
        # Every decoded fact in order, and its timestamp: "as of" folds reuse them.
        self.log: list[tuple[int, Any]] = []
        self._asof: OrderedDict[int, Fold] = OrderedDict()

    def refresh(self) -> None:
        with self.lock:
            start = self.live.position + 1
            while True:
                notifications = list(self.app.notification_log.select(start=start, limit=PAGE))
                if not notifications:
                    return
                for n in notifications:
                    fact = self.app.mapper.to_domain_event(n)
                    self.log.append((n.id, fact))
                    self.live.apply(n.id, fact)
                start = notifications[-1].id + 1

    def position_at(self, instant: datetime) -> int:
        """The last position recorded at or before ``instant`` (0 if none)."""
        with self.lock:
            self.refresh()
            found = 0
            for position, fact in self.log:
                if fact.timestamp <= instant:
                    found = position
            return found

    def fold_at(self, position: int | None) -> Fold:
        with self.lock:
            self.refresh()
            if position is None or position >= self.live.position:
                return self.live
            if position in self._asof:
                self._asof.move_to_end(position)
                return self._asof[position]
            fold = Fold()
            for pos, fact in self.log:
                if pos > position:
                    break
                fold.apply(pos, fact)
            fold.position = position
            self._asof[position] = fold
            while len(self._asof) > 4:
                self._asof.popitem(last=False)
            return fold

    @contextmanager
    def reading(self, position: int | None = None) -> Iterator[Fold]:
        """Build views under the lock: the live fold is mutated by later refreshes."""
        with self.lock:
            yield self.fold_at(position)


# ---------------------------------------------------------------------------
# Views: plain data for templates
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class OrgView:
    id: UUID
    name: str
    kind: str
    code: str

    @property
    def kind_label(self) -> str:
        return ORGANISATION_KINDS.get(self.kind, self.kind)


@dataclass(frozen=True)
class ProjectView:
    id: UUID
    name: str
    code: str
    pilot_org: UUID
    partners: frozenset[UUID]
    quartiers: tuple[dict, ...]
    operations: tuple[dict, ...]
    settings: dict

    def resource(self) -> Resource:
        return Resource(project_partners=self.partners, pilot_org=self.pilot_org)


@dataclass(frozen=True)
class OfferView:
    id: UUID
    project_id: UUID
    reference: str
    bailleur_id: UUID
    bailleur_name: str
    status: str
    dwelling: dict
    reservataire: str
    live_proposal: UUID | None
    published_at: datetime
    resource: Resource

    @property
    def status_label(self) -> str:
        return OFFER_STATUS.get(self.status, self.status)

    def __getattr__(self, name: str) -> Any:
        # offer.typology, offer.rent_cents... read through to the dwelling description
        dwelling = self.__dict__.get("dwelling") or {}
        if name in dwelling:
            return dwelling[name]
        raise AttributeError(name)

    @property
    def total_cents(self) -> int:
        d = self.dwelling
        return d["rent_cents"] + d["charges_cents"] + d.get("annex_rent_cents", 0)


@dataclass(frozen=True)
class HouseholdPseudo:
    """What a partner may see of a household: no name, no contact, no free text."""

    id: UUID
    project_id: UUID
    reference: str
    operation: str
    quartier: str
    bailleur_id: UUID
    bailleur_name: str
    officer_id: UUID
    officer_name: str
    ages: tuple[int, ...]
    adults: int
    children: int
    resources_band: str
    income_quartile: int | None
    current_typology: str
    current_indicators: dict
    status: str
    proposals: int
    registered_at: datetime
    resource: Resource
    identified: bool = False

    @property
    def persons(self) -> int:
        return len(self.ages)


@dataclass(frozen=True)
class HouseholdFull(HouseholdPseudo):
    """For the staff who follow the household (policy: household.identity)."""

    identified: bool = True
    name: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    notes: str = ""
    constraints: str = ""
    situation: dict = field(default_factory=dict)
    wishes: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ObjectionView:
    id: UUID
    org_id: UUID
    org_name: str
    by_user: str
    motive: str
    status: str
    raised_at: datetime
    resolution: str

    @property
    def status_label(self) -> str:
        return OBJECTION_STATUS.get(self.status, self.status)

    @property
    def is_open(self) -> bool:
        return self.status == OPEN


@dataclass(frozen=True)
class ProposalView:
    id: UUID
    project_id: UUID
    household_id: UUID
    household_reference: str
    offer: OfferView
    household_bailleur_name: str
    officer_name: str
    by_user: str
    made_at: datetime
    rank: int
    max_proposals: int
    indicators: dict
    lease_indicators: dict | None
    window_hours: int
    deadline: datetime
    window_open: bool
    cleared: bool
    objections: tuple[ObjectionView, ...]
    accepted: bool
    caleol: str | None
    outcome: str | None
    lease: dict | None
    status_label: str
    refusal: str
    resource: Resource

    @property
    def inter_bailleur(self) -> bool:
        return bool(self.indicators.get("flags", {}).get("inter_bailleur"))

    @property
    def open_objections(self) -> list[ObjectionView]:
        return [o for o in self.objections if o.is_open]

    @property
    def live(self) -> bool:
        return self.outcome is None

    @property
    def last_allowed(self) -> bool:
        return self.rank == self.max_proposals

    def objection_resource(self, objection: ObjectionView) -> Resource:
        """The proposal's resource, with the objection's author (who alone may lift it)."""
        return replace(self.resource, author_org=objection.org_id)

    @property
    def caleol_label(self) -> str:
        return CALEOL_DECISIONS.get(self.caleol or "", "")


@dataclass(frozen=True)
class TimelineEntry:
    position: int
    at: datetime
    by_user: str
    by_org: str
    label: str
    details: tuple[tuple[str, str], ...]
    subject: str = ""


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------
def _band(cents: int) -> str:
    """Resources band of 500 € (partners judge a proposal, not a payslip)."""
    low = (cents // 50_000) * 500
    return f"{low:,} € à {low + 500:,} €".replace(",", "\u00a0").replace(" €", "\u00a0€")


class ReadModels:
    """Queries used by the pages; every method takes the position to read at."""

    def __init__(self, reader: EventReader) -> None:
        self.reader = reader

    # -- helpers ------------------------------------------------------------
    def position_at(self, instant: datetime) -> int:
        return self.reader.position_at(instant)

    def last_position(self) -> int:
        with self.reader.reading() as fold:
            return fold.position

    @staticmethod
    def _org_name(fold: Fold, org_id: UUID | None) -> str:
        if org_id is None or org_id == SYSTEM_ORG:
            return "Système"
        org = fold.aggregates.get(org_id)
        return org.name if isinstance(org, Organisation) else str(org_id)

    def organisations(self, position: int | None = None) -> list[OrgView]:
        with self.reader.reading(position) as fold:
            orgs = [OrgView(o.id, o.name, o.kind, o.code) for o in fold.of(Organisation)]
        return sorted(orgs, key=lambda o: (o.kind, o.name))

    def organisation(self, org_id: UUID) -> OrgView | None:
        with self.reader.reading() as fold:
            o = fold.aggregates.get(org_id)
            return OrgView(o.id, o.name, o.kind, o.code) if isinstance(o, Organisation) else None

    def organisation_by_code(self, code: str) -> OrgView | None:
        for org in self.organisations():
            if org.code.lower() == code.strip().lower():
                return org
        return None

    @staticmethod
    def _project(p: Project) -> ProjectView:
        return ProjectView(
            p.id,
            p.name,
            p.code,
            p.pilot_org,
            frozenset(p.partners),
            tuple(p.quartiers),
            tuple(p.operations),
            dict(p.settings),
        )

    def projects(self, position: int | None = None) -> list[ProjectView]:
        with self.reader.reading(position) as fold:
            return sorted((self._project(p) for p in fold.of(Project)), key=lambda p: p.name)

    def project(self, project_id: UUID, position: int | None = None) -> ProjectView | None:
        with self.reader.reading(position) as fold:
            p = fold.aggregates.get(project_id)
            return self._project(p) if isinstance(p, Project) else None

    def _project_resource(self, fold: Fold, project_id: UUID) -> Resource:
        p = fold.aggregates.get(project_id)
        if not isinstance(p, Project):
            return Resource()
        return Resource(project_partners=frozenset(p.partners), pilot_org=p.pilot_org)

    # -- offers -------------------------------------------------------------
    def _offer(self, fold: Fold, o: Offer) -> OfferView:
        base = self._project_resource(fold, o.project_id)
        created = fold.facts[o.id][0][1].timestamp
        return OfferView(
            id=o.id,
            project_id=o.project_id,
            reference=o.reference,
            bailleur_id=o.bailleur_org,
            bailleur_name=self._org_name(fold, o.bailleur_org),
            status=o.status,
            dwelling=dict(o.dwelling),
            reservataire=o.reservataire,
            live_proposal=o.live_proposal,
            published_at=created,
            resource=Resource(
                project_partners=base.project_partners,
                pilot_org=base.pilot_org,
                owner_org=o.bailleur_org,
            ),
        )

    def offers(self, position: int | None = None) -> list[OfferView]:
        with self.reader.reading(position) as fold:
            views = [self._offer(fold, o) for o in fold.of(Offer)]
        return sorted(views, key=lambda o: o.published_at, reverse=True)

    def offer(self, offer_id: UUID, position: int | None = None) -> OfferView | None:
        with self.reader.reading(position) as fold:
            o = fold.aggregates.get(offer_id)
            return self._offer(fold, o) if isinstance(o, Offer) else None

    def offer_by_reference(self, project_id: UUID, reference: str) -> OfferView | None:
        for o in self.offers():
            if o.project_id == project_id and o.reference == reference:
                return o
        return None

    # -- households ---------------------------------------------------------
    def _household_resource(self, fold: Fold, h: Household) -> Resource:
        base = self._project_resource(fold, h.project_id)
        return Resource(
            project_partners=base.project_partners,
            pilot_org=base.pilot_org,
            household_bailleur=h.bailleur_org,
            household_officer=h.officer_org,
        )

    def _status(self, fold: Fold, h: Household) -> str:
        if h.relocated_by is not None:
            return "Relogé"
        if h.departed:
            return "Sorti du dispositif"
        live = [
            p
            for pid in h.proposals
            if isinstance(p := fold.aggregates.get(pid), Proposal) and p.outcome is None
        ]
        return "Proposition en cours" if live else "À reloger"

    def _household(self, fold: Fold, h: Household, identity: bool) -> HouseholdPseudo:
        from relogement.platform.application import _measure
        from relogement.platform.indicators import Measure
        from relogement.platform.values import Situation

        situation = Situation.from_dict(h.situation)
        measure: Measure = _measure(situation)
        common: dict[str, Any] = {
            "id": h.id,
            "project_id": h.project_id,
            "reference": h.reference,
            "operation": h.operation,
            "quartier": h.quartier,
            "bailleur_id": h.bailleur_org,
            "bailleur_name": self._org_name(fold, h.bailleur_org),
            "officer_id": h.officer_org,
            "officer_name": self._org_name(fold, h.officer_org),
            "ages": tuple(situation.ages),
            "adults": situation.adults,
            "children": situation.children,
            "resources_band": _band(situation.resources_cents),
            "income_quartile": situation.income_quartile,
            "current_typology": situation.dwelling.typology,
            "current_indicators": measure.to_dict(),
            "status": self._status(fold, h),
            "proposals": len(h.proposals),
            "registered_at": fold.facts[h.id][0][1].timestamp,
            "resource": self._household_resource(fold, h),
        }
        if not identity:
            return HouseholdPseudo(**common)
        personal = h.personal
        return HouseholdFull(
            **common,
            name=personal.get("name", ""),
            phone=personal.get("phone", ""),
            email=personal.get("email", ""),
            address=personal.get("address", ""),
            notes=personal.get("notes", ""),
            constraints=personal.get("constraints", ""),
            situation=dict(h.situation),
            wishes=dict(h.wishes),
        )

    def household_resource(self, household_id: UUID) -> Resource | None:
        with self.reader.reading() as fold:
            h = fold.aggregates.get(household_id)
            return self._household_resource(fold, h) if isinstance(h, Household) else None

    def households(
        self, identity_for: Any, position: int | None = None
    ) -> list[HouseholdPseudo]:
        """``identity_for(resource) -> bool`` says, per household, if identity may be read."""
        with self.reader.reading(position) as fold:
            views = [
                self._household(fold, h, identity_for(self._household_resource(fold, h)))
                for h in fold.of(Household)
            ]
        return sorted(views, key=lambda h: h.reference)

    def household(
        self, household_id: UUID, identity_for: Any, position: int | None = None
    ) -> HouseholdPseudo | None:
        with self.reader.reading(position) as fold:
            h = fold.aggregates.get(household_id)
            if not isinstance(h, Household):
                return None
            return self._household(fold, h, identity_for(self._household_resource(fold, h)))

    def household_references(self, project_id: UUID) -> dict[str, UUID]:
        with self.reader.reading() as fold:
            return {h.reference: h.bailleur_org for h in fold.of(Household) if h.project_id == project_id}

    # -- proposals ----------------------------------------------------------
    def _proposal(self, fold: Fold, p: Proposal, at: datetime) -> ProposalView:
        offer = self._offer(fold, fold.aggregates[p.offer_id])
        household = fold.aggregates.get(p.household_id)
        facts = fold.facts[p.id]
        raised: dict[UUID, Any] = {}
        resolution: dict[UUID, str] = {}
        refusal = ""
        for _, fact in facts:
            name = type(fact).__name__
            if name == "ObjectionRaised":
                raised[fact.objection_id] = fact
            elif name in ("ObjectionLifted", "ObjectionArbitrated"):
                resolution[fact.objection_id] = fact.comment
            elif name == "ProposalRefused":
                refusal = REFUSAL_MOTIVES.get(fact.motive_code, fact.motive_code)
                if fact.motive_text:
                    refusal += f" — {fact.motive_text}"
        objections = tuple(
            ObjectionView(
                id=oid,
                org_id=o["by_org"],
                org_name=self._org_name(fold, o["by_org"]),
                by_user=raised[oid].by_user if oid in raised else "",
                motive=o["motive"],
                status=o["status"],
                raised_at=raised[oid].timestamp if oid in raised else facts[0][1].timestamp,
                resolution=resolution.get(oid, ""),
            )
            for oid, o in p.objections.items()
        )
        window_open = p.window_open_at(at)
        cleared = p.cleared_at(at)
        if p.outcome is not None:
            status = OUTCOME[p.outcome]
        elif p.open_objections:
            status = "Bloquée : opposition ouverte"
        elif window_open:
            status = "Délai d'opposition en cours"
        elif p.caleol == "attribution":
            status = "Attribuée par la CALEOL — bail à signer"
        elif p.caleol == "ajournement":
            status = "Décision CALEOL ajournée"
        elif p.accepted:
            status = "Acceptée par le ménage — en attente de la CALEOL"
        else:
            status = "Validée par les partenaires — réponse du ménage attendue"
        lease_indicators = None
        lease = getattr(p, "lease", None) if p.outcome == SIGNED else None
        if lease is not None:
            for _, fact in facts:
                if type(fact).__name__ == "LeaseSigned":
                    lease_indicators = fact.indicators
        base = self._project_resource(fold, p.project_id)
        return ProposalView(
            id=p.id,
            project_id=p.project_id,
            household_id=p.household_id,
            household_reference=p.household_reference,
            offer=offer,
            household_bailleur_name=self._org_name(fold, p.household_bailleur),
            officer_name=self._org_name(fold, p.officer_org),
            by_user=facts[0][1].by_user,
            made_at=facts[0][1].timestamp,
            rank=p.rank,
            max_proposals=p.max_proposals,
            indicators=p.indicators,
            lease_indicators=lease_indicators,
            window_hours=p.window_hours,
            deadline=p.objection_deadline,
            window_open=window_open,
            cleared=cleared,
            objections=objections,
            accepted=p.accepted,
            caleol=p.caleol,
            outcome=p.outcome,
            lease=dict(lease) if lease else None,
            status_label=status,
            refusal=refusal,
            resource=Resource(
                project_partners=base.project_partners,
                pilot_org=base.pilot_org,
                owner_org=p.offer_bailleur,
                household_bailleur=p.household_bailleur,
                household_officer=household.officer_org if household else None,
                proposal_officer=p.officer_org,
            ),
        )

    def proposal(
        self, proposal_id: UUID, at: datetime, position: int | None = None
    ) -> ProposalView | None:
        with self.reader.reading(position) as fold:
            p = fold.aggregates.get(proposal_id)
            return self._proposal(fold, p, at) if isinstance(p, Proposal) else None

    def proposals(self, at: datetime, position: int | None = None) -> list[ProposalView]:
        with self.reader.reading(position) as fold:
            views = [self._proposal(fold, p, at) for p in fold.of(Proposal)]
        return sorted(views, key=lambda p: p.made_at, reverse=True)

    def proposals_of(
        self, household_id: UUID, at: datetime, position: int | None = None
    ) -> list[ProposalView]:
        with self.reader.reading(position) as fold:
            return [
                self._proposal(fold, fold.aggregates[pid], at)
                for pid in fold.by_household.get(household_id, [])
            ]

    # -- timelines ----------------------------------------------------------
    def timeline(
        self, aggregate_ids: list[UUID], identity: bool, position: int | None = None
    ) -> list[TimelineEntry]:
        """Every fact of these aggregates, oldest first, with who and when."""
        entries: list[TimelineEntry] = []
        with self.reader.reading(position) as fold:
            for aggregate_id in aggregate_ids:
                subject = ""
                aggregate = fold.aggregates.get(aggregate_id)
                if isinstance(aggregate, Proposal):
                    subject = f"Proposition n° {aggregate.rank}"
                for pos, fact in fold.facts.get(aggregate_id, []):
                    label, details = describe_fact(fold, fact, identity)
                    entries.append(
                        TimelineEntry(
                            position=pos,
                            at=fact.timestamp,
                            by_user=getattr(fact, "by_user", ""),
                            by_org=self._org_name(fold, getattr(fact, "by_org", None)),
                            label=label,
                            details=tuple(details),
                            subject=subject,
                        )
                    )
        return sorted(entries, key=lambda e: e.position)

    def dashboard(self, at: datetime, position: int | None = None) -> dict:
        """Provisional figures until relogement.projections' dashboard lands."""
        with self.reader.reading(position) as fold:
            households = fold.of(Household)
            proposals = [self._proposal(fold, p, at) for p in fold.of(Proposal)]
            signed = [p for p in proposals if p.outcome == SIGNED]
            return {
                "position": fold.position,
                "households": len(households),
                "relocated": sum(1 for h in households if h.relocated_by is not None),
                "departed": sum(1 for h in households if h.departed),
                "in_progress": sum(
                    1 for h in households if self._status(fold, h) == "Proposition en cours"
                ),
                "pending_window": sum(1 for p in proposals if p.live and p.window_open),
                "open_objections": sum(len(p.open_objections) for p in proposals if p.live),
                "signed": signed,
                "inter_bailleur": sum(1 for p in signed if p.inter_bailleur),
                "hors_qpv": sum(1 for p in signed if p.indicators.get("flags", {}).get("hors_qpv")),
                "neuf": sum(
                    1 for p in signed if p.indicators.get("flags", {}).get("neuf_moins_5_ans")
                ),
                "offers_available": sum(1 for o in fold.of(Offer) if o.status == "publiee"),
            }


# ---------------------------------------------------------------------------
# Facts in French
# ---------------------------------------------------------------------------
def _euros(cents: int) -> str:
    from relogement.web.filters import euros

    return euros(cents)


def _fmt_date(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def _fmt_datetime(value: datetime) -> str:
    from relogement.web.filters import datetime_fr

    return datetime_fr(value)


def describe_fact(fold: Fold, fact: Any, identity: bool) -> tuple[str, list[tuple[str, str]]]:
    """A French label and details; identity facts have no details unless ``identity``."""
    name = type(fact).__name__
    org = lambda oid: ReadModels._org_name(fold, oid)  # noqa: E731
    d: list[tuple[str, str]] = []
    if name == "HouseholdRegistered":
        s = fact.situation
        d = [
            ("Référence", fact.reference),
            ("Opération", fact.operation),
            ("Composition", f"{s['adults']} adulte(s), {s['children']} enfant(s)"),
            ("Bailleur", org(fact.bailleur_org)),
            ("Suivi par", org(fact.officer_org)),
        ]
        if identity:
            d.insert(0, ("Nom", fact.personal.get("name", "")))
        return "Ménage inscrit au relogement", d
    if name == "HouseholdSituationUpdated":
        s = fact.situation
        d = [("Composition", f"{s['adults']} adulte(s), {s['children']} enfant(s)")]
        if identity:
            d.append(("Ressources", _euros(s["resources_cents"])))
        return "Situation mise à jour", d
    if name == "HouseholdPersonalDataUpdated":
        return "Données personnelles mises à jour", [("Nom", fact.personal.get("name", ""))] if identity else []
    if name == "HouseholdWishesRecorded":
        w = fact.wishes
        if identity:
            d = [
                ("Communes", ", ".join(w.get("communes", [])) or "—"),
                ("Typologies", ", ".join(w.get("typologies", [])) or "—"),
                ("Droit au retour", "oui" if w.get("right_to_return") else "non"),
            ]
        return "Souhaits enregistrés", d
    if name == "VisitRecorded":
        offer = fold.aggregates.get(fact.offer_id)
        d = [
            ("Logement", offer.reference if isinstance(offer, Offer) else str(fact.offer_id)),
            ("Date", _fmt_date(fact.visited_on)),
        ]
        if identity and fact.outcome:
            d.append(("Compte rendu", fact.outcome))
        return "Visite du logement", d
    if name == "ProposalReceived":
        offer = fold.aggregates.get(fact.offer_id)
        return "Proposition reçue", [
            ("Rang", f"{fact.rank}"),
            ("Logement", offer.reference if isinstance(offer, Offer) else ""),
        ]
    if name == "HouseholdRelocated":
        return "Ménage relogé", [("Entrée dans les lieux", _fmt_date(fact.move_in_date))]
    if name == "HouseholdDeparted":
        return "Sortie du dispositif", [("Motif", fact.reason)] if identity else []
    if name == "FollowUpRecorded":
        return "Suivi après relogement", [("Mesuré le", _fmt_date(fact.measured_on))]
    if name == "OfferPublished":
        dw = fact.dwelling
        return "Offre publiée", [
            ("Référence", fact.reference),
            ("Logement", f"{dw['typology']} — {dw['commune']}"),
            ("Loyer", _euros(dw["rent_cents"])),
        ]
    if name == "OfferUpdated":
        return "Offre modifiée", [("Loyer", _euros(fact.dwelling["rent_cents"]))]
    if name == "OfferWithdrawn":
        return "Offre retirée", [("Motif", fact.reason or "—")]
    if name == "OfferProposed":
        return "Offre proposée à un ménage", []
    if name == "OfferReleased":
        return "Offre de nouveau disponible", [("Motif", fact.reason)]
    if name == "OfferLet":
        return "Logement loué", []
    if name == "ProposalMade":
        return "Proposition faite", [
            ("Rang", f"{fact.rank} / {fact.max_proposals}"),
            ("Fin du délai d'opposition", _fmt_datetime(fact.objection_deadline)),
        ]
    if name == "ObjectionRaised":
        return "Opposition formée", [("Motif", fact.motive)]
    if name == "ObjectionLifted":
        return "Opposition levée", [("Commentaire", fact.comment or "—")]
    if name == "ObjectionArbitrated":
        decision = "levée" if fact.decision == "levee" else "maintenue"
        return f"Opposition arbitrée : {decision}", [("Motif", fact.comment)]
    if name == "ObjectionWindowClosed":
        return "Délai d'opposition clos", [
            ("Résultat", "validée par les partenaires" if fact.cleared else "bloquée (opposition ouverte)")
        ]
    if name == "ProposalAccepted":
        return "Proposition acceptée par le ménage", [("Le", _fmt_date(fact.accepted_on))]
    if name == "ProposalRefused":
        d = [("Motif", REFUSAL_MOTIVES.get(fact.motive_code, fact.motive_code))]
        if identity and fact.motive_text:
            d.append(("Précision", fact.motive_text))
        return "Proposition refusée par le ménage", d
    if name == "ProposalWithdrawn":
        return "Proposition retirée", [("Motif", fact.reason)]
    if name == "CaleolDecided":
        return "Décision de la CALEOL", [
            ("Décision", CALEOL_DECISIONS.get(fact.decision, fact.decision)),
            ("Le", _fmt_date(fact.decided_on)),
        ]
    if name == "LeaseSigned":
        return "Bail signé", [
            ("Signé le", _fmt_date(fact.signed_on)),
            ("Entrée dans les lieux", _fmt_date(fact.move_in_date)),
            ("Loyer", _euros(fact.rent_cents)),
        ]
    if name == "OrganisationRegistered":
        return "Organisation inscrite", [("Nom", fact.name)]
    if name == "ProjectCreated":
        return "Projet créé", [("Nom", fact.name)]
    if name == "PartnerJoined":
        return "Partenaire ajouté", [("Organisation", org(fact.org_id))]
    if name == "ProjectSettingsChanged":
        return "Paramètres du projet modifiés", []
    return name, []


def money_decimal(cents: int) -> Decimal:
    return Decimal(cents) / 100
