"""What the pages read: the projections' read models, as plain views for the templates.

This is the ONE adapter between the web layer and the read side. It reads the SQL
read models fed by :func:`relogement.projections.build_runner` (through
:mod:`relogement.projections.queries` where it has the query, and through the same
versioned tables with :func:`~relogement.projections.machinery.as_of` where a page
needs a batch by ids or a page of rows that the generic queries do not offer). It
never folds the event log in memory: lists are SQL queries, filtered and paginated in
the database, and their cost does not grow with the history.

"As of": every method takes ``position`` (None = now). An auditor's instant maps to
a position with :meth:`ReadModels.position_at` (the event journal), and the same
queries filtered by ``valid_from <= N < valid_to`` give what the live pages showed
right after event N, by construction.

Pseudonymisation: views built for someone who may not see a household's identity are
``HouseholdPseudo`` objects, which have no identity fields at all; identity comes only
from :meth:`ReadModels._identities`, which reads ``rm_household_identity`` for the ids
the caller's policy allowed and reports them to the ``audit`` callback (the privacy
layer's access log). Templates therefore cannot leak what they never receive, and no
identity is shown without a log entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import Engine, func, or_, select
from sqlalchemy.engine import Connection

from relogement.platform.deadline import window_open
from relogement.platform.organisation import ORGANISATION_KINDS
from relogement.platform.privacy import ERASED_NAME
from relogement.platform.values import CALEOL_DECISIONS, REFUSAL_MOTIVES
from relogement.projections import queries as q
from relogement.projections.machinery import as_of, journal
from relogement.projections.read_models import (
    household_identity,
    household_situation,
    households,
    offers,
    proposals,
)
from relogement.web.cache import Cache as SharedCache
from relogement.web.policy import Resource

PAGE_SIZE = 50
ERASED_TOPIC = "relogement.platform.household:Household.HouseholdErased"

OBJECTION_STATUS = q.OBJECTION_STATUS_LABELS
OUTCOME = {
    "refusee": "Refusée par le ménage",
    "retiree": "Retirée",
    "opposee": "Bloquée (opposition maintenue)",
    "rejetee_caleol": "Rejetée par la CALEOL",
    "bail_signe": "Bail signé — ménage relogé",
}
HOUSEHOLD_STATUSES = q.HOUSEHOLD_STATUS_LABELS  # code -> French label

Audit = Callable[[list[UUID], str], None]
IdentityFor = Callable[[Resource], bool]


def _uuid(value: str | UUID | None) -> UUID | None:
    if value is None or isinstance(value, UUID):
        return value
    return UUID(hex=value)


def _hex(value: UUID | str) -> str:
    return value.hex if isinstance(value, UUID) else UUID(str(value)).hex


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
    mous: frozenset[UUID]  # partner organisations of kind "mous": the relocation team
    quartiers: tuple[dict, ...]
    operations: tuple[dict, ...]
    settings: dict

    def resource(self) -> Resource:
        return Resource(project_partners=self.partners, pilot_org=self.pilot_org, project_mous=self.mous)

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


DWELLING_FIELDS = (
    "typology", "surface_m2", "rent_cents", "charges_cents", "annex_rent_cents", "quartier", "qpv",
    "commune", "address", "financing", "construction_year", "individual", "floor", "lift", "accessible",
)


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
    resource: Resource
    available_until: date | None = None

    @property
    def status_label(self) -> str:
        return q.OFFER_STATUS_LABELS.get(self.status, self.status)

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
    resource: Resource
    situation: dict | None = None  # exact situation (restricted), see household.situation
    before: dict | None = None  # Measure.to_dict() of the current situation (restricted)
    identified: bool = False

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
    resource: Resource
    household_erased: bool = False
    objections: tuple[ObjectionView, ...] = ()
    offer: OfferView | None = None  # filled on the proposal page
    by_user: str = ""  # filled on the proposal page

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
def proposal_status_label(row: dict, at: datetime) -> str:
    """The state a user reads, from the proposal row and the instant (window countdown)."""
    if row["status"] in OUTCOME:
        return OUTCOME[row["status"]]
    if row["open_objections"]:
        return "Bloquée : opposition ouverte"
    if window_open(q.utc(row["objection_deadline"]), at):
        return "Délai d'opposition en cours"
    if row["caleol_decision"] == "attribution":
        return "Attribuée par la CALEOL — bail à signer"
    if row["caleol_decision"] == "ajournement":
        return "Décision CALEOL ajournée"
    if row["accepted"]:
        return "Acceptée par le ménage — en attente de la CALEOL"
    return "Validée par les partenaires — réponse du ménage attendue"


class ReadModels:
    """Queries used by the pages; every method takes the position to read at.

    ``db`` is an engine for reads only (on SQLite a plain, deferred-transaction
    engine: readers never take the write lock the projection runner takes).
    """

    def __init__(
        self,
        db: Engine,
        memo: Callable[[], dict | None] = lambda: None,
        request_connection: Callable[[], Connection | None] = lambda: None,
    ) -> None:
        self.db = db
        self._request_connection = request_connection
        # Per-request memo (organisations and projects are read by almost every page).
        self._memo_store = memo
        self._shared = SharedCache(32)
        # Rows read at a position (a list page, a proposal, a timeline): they never
        # change at that position, so each is read once for every request and reader.
        self._fixed_rows = SharedCache(1024)

    def _memo(self, key: tuple, compute: Callable[[], Any]) -> Any:
        store = self._memo_store()
        if store is None:
            return compute()
        if key not in store:
            store[key] = compute()
        return store[key]

    def _fixed(self, name: str, position: int | None, args: tuple, compute: Callable[[], Any]) -> Any:
        """A read that cannot change at a position, shared by every request of the
        process (callers must not mutate it); who may see it is decided per request."""
        return self._fixed_rows.get((name, self.position(position), position is None, *args), compute)

    @property
    def reader(self) -> Engine | Connection:
        """What a page reads through: the request's one connection when there is one.

        A checkout per statement cost more than the statement on PostgreSQL (the pool's
        liveness ping, then the rollback on return: three round trips for one query).
        """
        conn = self._request_connection()
        return self.db if conn is None else conn

    # -- positions ------------------------------------------------------------
    def position_at(self, instant: datetime) -> int:
        return q.position_at(self.reader, instant)

    def last_position(self) -> int:
        """The last position applied to the read models (read once per request: a page
        reads everything at one position, and a command's page redirects)."""
        return self._memo(("last_position",), lambda: q.current_position(self.reader))

    def position(self, position: int | None) -> int:
        """The position a page reads at: the given one, or the last applied."""
        return self.last_position() if position is None else position

    def instant_of(self, position: int) -> datetime | None:
        return q.instant_of(self.reader, position)

    # -- organisations and projects -----------------------------------------
    def _shared_at(self, name: str, position: int | None, compute: Callable[[int], Any]) -> Any:
        """A small result read at a position, shared by every request of the process.

        Organisations and projects are read by almost every page and change rarely: the
        live page reads them at the last applied position (one indexed MAX), and what
        was read at a position never changes, so it is computed once per position.
        """
        pos = self.position(position)
        return self._shared.get((name, pos), lambda: compute(pos))

    def organisations(self, position: int | None = None) -> list[OrgView]:
        def compute(pos: int) -> list[OrgView]:
            rows = q.list_organisations(self.reader, position=pos)
            orgs = [OrgView(UUID(hex=o["org_id"]), o["name"], o["kind"], o["code"]) for o in rows]
            return sorted(orgs, key=lambda o: (o.kind, o.name))

        return self._memo(("orgs", position), lambda: self._shared_at("orgs", position, compute))

    def _names(self, position: int | None = None) -> dict[str, str]:
        return self._memo(
            ("names", position), lambda: {o.id.hex: o.name for o in self.organisations(position)}
        )

    def org_name(self, org_id: UUID | str | None, position: int | None = None) -> str:
        if org_id is None:
            return ""
        key = _hex(org_id)
        if key == UUID(int=0).hex:
            return "Système"
        return self._names(position).get(key, "Organisation inconnue")

    def organisation(self, org_id: UUID) -> OrgView | None:
        return next((o for o in self.organisations() if o.id == org_id), None)

    def organisation_by_code(self, code: str) -> OrgView | None:
        wanted = code.strip().lower()
        return next((o for o in self.organisations() if o.code.lower() == wanted), None)

    def projects(self, position: int | None = None) -> list[ProjectView]:
        def compute(pos: int) -> list[ProjectView]:
            kinds = {o.id: o.kind for o in self.organisations(pos)}
            out = []
            for p in q.list_projects(self.reader, position=pos):
                # JSON as in the events: [{"org_id": hex, "role": ...}] (or bare ids).
                partners = frozenset(
                    UUID(hex=x["org_id"] if isinstance(x, dict) else x) for x in p["partners"]
                )
                out.append(
                    ProjectView(
                        id=UUID(hex=p["project_id"]),
                        name=p["name"],
                        code=p["code"],
                        pilot_org=UUID(hex=p["pilot_org"]),
                        partners=partners,
                        mous=frozenset(x for x in partners if kinds.get(x) == "mous"),
                        quartiers=tuple(p["quartiers"]),
                        operations=tuple(p["operations"]),
                        settings=dict(p["settings"]),
                    )
                )
            return sorted(out, key=lambda p: p.name)

        return self._memo(("projects", position), lambda: self._shared_at("projects", position, compute))

    def project(self, project_id: UUID, position: int | None = None) -> ProjectView | None:
        return next((p for p in self.projects(position) if p.id == project_id), None)

    def project_created_at(self, project_id: UUID, position: int | None = None) -> datetime | None:
        def compute() -> datetime | None:
            row = q.get_project(self.reader, project_id, position=position)
            return row["created_at"] if row else None

        return self._fixed("project_created_at", position, (project_id,), compute)

    def _project_resource(self, project_id: str | UUID, position: int | None) -> Resource:
        project = self.project(_uuid(project_id), position)  # type: ignore[arg-type]
        return project.resource() if project else Resource()

    # -- offers -------------------------------------------------------------
    def _offer(self, row: dict, position: int | None) -> OfferView:
        base = self._project_resource(row["project_id"], position)
        return OfferView(
            id=UUID(hex=row["offer_id"]),
            project_id=UUID(hex=row["project_id"]),
            reference=row["reference"],
            bailleur_id=UUID(hex=row["bailleur_org"]),
            bailleur_name=self.org_name(row["bailleur_org"], position),
            status=row["status"],
            dwelling={k: row[k] for k in DWELLING_FIELDS},
            reservataire=row["reservataire"],
            live_proposal=_uuid(row["live_proposal_id"]),
            household_id=_uuid(row["household_id"]),
            published_at=row["published_at"],
            proposals_count=row["proposals_count"],
            resource=replace(base, owner_org=UUID(hex=row["bailleur_org"])),
            available_until=row.get("available_until"),
        )

    @staticmethod
    def _offer_where(
        position: int | None,
        *,
        project_ids: Iterable[UUID] | None = None,
        status: Iterable[str] | None = None,
        typology: str | None = None,
        qpv: bool | None = None,
        bailleur: UUID | None = None,
        max_rent_cents: int | None = None,
        commune: str | None = None,
        available_on: date | None = None,
    ) -> list[Any]:
        """``available_on``: only the offers whose reservation has not ended that day."""
        c = offers.c
        where: list[Any] = [as_of(offers, position)]
        if available_on is not None:
            where.append(or_(c.available_until.is_(None), c.available_until >= available_on))
        if project_ids is not None:
            where.append(c.project_id.in_([p.hex for p in project_ids]))
        if status is not None:
            where.append(c.status.in_(list(status)))
        if typology:
            where.append(c.typology == typology)
        if qpv is not None:
            where.append(c.qpv == qpv)
        if bailleur is not None:
            where.append(c.bailleur_org == bailleur.hex)
        if max_rent_cents is not None:
            where.append(c.rent_cents <= max_rent_cents)
        if commune:
            where.append(func.lower(c.commune).contains(commune.lower(), autoescape=True))
        return where

    def offers(
        self, position: int | None = None, *, project_id: UUID | None = None, **filters: Any
    ) -> list[OfferView]:
        """Offers, newest first, filtered in SQL (see :meth:`offers_page`)."""
        if project_id is not None:
            filters["project_ids"] = [project_id]
        where = self._offer_where(position, **filters)
        c = offers.c
        with q.connect(self.reader) as conn:
            rows = q._rows(conn, select(offers).where(*where).order_by(c.published_at.desc(), c.reference))
        return [self._offer(r, position) for r in rows]

    def offers_page(
        self, position: int | None = None, *, page: int = 1, size: int = PAGE_SIZE, **filters: Any
    ) -> Page:
        """A page of offers, newest first. Filters: project_ids, status (codes), typology,
        qpv, bailleur, max_rent_cents, commune (case-insensitive substring)."""
        where = self._offer_where(position, **filters)
        c = offers.c
        with q.connect(self.reader) as conn:
            total = conn.execute(select(func.count()).select_from(offers).where(*where)).scalar_one()
            page = min(max(1, page), max(1, -(-total // size)))
            rows = q._rows(
                conn,
                select(offers)
                .where(*where)
                .order_by(c.published_at.desc(), c.reference)
                .limit(size)
                .offset((page - 1) * size),
            )
        return Page([self._offer(r, position) for r in rows], page, size, total)

    def offer_bailleurs(self, position: int | None = None) -> list[tuple[UUID, str]]:
        """The bailleurs that have offers (for the board's filter)."""
        with q.connect(self.reader) as conn:
            ids = conn.execute(
                select(offers.c.bailleur_org).where(as_of(offers, position)).distinct()
            ).scalars().all()
        return sorted(((UUID(hex=i), self.org_name(i, position)) for i in ids), key=lambda b: b[1])

    def offer(self, offer_id: UUID, position: int | None = None) -> OfferView | None:
        row = self._fixed("offer", position, (offer_id,), lambda: q.get_offer(self.reader, offer_id, position=position))
        return self._offer(row, position) if row else None

    # -- households ---------------------------------------------------------
    def _household_resource(self, row: dict, position: int | None) -> Resource:
        base = self._project_resource(row["project_id"], position)
        return replace(
            base,
            household_bailleur=UUID(hex=row["bailleur_org"]),
            household_officer=UUID(hex=row["officer_org"]),
        )

    def erased(self, household_ids: Iterable[UUID | str], position: int | None = None) -> set[UUID]:
        """Which of these households had their personal data erased (as of ``position``)."""
        ids = {UUID(hex=_hex(i)) for i in household_ids}
        if not ids:
            return set()
        return ids & self._shared_at("erased_ids", position, self._erased_ids)

    def _erased_ids(self, position: int) -> frozenset[UUID]:
        # Erasures are rare (a few per programme): the whole set, once per position.
        query = select(journal.c.originator_id).where(
            journal.c.topic == ERASED_TOPIC, journal.c.position <= position
        )
        with q.connect(self.reader) as conn:
            return frozenset(UUID(hex=h) for h in conn.execute(query).scalars())

    def erased_references(self, position: int | None = None) -> frozenset[str]:
        """References of every household erased as of ``position`` (for lists that
        carry references only: reports, access log)."""
        return self._shared_at("erased_references", position, self._erased_references)

    def _erased_references(self, position: int) -> frozenset[str]:
        query = select(households.c.reference).where(
            as_of(households, position),
            households.c.household_id.in_(
                select(journal.c.originator_id).where(
                    journal.c.topic == ERASED_TOPIC,
                    *(() if position is None else (journal.c.position <= position,)),
                )
            ),
        )
        with q.connect(self.reader) as conn:
            return frozenset(conn.execute(query).scalars())

    def _situations(self, ids: list[str], position: int | None) -> dict[str, dict]:
        if not ids:
            return {}
        t = household_situation

        def compute() -> dict[str, dict]:
            with q.connect(self.reader) as conn:
                rows = q._rows(conn, select(t).where(as_of(t, position), t.c.household_id.in_(ids)))
            return {r["household_id"]: r for r in rows}

        return self._fixed("situations", position, tuple(sorted(ids)), compute)

    def _identities(self, ids: list[str], audit: Audit, purpose: str) -> dict[str, dict]:
        """The identity rows of these households (current), each view logged via ``audit``.

        The only place that reads ``rm_household_identity``: callers pass only the ids
        the policy allowed (household.identity).
        """
        if not ids:
            return {}
        t = household_identity
        with q.connect(self.reader) as conn:
            rows = q._rows(conn, select(t).where(t.c.household_id.in_(ids)))
        found = {r["household_id"]: r for r in rows}
        if found:
            audit([UUID(hex=h) for h in found], purpose)
        return found

    def _household(
        self,
        row: dict,
        position: int | None,
        erased: bool,
        situation: dict | None,
        identity: dict | None | bool,
        resource: Resource | None = None,
    ) -> HouseholdPseudo:
        """``identity``: False = pseudonymised view; a dict or None (erased) = full view."""
        situ = None
        before = None
        if situation is not None:
            before = situation["before"]
            situ = {
                "ages": list(situation["ages"]),
                "resources_cents": situation["resources_cents"],
                "apl_cents": situation["apl_cents"],
                "income_quartile": situation["income_quartile"],
                "dwelling": {
                    "typology": row["typology"],
                    "surface_m2": row["surface_m2"],
                    "rent_cents": situation["rent_cents"],
                    "charges_cents": situation["charges_cents"],
                    "annex_rent_cents": situation["annex_rent_cents"],
                    "commune": row["commune"],
                    "quartier": row["quartier"],
                    "qpv": row["qpv"],
                },
            }
        common: dict[str, Any] = {
            "id": UUID(hex=row["household_id"]),
            "project_id": UUID(hex=row["project_id"]),
            "reference": row["reference"],
            "operation": row["operation"],
            "quartier": row["quartier"],
            "bailleur_id": UUID(hex=row["bailleur_org"]),
            "bailleur_name": self.org_name(row["bailleur_org"], position),
            "officer_id": UUID(hex=row["officer_org"]),
            "officer_name": self.org_name(row["officer_org"], position),
            "adults": row["adults"],
            "children": row["children"],
            "persons": row["persons"],
            "consumption_units": row["consumption_units"],
            "resources_band": row["resources_band"],
            "income_quartile": row["income_quartile"],
            "current_typology": row["typology"],
            "surface_m2": row["surface_m2"],
            "qpv": row["qpv"],
            "commune": row["commune"],
            "wishes": dict(row["wishes"] or {}),
            "status": HOUSEHOLD_STATUSES.get(row["status"], row["status"]),
            "status_code": row["status"],
            "proposals": row["proposals_count"],
            "live_proposals": row["live_proposals"],
            "refusals": row["refusals_count"],
            "max_proposals": row["max_proposals"],
            "last_allowed": row["last_allowed"],
            "registered_at": row["registered_at"],
            "relocated_at": row["relocated_at"],
            "move_in_date": row["move_in_date"],
            "departed_at": row["departed_at"],
            "erased": erased,
            "resource": resource or self._household_resource(row, position),
            "situation": situ,
            "before": before,
        }
        if identity is False:
            return HouseholdPseudo(**common)
        if not identity or erased:
            return HouseholdFull(**common, name=ERASED_NAME)
        return HouseholdFull(
            **common,
            name=identity["name"],
            phone=identity["phone"],
            email=identity["email"],
            address=identity["address"],
            notes=identity["notes"],
            constraints=identity["constraints"],
        )

    def _views(
        self,
        rows: list[dict],
        position: int | None,
        identity_for: IdentityFor,
        situation_for: IdentityFor,
        audit: Audit,
        purpose: str,
    ) -> list[HouseholdPseudo]:
        """Household views for rows: 3 batch queries at most (erased, situations, identities)."""
        erased = self.erased([r["household_id"] for r in rows], position)
        by_project: dict[str, Resource] = {}
        resources = {}
        for r in rows:
            if r["project_id"] not in by_project:
                by_project[r["project_id"]] = self._project_resource(r["project_id"], position)
            resources[r["household_id"]] = replace(
                by_project[r["project_id"]],
                household_bailleur=UUID(hex=r["bailleur_org"]),
                household_officer=UUID(hex=r["officer_org"]),
            )
        who = {h for h, res in resources.items() if identity_for(res)}
        with_situation = [h for h, res in resources.items() if h in who or situation_for(res)]
        situations = self._situations(with_situation, position)
        identities = self._identities(
            [h for h in who if UUID(hex=h) not in erased], audit, purpose
        )
        out = []
        for r in rows:
            hid = r["household_id"]
            gone = UUID(hex=hid) in erased
            situation = situations.get(hid)
            if hid in who:
                out.append(self._household(r, position, gone, situation, identities.get(hid), resources[hid]))
                continue

            def pseudonymised(r: dict = r, gone: bool = gone, situation: dict | None = situation) -> HouseholdPseudo:
                return self._household(r, position, gone, situation, False, resources[r["household_id"]])

            # Without identity a view is the same for every reader at a position: built once.
            out.append(self._fixed("household_view", position, (hid, gone, situation is not None), pseudonymised))
        return out

    def households_page(
        self,
        identity_for: IdentityFor,
        situation_for: IdentityFor,
        audit: Audit,
        position: int | None = None,
        *,
        project_ids: Iterable[UUID] | None = None,
        status: str | None = None,
        reference: str = "",
        name_matches: Iterable[str] | None = None,
        page: int = 1,
        size: int = PAGE_SIZE,
    ) -> Page:
        """A page of households by reference, filtered in SQL.

        ``reference``: case-insensitive substring; ``name_matches`` (hex ids whose
        identity matched a name search) widens it.
        """
        c = households.c
        where: list[Any] = [as_of(households, position)]
        if project_ids is not None:
            where.append(c.project_id.in_([p.hex for p in project_ids]))
        if status:
            where.append(c.status == status)
        if reference or name_matches:
            terms = []
            if reference:
                terms.append(func.lower(c.reference).contains(reference.lower(), autoescape=True))
            if name_matches:
                terms.append(c.household_id.in_(list(name_matches)))
            where.append(or_(*terms))

        def compute() -> tuple[int, int, list[dict]]:
            with q.connect(self.reader) as conn:
                total = conn.execute(select(func.count()).select_from(households).where(*where)).scalar_one()
                number = min(max(1, page), max(1, -(-total // size)))
                rows = q._rows(
                    conn,
                    select(households).where(*where).order_by(c.reference).limit(size).offset((number - 1) * size),
                )
            return total, number, rows

        # The rows hold no identity and never change at a position: one query per
        # (position, filters, page) for every reader; who sees what is decided below.
        filters = (
            None if project_ids is None else tuple(sorted(p.hex for p in project_ids)),
            status, reference, None if name_matches is None else tuple(sorted(name_matches)), page, size,
        )
        total, page, rows = self._fixed("households_page", position, filters, compute)
        items = self._views(rows, position, identity_for, situation_for, audit, "liste des ménages")
        return Page(items, page, size, total)

    def search_names(self, text: str, org: UUID, project_mous: Iterable[UUID]) -> list[str]:
        """Ids (hex) of the households whose name contains ``text`` among those ``org``
        may identify (its own, the ones it follows, or all the project's if it is its MOUS).

        The search reads names but shows none: results are then shown by the normal
        (logged) path, only for the households the policy lets the user identify.
        """
        t = household_identity
        mine = or_(t.c.bailleur_org == org.hex, t.c.officer_org == org.hex)
        projects = [p.hex for p in project_mous]
        scope = or_(mine, t.c.project_id.in_(projects)) if projects else mine
        with q.connect(self.reader) as conn:
            return list(
                conn.execute(
                    select(t.c.household_id).where(
                        scope, func.lower(t.c.name).contains(text.lower(), autoescape=True)
                    )
                ).scalars()
            )

    def household(
        self,
        household_id: UUID,
        identity_for: IdentityFor,
        situation_for: IdentityFor,
        audit: Audit,
        position: int | None = None,
        purpose: str = "fiche ménage",
    ) -> HouseholdPseudo | None:
        row = self._fixed(
            "household", position, (household_id,),
            lambda: q.get_household_public(self.reader, household_id, position=position),
        )
        if row is None:
            return None
        return self._views([row], position, identity_for, situation_for, audit, purpose)[0]

    def household_resource(self, household_id: UUID, position: int | None = None) -> Resource | None:
        row = q.get_household_public(self.reader, household_id, position=position)
        return self._household_resource(row, position) if row else None

    def households_for(
        self, project_id: UUID, org: UUID, statuses: Iterable[str], position: int | None = None
    ) -> list[HouseholdPseudo]:
        """Pseudonymised households of a project that ``org`` follows (own bailleur or officer)."""
        c = households.c
        with q.connect(self.reader) as conn:
            rows = q._rows(
                conn,
                select(households)
                .where(
                    as_of(households, position),
                    c.project_id == project_id.hex,
                    c.status.in_(list(statuses)),
                    or_(c.bailleur_org == org.hex, c.officer_org == org.hex),
                )
                .order_by(c.reference),
            )
        erased = self.erased([r["household_id"] for r in rows], position)
        return [self._household(r, position, UUID(hex=r["household_id"]) in erased, None, False) for r in rows]

    def household_references(self, project_id: UUID) -> dict[str, UUID]:
        """reference → bailleur of every household of a project (imports)."""
        c = households.c
        with q.connect(self.reader) as conn:
            rows = conn.execute(
                select(c.reference, c.bailleur_org).where(as_of(households, None), c.project_id == project_id.hex)
            ).all()
        return {ref: UUID(hex=b) for ref, b in rows}

    def household_references_by_id(self, ids: Iterable[UUID]) -> dict[UUID, str]:
        """id → reference (the access log shows references, never names)."""
        wanted = list({i.hex for i in ids})
        out: dict[UUID, str] = {}
        c = households.c
        with q.connect(self.reader) as conn:
            for chunk in range(0, len(wanted), 500):
                for hid, ref in conn.execute(
                    select(c.household_id, c.reference).where(
                        as_of(households, None), c.household_id.in_(wanted[chunk : chunk + 500])
                    )
                ):
                    out[UUID(hex=hid)] = ref
        return out

    def household_by_reference(self, reference: str) -> UUID | None:
        c = households.c
        with q.connect(self.reader) as conn:
            found = conn.execute(
                select(c.household_id).where(as_of(households, None), func.lower(c.reference) == reference.strip().lower())
            ).scalars().first()
        return _uuid(found)

    # -- proposals ----------------------------------------------------------
    def _proposal(self, row: dict, at: datetime, position: int | None, erased: bool = False) -> ProposalView:
        base = self._project_resource(row["project_id"], position)
        deadline = q.utc(row["objection_deadline"])
        is_open = window_open(deadline, at)  # type: ignore[arg-type]
        status = row["status"]
        refusal = ""
        if status == "refusee":
            refusal = REFUSAL_MOTIVES.get(row["refusal_motive"] or "", row["refusal_motive"] or "")
        lease = None
        if status == "bail_signe":
            lease = {
                "rent_cents": row["lease_rent_cents"],
                "annex_rent_cents": row["lease_annex_rent_cents"],
                "charges_cents": row["lease_charges_cents"],
                "apl_cents": row["lease_apl_cents"],
                "signed_on": row["lease_signed_on"],
                "move_in_date": row["move_in_date"],
            }
        return ProposalView(
            id=UUID(hex=row["proposal_id"]),
            project_id=UUID(hex=row["project_id"]),
            household_id=UUID(hex=row["household_id"]),
            household_reference=row["household_reference"],
            offer_id=UUID(hex=row["offer_id"]),
            offer_reference=row["offer_reference"],
            offer_typology=row["offer_typology"],
            offer_commune=row["offer_commune"],
            offer_bailleur_name=self.org_name(row["offer_bailleur"], position),
            household_bailleur_name=self.org_name(row["household_bailleur"], position),
            officer_name=self.org_name(row["officer_org"], position),
            made_at=row["made_at"],
            rank=row["rank"],
            max_proposals=row["max_proposals"],
            indicators=row["indicators"],
            lease_indicators=row["lease_indicators"],
            window_hours=row["window_hours"],
            deadline=deadline,  # type: ignore[arg-type]
            window_open=is_open,
            cleared=status != "opposee" and not is_open and not row["open_objections"],
            accepted=row["accepted"],
            caleol=row["caleol_decision"],
            outcome=status if status in OUTCOME else None,
            lease=lease,
            status_label=proposal_status_label(row, at),
            refusal=refusal,
            household_erased=erased,
            resource=replace(
                base,
                owner_org=UUID(hex=row["offer_bailleur"]),
                household_bailleur=UUID(hex=row["household_bailleur"]),
                household_officer=None,  # filled by the caller when needed (policy)
                proposal_officer=UUID(hex=row["officer_org"]),
            ),
        )

    def _with_officers(self, views: list[ProposalView], position: int | None) -> list[ProposalView]:
        """Fill the households' officer org into each proposal's resource (one query)."""
        ids = list({v.household_id.hex for v in views})
        if not ids:
            return views
        c = households.c

        def compute() -> dict[str, str]:
            with q.connect(self.reader) as conn:
                return dict(
                    conn.execute(
                        select(c.household_id, c.officer_org).where(
                            as_of(households, position), c.household_id.in_(ids)
                        )
                    ).all()
                )

        officers = self._fixed("officers", position, tuple(sorted(ids)), compute)
        return [
            replace(v, resource=replace(v.resource, household_officer=_uuid(officers.get(v.household_id.hex))))
            for v in views
        ]

    def proposals_page(
        self,
        at: datetime,
        position: int | None = None,
        *,
        project_ids: Iterable[UUID] | None = None,
        live: bool | None = None,
        household_id: UUID | None = None,
        status: Iterable[str] | None = None,
        page: int = 1,
        size: int = PAGE_SIZE,
    ) -> Page:
        c = proposals.c
        where: list[Any] = [as_of(proposals, position)]
        if status is not None:
            where.append(c.status.in_(list(status)))
        if project_ids is not None:
            where.append(c.project_id.in_([p.hex for p in project_ids]))
        if live is not None:
            where.append(c.live == live)
        if household_id is not None:
            where.append(c.household_id == household_id.hex)
        with q.connect(self.reader) as conn:
            total = conn.execute(select(func.count()).select_from(proposals).where(*where)).scalar_one()
            pages = max(1, -(-total // size))
            page = min(max(1, page), pages)
            rows = q._rows(
                conn,
                select(proposals)
                .where(*where)
                # Ended proposals (e.g. leases) by when they ended, live ones by when made.
                .order_by(*((c.closed_at.desc(),) if live is False or status else ()), c.made_at.desc(), c.rank.desc())
                .limit(size)
                .offset((page - 1) * size),
            )
        erased = self.erased({r["household_id"] for r in rows}, position)
        views = [self._proposal(r, at, position, UUID(hex=r["household_id"]) in erased) for r in rows]
        return Page(self._with_officers(views, position), page, size, total)

    def proposals_of(self, household_id: UUID, at: datetime, position: int | None = None) -> list[ProposalView]:
        rows = q.list_proposals(self.reader, household_id=household_id, position=position)
        views = [self._proposal(r, at, position) for r in sorted(rows, key=lambda r: r["rank"])]
        return self._with_officers(views, position)

    def follow_ups_of(self, household_id: UUID, position: int | None = None) -> list[dict]:
        """Measures after relocation (restricted: exact amounts; policy household.situation)."""
        return q.list_follow_ups(self.reader, household_id, position)

    def proposal(self, proposal_id: UUID, at: datetime, position: int | None = None) -> ProposalView | None:
        """One proposal with its objections, its offer and who made it."""
        row = self._fixed(
            "proposal", position, (proposal_id,), lambda: q.get_proposal(self.reader, proposal_id, position=position)
        )
        if row is None:
            return None
        erased = bool(self.erased([row["household_id"]], position))
        view = self._with_officers([self._proposal(row, at, position, erased)], position)[0]
        objections = tuple(
            ObjectionView(
                id=UUID(hex=o["objection_id"]),
                org_id=UUID(hex=o["by_org"]),
                org_name=self.org_name(o["by_org"], position),
                by_user=o["by_user"],
                motive=o["motive"],
                status=o["status"],
                raised_at=o["raised_at"],
                resolution=o["comment"] or "",
            )
            for o in row["objections"]
        )
        def author() -> str | None:
            with q.connect(self.reader) as conn:
                return conn.execute(
                    select(journal.c.by_user).where(
                        journal.c.originator_id == row["proposal_id"], journal.c.originator_version == 1
                    )
                ).scalar()

        by_user = self._fixed("proposal_author", position, (proposal_id,), author)
        return replace(
            view, objections=objections, offer=self.offer(view.offer_id, position), by_user=by_user or ""
        )

    # -- timelines ----------------------------------------------------------
    def timeline(
        self,
        app: Any,
        aggregate_ids: list[UUID],
        identity: bool,
        position: int | None = None,
        situation: bool = False,
    ) -> list[TimelineEntry]:
        """Every fact of these aggregates, oldest first, with who and when.

        Positions, instants and authors come from the event journal (as of
        ``position``); the details from the stored events (``app.events``), never
        identity: free texts about the household only when ``identity``, exact
        amounts only when ``situation``.
        """
        return list(
            self._fixed(
                "timeline", position, (tuple(aggregate_ids), identity, situation),
                lambda: tuple(self._timeline(app, aggregate_ids, identity, position, situation)),
            )
        )

    def _timeline(
        self, app: Any, aggregate_ids: list[UUID], identity: bool, position: int | None, situation: bool
    ) -> list[TimelineEntry]:
        ids = [a.hex for a in aggregate_ids]
        query = select(journal).where(journal.c.originator_id.in_(ids))
        if position is not None:
            query = query.where(journal.c.position <= position)
        with q.connect(self.reader) as conn:
            rows = q._rows(conn, query.order_by(journal.c.position))
        last: dict[str, int] = {}
        for r in rows:
            last[r["originator_id"]] = max(last.get(r["originator_id"], 0), r["originator_version"])
        facts: dict[tuple[str, int], Any] = {}
        for hid, version in last.items():
            for e in app.events.get(UUID(hex=hid), lte=version):
                facts[(hid, e.originator_version)] = e
        subjects = {}
        offer_refs: dict[UUID, str] = {}
        for r in rows:
            e = facts.get((r["originator_id"], r["originator_version"]))
            if type(e).__name__ == "ProposalMade":
                subjects[r["originator_id"]] = f"Proposition n° {e.rank}"
            for attr in ("offer_id",):
                oid = getattr(e, attr, None)
                if isinstance(oid, UUID) and oid not in offer_refs:
                    offer_refs[oid] = ""
        if offer_refs:
            c = offers.c
            with q.connect(self.reader) as conn:
                for oid, ref in conn.execute(
                    select(c.offer_id, c.reference).where(
                        as_of(offers, None), c.offer_id.in_([o.hex for o in offer_refs])
                    )
                ):
                    offer_refs[UUID(hex=oid)] = ref
        entries = []
        for r in rows:
            e = facts.get((r["originator_id"], r["originator_version"]))
            if e is None:
                continue
            label, details = describe_fact(e, lambda o: self.org_name(o, position), offer_refs, identity, situation)
            entries.append(
                TimelineEntry(
                    position=r["position"],
                    at=r["timestamp"],
                    by_user=r["by_user"] or "",
                    by_org=self.org_name(r["by_org"], position) if r["by_org"] else "",
                    label=label,
                    details=tuple(details),
                    subject=subjects.get(r["originator_id"], ""),
                )
            )
        return entries


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


def _composition(ages: list[int]) -> str:
    adults = sum(1 for a in ages if a >= 18)
    children = len(ages) - adults
    text = f"{adults} adulte{'s' if adults > 1 else ''}"
    return text + (f", {children} enfant{'s' if children > 1 else ''}" if children else "")


def describe_fact(
    fact: Any,
    org: Callable[[Any], str],
    offer_refs: dict[UUID, str],
    identity: bool,
    situation: bool = False,
) -> tuple[str, list[tuple[str, str]]]:
    """A French label and details. Never identity; free texts about the household only
    with ``identity``; exact amounts of the household only with ``situation``."""
    name = type(fact).__name__
    d: list[tuple[str, str]] = []
    if name == "HouseholdRegistered":
        s = fact.situation
        return "Ménage inscrit au relogement", [
            ("Référence", fact.reference),
            ("Opération", fact.operation),
            ("Composition", _composition(s["ages"])),
            ("Bailleur", org(fact.bailleur_org)),
            ("Suivi par", org(fact.officer_org)),
        ]
    if name == "HouseholdSituationUpdated":
        s = fact.situation
        d = [("Composition", _composition(s["ages"]))]
        if situation or identity:
            d.append(("Ressources", _euros(s["resources_cents"])))
        return "Situation mise à jour", d
    if name == "HouseholdPersonalDataUpdated":
        return "Coordonnées mises à jour", []
    if name == "HouseholdErased":
        from relogement.platform.privacy import ERASURE_REASONS

        return "Données personnelles effacées", [("Motif", ERASURE_REASONS.get(fact.reason, fact.reason))]
    if name == "HouseholdWishesRecorded":
        w = fact.wishes
        d = [
            ("Communes", ", ".join(w.get("communes", [])) or "—"),
            ("Typologies", ", ".join(w.get("typologies", [])) or "—"),
            ("Droit au retour", "oui" if w.get("right_to_return") else "non"),
        ]
        return "Souhaits enregistrés", d
    if name == "VisitRecorded":
        d = [
            ("Logement", offer_refs.get(fact.offer_id) or str(fact.offer_id)),
            ("Date", _fmt_date(fact.visited_on)),
        ]
        if identity and fact.outcome:
            d.append(("Compte rendu", fact.outcome))
        return "Visite du logement", d
    if name == "ProposalReceived":
        return "Proposition reçue", [("Rang", f"{fact.rank}"), ("Logement", offer_refs.get(fact.offer_id, ""))]
    if name == "HouseholdRelocated":
        return "Ménage relogé", [("Entrée dans les lieux", _fmt_date(fact.move_in_date))]
    if name == "HouseholdDeparted":
        return "Sortie du dispositif", [("Motif", fact.reason)] if identity else []
    if name == "FollowUpRecorded":
        d = [("Mesuré le", _fmt_date(fact.measured_on))]
        if situation:  # exact figures: for those who see the household's amounts
            from relogement.web.filters import euros_per_day, percent

            after = fact.indicators["after"]
            d += [("Taux d'effort", percent(after.get("taux_effort"))),
                  ("Reste-à-vivre", f"{euros_per_day(after.get('rav_person_day'))} par personne")]
        return "Suivi après relogement", d
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
    return q.EVENT_LABELS.get(name, name), []


def money_decimal(cents: int) -> Decimal:
    return Decimal(cents) / 100


__all__ = [
    "OrgView", "ProjectView", "OfferView", "HouseholdPseudo", "HouseholdFull", "ProposalView",
    "ObjectionView", "TimelineEntry", "Page", "ReadModels",
]
