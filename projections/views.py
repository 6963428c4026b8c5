"""What the pages read, as plain frozen views (no SQL, no web): the read side's vocabulary.

Built by :mod:`relogement.projections.queries` from the read models' rows and handed to
the web layer (``web/reader.py``), which fills each view's ``resource``: the web policy's
description of who may act on it (``web.policy.Resource``), opaque here so that the read
side never imports the web.

Pseudonymisation: a view built for someone who may not see a household's identity is a
``HouseholdPseudo``, which has no identity field at all; ``HouseholdFull`` adds them.

Status codes and their French labels: ``HOUSEHOLD_STATUS_LABELS``, ``OFFER_STATUS_LABELS``,
``PROPOSAL_STATUS_LABELS``, ``OBJECTION_STATUS_LABELS``; ``OUTCOME`` for the ended proposals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from relogement.platform.values import CALEOL_DECISIONS, ORGANISATION_KINDS

PAGE_SIZE = 50

HOUSEHOLD_STATUS_LABELS = {
    "a_reloger": "À reloger",
    "proposition_en_cours": "Proposition en cours",
    "reloge": "Relogé",
    "sorti": "Sorti du dispositif",
}
OFFER_STATUS_LABELS = {
    "publiee": "Disponible",
    "proposee": "Proposée",
    "retiree": "Retirée",
    "louee": "Louée",
}
PROPOSAL_STATUS_LABELS = {
    "en_cours": "En cours",
    "acceptee": "Acceptée par le ménage",
    "attribuee": "Attribuée par la CALEOL",
    "ajournee": "Décision CALEOL ajournée",
    "refusee": "Refusée par le ménage",
    "retiree": "Retirée",
    "opposee": "Bloquée (opposition maintenue)",
    "rejetee_caleol": "Rejetée par la CALEOL",
    "bail_signe": "Bail signé",
}
OBJECTION_STATUS_LABELS = {
    "ouverte": "Ouverte",
    "levee": "Levée par son auteur",
    "levee_arbitrage": "Levée par arbitrage",
    "maintenue": "Maintenue par arbitrage",
}
OBJECTION_STATUS = OBJECTION_STATUS_LABELS
HOUSEHOLD_STATUSES = HOUSEHOLD_STATUS_LABELS  # code -> French label
# The proposals that ended, as a user reads them.
OUTCOME = {
    "refusee": "Refusée par le ménage",
    "retiree": "Retirée",
    "opposee": "Bloquée (opposition maintenue)",
    "rejetee_caleol": "Rejetée par la CALEOL",
    "bail_signe": "Bail signé — ménage relogé",
}

DWELLING_FIELDS = (
    "typology", "surface_m2", "rent_cents", "charges_cents", "annex_rent_cents", "quartier", "qpv",
    "commune", "address", "financing", "construction_year", "individual", "floor", "lift", "accessible",
    "dpe_label", "heating", "energy_cost_min_euros", "energy_cost_max_euros",
)


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
    mous: frozenset[UUID]  # partner organisations of kind "mous": the relocation team
    quartiers: tuple[dict, ...]
    operations: tuple[dict, ...]
    settings: dict

    def quartier_name(self, code: str) -> str:
        return next((x["name"] for x in self.quartiers if x["code"] == code), code)

    def operation_name(self, code: str) -> str:
        return next((x["name"] for x in self.operations if x["code"] == code), code)


@dataclass(frozen=True)
class Page:
    """One page of a list: items, the 1-based page number, how many pages and rows."""

    items: list
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def first(self) -> int:
        return 0 if not self.total else (self.number - 1) * self.size + 1

    @property
    def last(self) -> int:
        return min(self.total, self.number * self.size)


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
    household_id: UUID | None
    published_at: datetime
    proposals_count: int
    resource: Any  # web.policy.Resource, filled by the web layer
    available_until: date | None = None

    @property
    def status_label(self) -> str:
        return OFFER_STATUS_LABELS.get(self.status, self.status)

    def expired_on(self, day: date) -> bool:
        """Past its reservation for the relocations on ``day`` (a Paris day)."""
        return self.available_until is not None and day > self.available_until

    def proposable_on(self, day: date) -> bool:
        return self.status == "publiee" and not self.expired_on(day)

    @property
    def total_cents(self) -> int:
        d = self.dwelling
        return d["rent_cents"] + d["charges_cents"] + d.get("annex_rent_cents", 0)


@dataclass(frozen=True)
class HouseholdPseudo:
    """What a partner may see of a household: no name, no contact, no free text,
    resources as a band. ``situation`` (exact amounts and ages) is filled only for
    those the policy lets read it (``household.situation``)."""

    id: UUID
    project_id: UUID
    reference: str
    operation: str
    quartier: str
    bailleur_id: UUID
    bailleur_name: str
    officer_id: UUID
    officer_name: str
    adults: int
    children: int
    persons: int
    consumption_units: str
    resources_band: str
    income_quartile: int | None
    current_typology: str
    surface_m2: str
    qpv: bool
    commune: str
    wishes: dict
    status: str  # French label
    status_code: str
    proposals: int
    live_proposals: int
    refusals: int
    max_proposals: int
    last_allowed: bool
    registered_at: datetime
    relocated_at: datetime | None
    move_in_date: date | None
    departed_at: datetime | None
    erased: bool
    resource: Any  # web.policy.Resource, filled by the web layer
    situation: dict | None = None  # exact situation (restricted), see household.situation
    before: dict | None = None  # Measure.to_dict() of the current situation (restricted)
    identified: bool = False
    assigned_officer: str | None = None  # login of the officer who follows it ("Mes ménages")

    @property
    def ages(self) -> tuple[int, ...]:
        return tuple(self.situation["ages"]) if self.situation else ()


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
        return self.status == "ouverte"


@dataclass(frozen=True)
class ProposalView:
    id: UUID
    project_id: UUID
    household_id: UUID
    household_reference: str
    offer_id: UUID
    offer_reference: str
    offer_typology: str
    offer_commune: str
    offer_bailleur_name: str
    household_bailleur_name: str
    officer_name: str
    made_at: datetime
    rank: int
    max_proposals: int
    indicators: dict
    lease_indicators: dict | None
    window_hours: int
    deadline: datetime
    window_open: bool
    cleared: bool
    accepted: bool
    caleol: str | None
    outcome: str | None
    lease: dict | None
    status_label: str
    refusal: str
    resource: Any  # web.policy.Resource, filled by the web layer
    household_erased: bool = False
    objections: tuple[ObjectionView, ...] = ()
    offer: OfferView | None = None  # filled on the proposal page
    by_user: str = ""  # filled on the proposal page
    aid: dict | None = None  # ProposalMade's aid record (platform/simulated_aid.py)

    @property
    def inter_bailleur(self) -> bool:
        return bool(self.indicators.get("flags", {}).get("inter_bailleur"))

    @property
    def open_objections(self) -> list[ObjectionView]:
        return [o for o in self.objections if o.is_open]

    def has_open_objection_by(self, org_id: UUID | None) -> bool:
        """An organisation has at most one open objection on a proposal at a time."""
        return any(o.is_open and o.org_id == org_id for o in self.objections)

    @property
    def live(self) -> bool:
        return self.outcome is None

    @property
    def last_allowed(self) -> bool:
        return self.rank == self.max_proposals

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


__all__ = [
    "OrgView", "ProjectView", "OfferView", "HouseholdPseudo", "HouseholdFull", "ProposalView",
    "ObjectionView", "TimelineEntry", "Page", "PAGE_SIZE", "DWELLING_FIELDS", "OUTCOME",
    "HOUSEHOLD_STATUSES", "HOUSEHOLD_STATUS_LABELS", "OFFER_STATUS_LABELS", "PROPOSAL_STATUS_LABELS",
    "OBJECTION_STATUS_LABELS", "OBJECTION_STATUS",
]
