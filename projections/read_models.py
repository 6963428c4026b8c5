"""Operational read models: offers, households, proposals, objections, follow-ups.

Built from events only, by :class:`OperationalProjector` (fed by
:class:`relogement.projections.machinery.ProjectionRunner`; see
:func:`relogement.projections.build_runner`). Every table except
``rm_household_identity`` is *versioned*: each row carries ``valid_from`` /
``valid_to`` notification positions, so the state as of any past position is
the same query filtered with :func:`relogement.projections.machinery.as_of`.
Read them through :mod:`relogement.projections.queries`, not directly.

Tables (ids are UUID hex strings, 32 characters; amounts are integer cents;
indicator figures are decimal strings as stored in the events, e.g. "17.5000"):

- ``rm_organisations``: org_id, name, kind, code.
- ``rm_projects``: project_id, name, code, pilot_org, quartiers / operations /
  settings / partners (JSON as in the events).
- ``rm_offers``: every dwelling field, status (publiee / proposee / retiree /
  louee), the live proposal and the household it is proposed or let to.
- ``rm_households``: the pseudonymised household, safe for every partner:
  reference, project, quartier, operation, bailleur, officer org, composition
  (adults / children / persons / consumption units), a *band* of resources,
  income quartile, current dwelling (typology, surface, QPV), wishes, status
  (a_reloger / proposition_en_cours / reloge / sorti), counts of proposals,
  live proposals, refusals, visits, the last-allowed-proposal flag, and dates.
  No identity, no exact resources.
- ``rm_household_situation``: the exact situation (ages, resources, APL, rent,
  charges) and the "before" indicators computed from it. Restricted: for the
  household's officers and the reports, never selected by partner views.
- ``rm_household_identity``: name, contacts, birth dates, free-text notes and
  constraints. NOT versioned on purpose (data minimisation: the read model keeps
  only the current identity, the event store keeps the history and the privacy
  work will seal it per household). Never joined into partner-facing queries.
- ``rm_proposals``: ids, rank, last-allowed flag, indicators (JSON, with inputs,
  before/after/evolution/flags, as stored in ProposalMade), deadline, status,
  objections (open / total), refusal motive, CALEOL decision, lease amounts and
  lease indicators (JSON, as stored in LeaseSigned), plus the household's
  quartier / operation / bailleur copied for grouping.
- ``rm_objections``: one row per objection: proposal, author org, motive,
  status (ouverte / levee / levee_arbitrage / maintenue), dates, comment.
- ``rm_follow_ups``: one row per follow-up measure (indicators as stored).

Indicators are never recomputed here, except the "before" figures of a
household that has no proposal yet (``rm_household_situation``), computed with
the same pure formulas of :mod:`relogement.platform.indicators`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.engine import Connection

from relogement.platform import indicators as formulas
from relogement.projections.machinery import metadata, versioned_columns
from relogement.projections.versioned import BatchWriter

PARIS = ZoneInfo("Europe/Paris")


organisations = Table(
    "rm_organisations",
    metadata,
    Column("org_id", String(32), nullable=False, index=True),
    Column("name", String(300), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("code", String(50), nullable=False),
    *versioned_columns(),
)

projects = Table(
    "rm_projects",
    metadata,
    Column("project_id", String(32), nullable=False, index=True),
    Column("name", String(300), nullable=False),
    Column("code", String(50), nullable=False),
    Column("pilot_org", String(32), nullable=False),
    Column("quartiers", JSON, nullable=False),
    Column("operations", JSON, nullable=False),
    Column("settings", JSON, nullable=False),
    Column("partners", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    *versioned_columns(),
)

offers = Table(
    "rm_offers",
    metadata,
    Column("offer_id", String(32), nullable=False, index=True),
    Column("project_id", String(32), nullable=False, index=True),
    Column("bailleur_org", String(32), nullable=False),
    Column("reference", String(100), nullable=False),
    Column("reservataire", String(200), nullable=False),
    Column("typology", String(4), nullable=False),
    Column("surface_m2", String(20), nullable=False),
    Column("rent_cents", BigInteger, nullable=False),
    Column("charges_cents", BigInteger, nullable=False),
    Column("annex_rent_cents", BigInteger, nullable=False),
    Column("quartier", String(100), nullable=False),
    Column("qpv", Boolean, nullable=False),
    Column("commune", String(200), nullable=False),
    Column("address", String(300), nullable=False),
    Column("financing", String(10), nullable=False),
    Column("construction_year", Integer, nullable=False),
    Column("individual", Boolean, nullable=False),
    Column("floor", Integer, nullable=False),
    Column("lift", Boolean, nullable=False),
    Column("accessible", Boolean, nullable=False),
    Column("status", String(20), nullable=False),
    Column("live_proposal_id", String(32), nullable=True),
    Column("household_id", String(32), nullable=True),  # proposed to / let to
    Column("published_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("withdrawn_reason", Text, nullable=True),
    Column("proposals_count", Integer, nullable=False),
    # Last day the dwelling is reserved for the relocations (None: no end date); after
    # it, the offer is no longer proposed (its status stays "publiee").
    Column("available_until", Date, nullable=True),
    *versioned_columns(),
)

households = Table(
    "rm_households",
    metadata,
    Column("household_id", String(32), nullable=False, index=True),
    Column("project_id", String(32), nullable=False, index=True),
    Column("reference", String(100), nullable=False),
    Column("operation", String(100), nullable=False),
    Column("quartier", String(100), nullable=False),
    Column("bailleur_org", String(32), nullable=False),
    Column("officer_org", String(32), nullable=False),
    Column("adults", Integer, nullable=False),
    Column("children", Integer, nullable=False),
    Column("persons", Integer, nullable=False),
    Column("consumption_units", String(20), nullable=False),
    Column("resources_band", String(40), nullable=False),
    Column("income_quartile", Integer, nullable=True),
    Column("typology", String(4), nullable=False),
    Column("surface_m2", String(20), nullable=False),
    Column("qpv", Boolean, nullable=False),
    Column("commune", String(200), nullable=False),
    Column("wishes", JSON, nullable=False),
    Column("right_to_return", Boolean, nullable=False),
    Column("status", String(30), nullable=False),
    Column("proposals_count", Integer, nullable=False),
    Column("live_proposals", Integer, nullable=False),
    Column("refusals_count", Integer, nullable=False),
    Column("visits_count", Integer, nullable=False),
    Column("follow_ups_count", Integer, nullable=False),
    Column("max_proposals", Integer, nullable=False),
    Column("last_allowed", Boolean, nullable=False),
    Column("registered_at", DateTime(timezone=True), nullable=False),
    Column("registered_on", Date, nullable=False),
    Column("relocated_at", DateTime(timezone=True), nullable=True),
    Column("relocated_proposal_id", String(32), nullable=True),
    Column("relocated_offer_id", String(32), nullable=True),
    Column("lease_signed_on", Date, nullable=True),
    Column("move_in_date", Date, nullable=True),
    Column("departed_at", DateTime(timezone=True), nullable=True),
    Column("departure_reason", Text, nullable=True),
    *versioned_columns(),
)

household_situation = Table(
    "rm_household_situation",
    metadata,
    Column("household_id", String(32), nullable=False, index=True),
    Column("project_id", String(32), nullable=False, index=True),
    Column("ages", JSON, nullable=False),
    Column("resources_cents", BigInteger, nullable=False),
    Column("apl_cents", BigInteger, nullable=False),
    Column("rent_cents", BigInteger, nullable=False),
    Column("annex_rent_cents", BigInteger, nullable=False),
    Column("charges_cents", BigInteger, nullable=False),
    Column("income_quartile", Integer, nullable=True),
    Column("before", JSON, nullable=False),  # Measure.to_dict() of the situation
    Column("updated_at", DateTime(timezone=True), nullable=False),
    *versioned_columns(),
)

household_identity = Table(
    "rm_household_identity",
    metadata,
    Column("household_id", String(32), primary_key=True),
    Column("project_id", String(32), nullable=False, index=True),
    Column("bailleur_org", String(32), nullable=False),
    Column("officer_org", String(32), nullable=False),
    Column("reference", String(100), nullable=False),
    Column("name", String(300), nullable=False),
    Column("phone", String(100), nullable=False),
    Column("email", String(300), nullable=False),
    Column("address", Text, nullable=False),
    Column("birth_dates", JSON, nullable=False),
    Column("notes", Text, nullable=False),
    Column("constraints", Text, nullable=False),
    Column("extra", JSON, nullable=False),
    Column("updated_position", BigInteger, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # Identities: dropped with their pages wiped (see ProjectionRunner.drop_tables).
    info={"personal": True},
)

proposals = Table(
    "rm_proposals",
    metadata,
    Column("proposal_id", String(32), nullable=False, index=True),
    Column("project_id", String(32), nullable=False, index=True),
    Column("household_id", String(32), nullable=False, index=True),
    Column("household_reference", String(100), nullable=False),
    Column("household_quartier", String(100), nullable=False),
    Column("household_operation", String(100), nullable=False),
    Column("household_bailleur", String(32), nullable=False),
    Column("offer_id", String(32), nullable=False, index=True),
    Column("offer_reference", String(100), nullable=False),
    Column("offer_bailleur", String(32), nullable=False),
    Column("offer_typology", String(4), nullable=False),
    Column("offer_commune", String(200), nullable=False),
    Column("offer_quartier", String(100), nullable=False),
    Column("offer_qpv", Boolean, nullable=False),
    Column("officer_org", String(32), nullable=False),
    Column("rank", Integer, nullable=False),
    Column("max_proposals", Integer, nullable=False),
    Column("last_allowed", Boolean, nullable=False),
    Column("beyond_legal_count", Boolean, nullable=False),
    Column("window_hours", Integer, nullable=False),
    Column("objection_deadline", DateTime(timezone=True), nullable=False),
    Column("made_at", DateTime(timezone=True), nullable=False),
    Column("status", String(30), nullable=False),
    Column("live", Boolean, nullable=False),
    Column("accepted", Boolean, nullable=False),
    Column("accepted_on", Date, nullable=True),
    Column("window_closed", Boolean, nullable=False),
    Column("cleared", Boolean, nullable=True),
    Column("open_objections", Integer, nullable=False),
    Column("objections_count", Integer, nullable=False),
    Column("refusal_motive", String(30), nullable=True),
    Column("refusal_text", Text, nullable=True),
    Column("withdrawal_reason", Text, nullable=True),
    Column("caleol_decision", String(20), nullable=True),
    Column("caleol_on", Date, nullable=True),
    Column("caleol_comment", Text, nullable=True),
    Column("lease_rent_cents", BigInteger, nullable=True),
    Column("lease_annex_rent_cents", BigInteger, nullable=True),
    Column("lease_charges_cents", BigInteger, nullable=True),
    Column("lease_apl_cents", BigInteger, nullable=True),
    Column("lease_signed_on", Date, nullable=True),
    Column("move_in_date", Date, nullable=True),
    Column("indicators", JSON, nullable=False),
    Column("lease_indicators", JSON, nullable=True),
    Column("closed_at", DateTime(timezone=True), nullable=True),
    *versioned_columns(),
)

objections = Table(
    "rm_objections",
    metadata,
    Column("objection_id", String(32), nullable=False, index=True),
    Column("proposal_id", String(32), nullable=False, index=True),
    Column("project_id", String(32), nullable=False, index=True),
    Column("household_id", String(32), nullable=False),
    Column("by_org", String(32), nullable=False),
    Column("by_user", String(200), nullable=False),
    Column("motive", Text, nullable=False),
    Column("status", String(30), nullable=False),
    Column("raised_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True), nullable=True),
    Column("closed_by_org", String(32), nullable=True),
    Column("comment", Text, nullable=True),
    *versioned_columns(),
)

follow_ups = Table(
    "rm_follow_ups",
    metadata,
    Column("follow_up_id", String(50), nullable=False, index=True),
    Column("household_id", String(32), nullable=False, index=True),
    Column("project_id", String(32), nullable=False, index=True),
    Column("measured_on", Date, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("indicators", JSON, nullable=False),
    *versioned_columns(),
)

VERSIONED_TABLES = (
    organisations,
    projects,
    offers,
    households,
    household_situation,
    proposals,
    objections,
    follow_ups,
)
ALL_TABLES = (*VERSIONED_TABLES, household_identity)

KEYS = {
    "rm_organisations": ("org_id",),
    "rm_projects": ("project_id",),
    "rm_offers": ("offer_id",),
    "rm_households": ("household_id",),
    "rm_household_situation": ("household_id",),
    "rm_proposals": ("proposal_id",),
    "rm_objections": ("objection_id",),
    "rm_follow_ups": ("follow_up_id",),
}

# The current version of a row, by key: (key, valid_to). Without it SQLite (no
# statistics) answers "key = ? AND valid_to = FOREVER" through the valid_to index, where
# nearly every row is current: each lookup and each closing UPDATE scanned the table and
# a rebuild of the 6,000-household programme went quadratic (126 events/s).
for _table in VERSIONED_TABLES:
    Index(f"ix_{_table.name}_current", *(_table.c[k] for k in KEYS[_table.name]), _table.c.valid_to)

# The pages' live lists of a project (valid_to = FOREVER), in their order: the dashboard's
# latest leases and its "windows over" count read an index range instead of every row.
Index(
    "ix_rm_proposals_project_status",
    proposals.c.project_id, proposals.c.valid_to, proposals.c.status,
    proposals.c.closed_at, proposals.c.made_at, proposals.c.rank,
)
Index(
    "ix_rm_proposals_project_deadline",
    proposals.c.project_id, proposals.c.valid_to, proposals.c.live, proposals.c.objection_deadline,
)

# The household list: a project's current households by reference (optionally by status).
Index("ix_rm_households_project_reference", households.c.project_id, households.c.valid_to, households.c.reference)
Index(
    "ix_rm_households_project_status",
    households.c.project_id, households.c.valid_to, households.c.status, households.c.reference,
)

# Household statuses (French codes; labels in queries.HOUSEHOLD_STATUS_LABELS).
A_RELOGER, EN_COURS, RELOGE, SORTI = "a_reloger", "proposition_en_cours", "reloge", "sorti"

# Proposal statuses: live ones, then terminal ones (same codes as the aggregate).
LIVE_STATUSES = ("en_cours", "acceptee", "attribuee", "ajournee")
TERMINAL_STATUSES = ("refusee", "retiree", "opposee", "rejetee_caleol", "bail_signe")

# Monthly resources bands shown to partners instead of the exact amount.
RESOURCES_BANDS = (
    (100_000, "moins de 1 000 €"),
    (150_000, "1 000 à 1 499 €"),
    (200_000, "1 500 à 1 999 €"),
    (300_000, "2 000 à 2 999 €"),
    (None, "3 000 € et plus"),
)


def resources_band(resources_cents: int) -> str:
    for upper, label in RESOURCES_BANDS:
        if upper is None or resources_cents < upper:
            return label
    raise AssertionError("unreachable")


_PLAIN = frozenset({str, int, float, bool, type(None)})


def jsonable(value: Any) -> Any:
    """Event values → JSON (Decimal as text, UUID as hex, dates ISO)."""
    # Plain values (most leaves) are returned without a call: a rebuild converts
    # every proposal's indicators, about a million values.
    if type(value) in _PLAIN:
        return value
    if isinstance(value, dict):
        return {
            (k if type(k) is str else str(k)): (v if type(v) in _PLAIN else jsonable(v))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [v if type(v) in _PLAIN else jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, UUID):
        return value.hex
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _hex(value: UUID | None) -> str | None:
    return None if value is None else value.hex


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _before_measure(situation: dict) -> dict:
    dwelling = situation["dwelling"]
    measure = formulas.Measure(
        resources_cents=situation["resources_cents"],
        ages=tuple(situation["ages"]),
        cost=formulas.HousingCost(
            rent_cents=dwelling["rent_cents"],
            annex_rent_cents=dwelling.get("annex_rent_cents", 0),
            charges_cents=dwelling["charges_cents"],
            apl_cents=situation["apl_cents"],
        ),
    )
    return jsonable(measure.to_dict())


def _composition(situation: dict) -> dict:
    ages = list(situation["ages"])
    adults = sum(1 for a in ages if a >= 18)
    dwelling = situation["dwelling"]
    units = formulas.consumption_units(ages)
    return {
        "adults": adults,
        "children": len(ages) - adults,
        "persons": len(ages),
        "consumption_units": str((Decimal(units.numerator) / Decimal(units.denominator)).quantize(Decimal("0.01"))),
        "resources_band": resources_band(situation["resources_cents"]),
        "income_quartile": situation.get("income_quartile"),
        "typology": dwelling["typology"],
        "surface_m2": str(dwelling["surface_m2"]),
        "qpv": bool(dwelling.get("qpv", False)),
        "commune": dwelling.get("commune", ""),
    }


def _situation_row(situation: dict, at: datetime) -> dict:
    dwelling = situation["dwelling"]
    return {
        "ages": list(situation["ages"]),
        "resources_cents": situation["resources_cents"],
        "apl_cents": situation["apl_cents"],
        "rent_cents": dwelling["rent_cents"],
        "annex_rent_cents": dwelling.get("annex_rent_cents", 0),
        "charges_cents": dwelling["charges_cents"],
        "income_quartile": situation.get("income_quartile"),
        "before": _before_measure(situation),
        "updated_at": at,
    }


# Batches smaller than this look their rows up one by one (see OperationalProjector.prefetch).
PREFETCH_MIN_EVENTS = 200


class OperationalProjector:
    """Applies every relocation fact to the operational read models."""

    tables = ALL_TABLES

    def __init__(self) -> None:
        self.writer = BatchWriter(list(VERSIONED_TABLES), KEYS)
        self._handlers = {
            "OrganisationRegistered": self._organisation_registered,
            "ProjectCreated": self._project_created,
            "PartnerJoined": self._partner_joined,
            "ProjectSettingsChanged": self._settings_changed,
            "OperationsAdded": self._operations_added,
            "OfferPublished": self._offer_published,
            "OfferUpdated": self._offer_updated,
            "OfferWithdrawn": self._offer_withdrawn,
            "OfferProposed": self._offer_proposed,
            "OfferReleased": self._offer_released,
            "OfferLet": self._offer_let,
            "HouseholdRegistered": self._household_registered,
            "HouseholdSituationUpdated": self._situation_updated,
            "HouseholdPersonalDataUpdated": self._personal_updated,
            "HouseholdWishesRecorded": self._wishes_recorded,
            "VisitRecorded": self._visit_recorded,
            "ProposalReceived": self._proposal_received,
            "HouseholdRelocated": self._household_relocated,
            "HouseholdDeparted": self._household_departed,
            "FollowUpRecorded": self._follow_up_recorded,
            "HouseholdErased": self._household_erased,
            "ProposalMade": self._proposal_made,
            "ObjectionRaised": self._objection_raised,
            "ObjectionLifted": self._objection_lifted,
            "ObjectionArbitrated": self._objection_arbitrated,
            "ObjectionWindowClosed": self._window_closed,
            "ProposalAccepted": self._proposal_accepted,
            "ProposalRefused": self._proposal_refused,
            "ProposalWithdrawn": self._proposal_withdrawn,
            "CaleolDecided": self._caleol_decided,
            "LeaseSigned": self._lease_signed,
        }

    # -- runner hooks ---------------------------------------------------------
    def begin_batch(self, conn: Connection) -> None:
        self.writer.begin()

    def forget(self) -> None:
        self.writer.forget()

    def start_empty(self) -> None:
        self.writer.start_empty()

    def end_batch(self, conn: Connection) -> None:
        self.writer.flush(conn)

    def prefetch(self, conn: Connection, domain_events: list[Any]) -> None:
        """Before a large batch: the current rows of every id its events name, at once."""
        if len(domain_events) < PREFETCH_MIN_EVENTS or not self.writer.cold:
            # A few events after a command: a lookup or two is cheaper. A rebuild whose
            # rows all fit in the cache: every lookup is answered from memory.
            return
        ids = {
            value.hex
            for e in domain_events
            for value in vars(e).values()
            if isinstance(value, UUID)
        }
        self.writer.prefetch(conn, ids)

    def apply(self, conn: Connection, position: int, domain_event: Any) -> None:
        handler = self._handlers.get(type(domain_event).__name__)
        if handler is not None:
            self._conn, self._pos = conn, position
            handler(domain_event)

    # -- helpers --------------------------------------------------------------
    def _get(self, table: str, ident: UUID | str) -> dict | None:
        value = ident.hex if isinstance(ident, UUID) else ident
        return self.writer.get(self._conn, table, {KEYS[table][0]: value})

    def _put(self, table: str, ident: UUID | str, values: dict) -> dict:
        value = ident.hex if isinstance(ident, UUID) else ident
        return self.writer.put(self._conn, table, {KEYS[table][0]: value}, values, self._pos)

    # -- organisations and projects -----------------------------------------
    def _organisation_registered(self, e: Any) -> None:
        self._put("rm_organisations", e.originator_id, {"name": e.name, "kind": e.kind, "code": e.code})

    def _project_created(self, e: Any) -> None:
        self._put(
            "rm_projects",
            e.originator_id,
            {
                "name": e.name,
                "code": e.code,
                "pilot_org": e.pilot_org.hex,
                "quartiers": jsonable(e.quartiers),
                "operations": jsonable(e.operations),
                "settings": jsonable(e.settings),
                "partners": [{"org_id": e.pilot_org.hex, "role": "pilote"}],
                "created_at": _utc(e.timestamp),
            },
        )

    def _partner_joined(self, e: Any) -> None:
        project = self._get("rm_projects", e.originator_id)
        assert project is not None
        partners = [*project["partners"], {"org_id": e.org_id.hex, "role": e.role}]
        self._put("rm_projects", e.originator_id, {"partners": partners})

    def _operations_added(self, e: Any) -> None:
        project = self._get("rm_projects", e.originator_id)
        assert project is not None
        self._put("rm_projects", e.originator_id, {
            "quartiers": [*project["quartiers"], *jsonable(e.quartiers)],
            "operations": [*project["operations"], *jsonable(e.operations)],
        })

    def _settings_changed(self, e: Any) -> None:
        self._put("rm_projects", e.originator_id, {"settings": jsonable(e.settings)})

    # -- offers -------------------------------------------------------------
    @staticmethod
    def _dwelling(d: dict) -> dict:
        return {
            "typology": d["typology"],
            "surface_m2": str(d["surface_m2"]),
            "rent_cents": d["rent_cents"],
            "charges_cents": d["charges_cents"],
            "annex_rent_cents": d.get("annex_rent_cents", 0),
            "quartier": d.get("quartier", ""),
            "qpv": bool(d.get("qpv", False)),
            "commune": d.get("commune", ""),
            "address": d.get("address", ""),
            "financing": d.get("financing", "PLUS"),
            "construction_year": int(d.get("construction_year", 1970)),
            "individual": bool(d.get("individual", False)),
            "floor": int(d.get("floor", 0)),
            "lift": bool(d.get("lift", False)),
            "accessible": bool(d.get("accessible", False)),
        }

    def _offer_published(self, e: Any) -> None:
        self._put(
            "rm_offers",
            e.originator_id,
            {
                "project_id": e.project_id.hex,
                "bailleur_org": e.bailleur_org.hex,
                "reference": e.reference,
                "reservataire": e.reservataire,
                **self._dwelling(e.dwelling),
                "status": "publiee",
                "live_proposal_id": None,
                "household_id": None,
                "published_at": _utc(e.timestamp),
                "updated_at": _utc(e.timestamp),
                "withdrawn_reason": None,
                "proposals_count": 0,
                "available_until": e.available_until,
            },
        )

    def _offer_updated(self, e: Any) -> None:
        self._put(
            "rm_offers",
            e.originator_id,
            {
                **self._dwelling(e.dwelling), "reservataire": e.reservataire, "updated_at": _utc(e.timestamp),
                "available_until": e.available_until,
            },
        )

    def _offer_withdrawn(self, e: Any) -> None:
        self._put(
            "rm_offers",
            e.originator_id,
            {"status": "retiree", "withdrawn_reason": e.reason, "updated_at": _utc(e.timestamp)},
        )

    def _offer_proposed(self, e: Any) -> None:
        offer = self._get("rm_offers", e.originator_id)
        assert offer is not None
        self._put(
            "rm_offers",
            e.originator_id,
            {
                "status": "proposee",
                "live_proposal_id": e.proposal_id.hex,
                "household_id": e.household_id.hex,
                "proposals_count": offer["proposals_count"] + 1,
                "updated_at": _utc(e.timestamp),
            },
        )

    def _offer_released(self, e: Any) -> None:
        self._put(
            "rm_offers",
            e.originator_id,
            {
                "status": "publiee",
                "live_proposal_id": None,
                "household_id": None,
                "updated_at": _utc(e.timestamp),
            },
        )

    def _offer_let(self, e: Any) -> None:
        self._put(
            "rm_offers",
            e.originator_id,
            {
                "status": "louee",
                "live_proposal_id": None,
                "household_id": e.household_id.hex,
                "updated_at": _utc(e.timestamp),
            },
        )

    # -- households ---------------------------------------------------------
    def _household_registered(self, e: Any) -> None:
        project = self._get("rm_projects", e.project_id)
        max_proposals = int((project or {}).get("settings", {}).get("max_proposals", 3))
        at = _utc(e.timestamp)
        self._put(
            "rm_households",
            e.originator_id,
            {
                "project_id": e.project_id.hex,
                "reference": e.reference,
                "operation": e.operation,
                "quartier": e.quartier,
                "bailleur_org": e.bailleur_org.hex,
                "officer_org": e.officer_org.hex,
                **_composition(e.situation),
                "wishes": jsonable(e.wishes),
                "right_to_return": bool(e.wishes.get("right_to_return", False)),
                "status": A_RELOGER,
                "proposals_count": 0,
                "live_proposals": 0,
                "refusals_count": 0,
                "visits_count": 0,
                "follow_ups_count": 0,
                "max_proposals": max_proposals,
                "last_allowed": False,
                "registered_at": at,
                "registered_on": at.astimezone(PARIS).date(),
            },
        )
        self._put(
            "rm_household_situation",
            e.originator_id,
            {"project_id": e.project_id.hex, **_situation_row(e.situation, at)},
        )
        self._write_identity(
            e.originator_id,
            e.personal,
            at,
            project_id=e.project_id.hex,
            bailleur_org=e.bailleur_org.hex,
            officer_org=e.officer_org.hex,
            reference=e.reference,
        )

    def _write_identity(self, household_id: UUID, personal: dict, at: datetime, **meta: Any) -> None:
        if personal.get("erased"):
            # Key destroyed (crypto-shredding): a rebuild must not resurrect a placeholder.
            t = household_identity
            self._conn.execute(t.delete().where(t.c.household_id == household_id.hex))
            return
        values = {
            "name": personal.get("name", ""),
            "phone": personal.get("phone", ""),
            "email": personal.get("email", ""),
            "address": personal.get("address", ""),
            "birth_dates": jsonable(personal.get("birth_dates", [])),
            "notes": personal.get("notes", ""),
            "constraints": personal.get("constraints", ""),
            "extra": jsonable(personal.get("extra", {})),
            "updated_position": self._pos,
            "updated_at": at,
        }
        t = household_identity
        if meta:
            self._conn.execute(t.insert(), {"household_id": household_id.hex, **meta, **values})
        else:
            self._conn.execute(
                t.update().where(t.c.household_id == household_id.hex).values(**values)
            )

    def _situation_updated(self, e: Any) -> None:
        at = _utc(e.timestamp)
        self._put("rm_households", e.originator_id, _composition(e.situation))
        self._put("rm_household_situation", e.originator_id, _situation_row(e.situation, at))

    def _personal_updated(self, e: Any) -> None:
        self._write_identity(e.originator_id, e.personal, _utc(e.timestamp))

    def _household_erased(self, e: Any) -> None:
        # Erasure (RGPD): the read model forgets the identity; the fact stays in the journal.
        t = household_identity
        self._conn.execute(t.delete().where(t.c.household_id == e.originator_id.hex))

    def _wishes_recorded(self, e: Any) -> None:
        self._put(
            "rm_households",
            e.originator_id,
            {"wishes": jsonable(e.wishes), "right_to_return": bool(e.wishes.get("right_to_return", False))},
        )

    def _visit_recorded(self, e: Any) -> None:
        household = self._get("rm_households", e.originator_id)
        assert household is not None
        self._put("rm_households", e.originator_id, {"visits_count": household["visits_count"] + 1})

    def _proposal_received(self, e: Any) -> None:
        household = self._get("rm_households", e.originator_id)
        assert household is not None
        self._put(
            "rm_households",
            e.originator_id,
            {
                "proposals_count": e.rank,
                "last_allowed": e.rank >= household["max_proposals"],
            },
        )

    def _household_relocated(self, e: Any) -> None:
        self._put(
            "rm_households",
            e.originator_id,
            {
                "status": RELOGE,
                "relocated_at": _utc(e.timestamp),
                "relocated_proposal_id": e.proposal_id.hex,
                "relocated_offer_id": e.offer_id.hex,
                "move_in_date": e.move_in_date,
            },
        )

    def _household_departed(self, e: Any) -> None:
        self._put(
            "rm_households",
            e.originator_id,
            {"status": SORTI, "departed_at": _utc(e.timestamp), "departure_reason": e.reason},
        )

    def _follow_up_recorded(self, e: Any) -> None:
        household = self._get("rm_households", e.originator_id)
        assert household is not None
        self._put(
            "rm_households", e.originator_id, {"follow_ups_count": household["follow_ups_count"] + 1}
        )
        self._put(
            "rm_follow_ups",
            f"{e.originator_id.hex}:{e.originator_version}",
            {
                "household_id": e.originator_id.hex,
                "project_id": household["project_id"],
                "measured_on": e.measured_on,
                "recorded_at": _utc(e.timestamp),
                "indicators": jsonable(e.indicators),
            },
        )

    def _set_live_count(self, household_id: str, delta: int) -> None:
        household = self._get("rm_households", household_id)
        assert household is not None
        live = household["live_proposals"] + delta
        values: dict[str, Any] = {"live_proposals": live}
        if household["status"] in (A_RELOGER, EN_COURS):
            values["status"] = EN_COURS if live > 0 else A_RELOGER
        self._put("rm_households", household_id, values)

    # -- proposals ----------------------------------------------------------
    def _proposal_made(self, e: Any) -> None:
        household = self._get("rm_households", e.household_id)
        offer = self._get("rm_offers", e.offer_id)
        assert household is not None and offer is not None
        self._put(
            "rm_proposals",
            e.originator_id,
            {
                "project_id": e.project_id.hex,
                "household_id": e.household_id.hex,
                "household_reference": e.household_reference,
                "household_quartier": household["quartier"],
                "household_operation": household["operation"],
                "household_bailleur": e.household_bailleur.hex,
                "offer_id": e.offer_id.hex,
                "offer_reference": offer["reference"],
                "offer_bailleur": e.offer_bailleur.hex,
                "offer_typology": offer["typology"],
                "offer_commune": offer["commune"],
                "offer_quartier": offer["quartier"],
                "offer_qpv": offer["qpv"],
                "officer_org": e.officer_org.hex,
                "rank": e.rank,
                "max_proposals": e.max_proposals,
                "last_allowed": e.rank == e.max_proposals,
                "beyond_legal_count": e.rank > e.max_proposals,
                "window_hours": e.window_hours,
                "objection_deadline": _utc(e.objection_deadline),
                "made_at": _utc(e.timestamp),
                "status": "en_cours",
                "live": True,
                "accepted": False,
                "window_closed": False,
                "cleared": None,
                "open_objections": 0,
                "objections_count": 0,
                "indicators": jsonable(e.indicators),
            },
        )
        self._put("rm_households", e.household_id, {"max_proposals": e.max_proposals})
        self._set_live_count(e.household_id.hex, +1)

    def _close_proposal(self, e: Any, status: str, values: dict) -> None:
        proposal = self._get("rm_proposals", e.originator_id)
        assert proposal is not None
        was_live = proposal["live"]
        self._put(
            "rm_proposals",
            e.originator_id,
            {**values, "status": status, "live": False, "closed_at": _utc(e.timestamp)},
        )
        if was_live:
            self._set_live_count(proposal["household_id"], -1)

    def _objection_raised(self, e: Any) -> None:
        proposal = self._get("rm_proposals", e.originator_id)
        assert proposal is not None
        self._put(
            "rm_objections",
            e.objection_id,
            {
                "proposal_id": e.originator_id.hex,
                "project_id": proposal["project_id"],
                "household_id": proposal["household_id"],
                "by_org": e.by_org.hex,
                "by_user": e.by_user,
                "motive": e.motive,
                "status": "ouverte",
                "raised_at": _utc(e.timestamp),
            },
        )
        self._put(
            "rm_proposals",
            e.originator_id,
            {
                "open_objections": proposal["open_objections"] + 1,
                "objections_count": proposal["objections_count"] + 1,
            },
        )

    def _end_objection(self, e: Any, status: str) -> dict:
        self._put(
            "rm_objections",
            e.objection_id,
            {
                "status": status,
                "closed_at": _utc(e.timestamp),
                "closed_by_org": e.by_org.hex,
                "comment": e.comment,
            },
        )
        proposal = self._get("rm_proposals", e.originator_id)
        assert proposal is not None
        return self._put(
            "rm_proposals", e.originator_id, {"open_objections": proposal["open_objections"] - 1}
        )

    def _objection_lifted(self, e: Any) -> None:
        self._end_objection(e, "levee")

    def _objection_arbitrated(self, e: Any) -> None:
        if e.decision == "maintenue":
            self._end_objection(e, "maintenue")
            self._close_proposal(e, "opposee", {})
        else:
            self._end_objection(e, "levee_arbitrage")

    def _window_closed(self, e: Any) -> None:
        self._put("rm_proposals", e.originator_id, {"window_closed": True, "cleared": e.cleared})

    def _proposal_accepted(self, e: Any) -> None:
        self._put(
            "rm_proposals",
            e.originator_id,
            {"accepted": True, "accepted_on": e.accepted_on, "status": "acceptee"},
        )

    def _proposal_refused(self, e: Any) -> None:
        proposal = self._get("rm_proposals", e.originator_id)
        assert proposal is not None
        self._close_proposal(
            e, "refusee", {"refusal_motive": e.motive_code, "refusal_text": e.motive_text}
        )
        household = self._get("rm_households", proposal["household_id"])
        assert household is not None
        self._put(
            "rm_households",
            proposal["household_id"],
            {"refusals_count": household["refusals_count"] + 1},
        )

    def _proposal_withdrawn(self, e: Any) -> None:
        self._close_proposal(e, "retiree", {"withdrawal_reason": e.reason})

    def _caleol_decided(self, e: Any) -> None:
        values = {"caleol_decision": e.decision, "caleol_on": e.decided_on, "caleol_comment": e.comment}
        if e.decision == "refus":
            self._close_proposal(e, "rejetee_caleol", values)
        else:
            status = "attribuee" if e.decision == "attribution" else "ajournee"
            self._put("rm_proposals", e.originator_id, {**values, "status": status})

    def _lease_signed(self, e: Any) -> None:
        proposal = self._get("rm_proposals", e.originator_id)
        assert proposal is not None
        self._close_proposal(
            e,
            "bail_signe",
            {
                "lease_rent_cents": e.rent_cents,
                "lease_annex_rent_cents": e.annex_rent_cents,
                "lease_charges_cents": e.charges_cents,
                "lease_apl_cents": e.apl_cents,
                "lease_signed_on": e.signed_on,
                "move_in_date": e.move_in_date,
                "lease_indicators": jsonable(e.indicators),
            },
        )
        self._put("rm_households", proposal["household_id"], {"lease_signed_on": e.signed_on})
