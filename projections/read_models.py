"""Operational read models: offers, households, proposals, objections, follow-ups.

Built from events only, by
:class:`relogement.projections.operational.OperationalProjector` (fed by
:class:`relogement.projections.runner.ProjectionRunner`; see
:func:`relogement.projections.build_runner`); this module holds the tables. Every table except
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
- ``rm_considered_offers``: one row per offer a household was considered for
  (proposed, visited, set aside with a motive).

Indicators are never recomputed here, except the "before" figures of a
household that has no proposal yet (``rm_household_situation``), computed with
the same pure formulas of :mod:`relogement.platform.indicators`.
"""

from __future__ import annotations

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

from relogement.projections.machinery import metadata, versioned_columns

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
    # Energy (optional, issue 21): DPE label, heating mode, DPE cost range (euros a year).
    Column("dpe_label", String(1), nullable=True),
    Column("heating", String(30), nullable=True),
    Column("energy_cost_min_euros", Integer, nullable=True),
    Column("energy_cost_max_euros", Integer, nullable=True),
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
    # Distinct offers looked at for the household: proposed, visited or set aside.
    Column("offers_considered", Integer, nullable=False, default=0),
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
    # "Mes ménages": the officer (login) who follows the household, and their organisation.
    Column("assigned_officer", String(80), nullable=True),
    Column("assigned_officer_org", String(32), nullable=True),
    # When the household last received a proposal (the work list's "blocked" households).
    Column("last_proposal_at", DateTime(timezone=True), nullable=True),
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
    # The new dwelling's aid as ProposalMade (v3) recorded it: both figures and the one used.
    Column("aid", JSON, nullable=True),
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

# One row per (household, offer) the household was considered for: proposed, visited
# or set aside ("écartée", OfferSetAside, with its motive code).
considered_offers = Table(
    "rm_considered_offers",
    metadata,
    Column("consideration_id", String(65), nullable=False, index=True),  # household:offer
    Column("household_id", String(32), nullable=False, index=True),
    Column("project_id", String(32), nullable=False, index=True),
    Column("offer_id", String(32), nullable=False, index=True),
    Column("proposed", Boolean, nullable=False),
    Column("visited", Boolean, nullable=False),
    Column("set_aside", Boolean, nullable=False),
    Column("motive", String(30), nullable=True),
    Column("set_aside_at", DateTime(timezone=True), nullable=True),
    Column("set_aside_by_org", String(32), nullable=True),
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
    considered_offers,
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
    "rm_considered_offers": ("consideration_id",),
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

# The work list ("À traiter"): an organisation's followed households by status, and the
# live proposals of an officer organisation / of an offer's bailleur.
Index(
    "ix_rm_households_officer_status",
    households.c.officer_org, households.c.valid_to, households.c.status,
)
Index(
    "ix_rm_households_bailleur_status",
    households.c.bailleur_org, households.c.valid_to, households.c.status,
)
Index("ix_rm_proposals_officer_live", proposals.c.officer_org, proposals.c.valid_to, proposals.c.live)
Index("ix_rm_proposals_offer_bailleur_live", proposals.c.offer_bailleur, proposals.c.valid_to, proposals.c.live)
Index("ix_rm_offers_bailleur_until", offers.c.bailleur_org, offers.c.valid_to, offers.c.available_until)
Index("ix_rm_objections_project_status", objections.c.project_id, objections.c.valid_to, objections.c.status)

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
