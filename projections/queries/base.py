"""Read-model queries for the web layer and the reports: plain functions, plain dicts.

Every function takes ``db`` (a SQLAlchemy ``Engine`` or an open ``Connection``;
``runner.engine`` of :func:`relogement.projections.build_runner` is the usual
one) and returns dicts / lists of dicts. Functions over versioned tables take
``position``: ``None`` means the current state; an integer N gives the state
as of notification position N (what the live projection showed right after
event N). To go from an instant to a position, use :func:`position_at`.

Conventions of the returned dicts:
- ids are UUID hex strings (32 characters, no dashes): ``UUID(hex=...)``;
- amounts are integer cents (``*_cents``); indicator figures are decimal strings
  as stored in the events (``"17.5000"``) inside the ``indicators`` JSON;
- instants are timezone-aware UTC ``datetime``; calendar dates are ``date``;
- ``valid_from`` / ``valid_to`` are the positions between which the row held.

Privacy (see ../shared/domain.md, "Personal data"): :func:`list_households`
and :func:`get_household_public` never return identity or exact resources;
:func:`get_household_situation` (exact amounts) and
:func:`get_household_identity` (name, contacts, notes) are for the household's
officers only: the caller (web policy) must check who asks before calling them.

Status codes and their French labels: ``HOUSEHOLD_STATUS_LABELS``,
``OFFER_STATUS_LABELS``, ``PROPOSAL_STATUS_LABELS``, ``OBJECTION_STATUS_LABELS``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Engine, Table, func, select
from sqlalchemy.engine import Connection

from relogement.platform.values import REFUSAL_MOTIVES
from relogement.projections.machinery import as_of, journal
from relogement.projections.read_models import (
    follow_ups,
    household_identity,
    household_situation,
    households,
    objections,
    offers,
    organisations,
    projects,
    proposals,
)

Db = Engine | Connection

# One list of refusal motives for the whole platform (codes stored in ProposalRefused).
REFUSAL_LABELS = dict(REFUSAL_MOTIVES)

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

# Partner-facing household columns: everything of rm_households (which holds no
# identity and only a band of resources).
PUBLIC_HOUSEHOLD_COLUMNS = tuple(households.c.keys())


@contextmanager
def connect(db: Db) -> Iterator[Connection]:
    """Use an open connection as is, or open one on an engine."""
    if isinstance(db, Connection):
        yield db
    else:
        with db.connect() as conn:
            yield conn


def _hex(value: UUID | str | None) -> str | None:
    if value is None:
        return None
    return value.hex if isinstance(value, UUID) else UUID(str(value)).hex


def utc(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; everything stored is UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _row(row: Any) -> dict[str, Any]:
    out = dict(row)
    for key, value in out.items():
        if isinstance(value, datetime):
            out[key] = utc(value)
    return out


def _rows(conn: Connection, query: Any) -> list[dict[str, Any]]:
    return [_row(r) for r in conn.execute(query).mappings()]


def _select(table: Table, position: int | None, *where: Any, columns: Any = None):
    query = select(*(columns or [table])).where(as_of(table, position), *where)
    return query


# -- positions and instants ---------------------------------------------------


def position_at(db: Db, instant: datetime) -> int:
    """The last position recorded at or before ``instant`` (0 if none)."""
    if instant.tzinfo is None:
        raise ValueError("instant must be timezone-aware")
    with connect(db) as conn:
        value = conn.execute(
            select(func.max(journal.c.position)).where(journal.c.timestamp <= instant.astimezone(UTC))
        ).scalar()
    return int(value or 0)


def current_position(db: Db) -> int:
    """The last position applied to the read models."""
    with connect(db) as conn:
        return int(conn.execute(select(func.max(journal.c.position))).scalar() or 0)


def instant_of(db: Db, position: int) -> datetime | None:
    """When the event at ``position`` was recorded (UTC)."""
    with connect(db) as conn:
        value = conn.execute(select(journal.c.timestamp).where(journal.c.position == position)).scalar()
    return utc(value)


# -- organisations and projects ---------------------------------------------------


def list_organisations(db: Db, *, kind: str | None = None, position: int | None = None) -> list[dict]:
    where = [] if kind is None else [organisations.c.kind == kind]
    with connect(db) as conn:
        rows = _rows(conn, _select(organisations, position, *where).order_by(organisations.c.name))
    return rows


def organisation_names(db: Db, position: int | None = None) -> dict[str, str]:
    """org id (hex) → name."""
    return {o["org_id"]: o["name"] for o in list_organisations(db, position=position)}


def get_organisation(db: Db, org_id: UUID | str, position: int | None = None) -> dict | None:
    with connect(db) as conn:
        rows = _rows(conn, _select(organisations, position, organisations.c.org_id == _hex(org_id)))
    return rows[0] if rows else None


def list_projects(db: Db, position: int | None = None) -> list[dict]:
    with connect(db) as conn:
        return _rows(conn, _select(projects, position).order_by(projects.c.name))


def get_project(db: Db, project_id: UUID | str, position: int | None = None) -> dict | None:
    with connect(db) as conn:
        rows = _rows(conn, _select(projects, position, projects.c.project_id == _hex(project_id)))
    return rows[0] if rows else None


# -- offers ---------------------------------------------------------------------


def list_offers(
    db: Db,
    project_id: UUID | str | None = None,
    *,
    status: str | list[str] | None = None,
    bailleur: UUID | str | None = None,
    typology: str | list[str] | None = None,
    commune: str | None = None,
    qpv: bool | None = None,
    individual: bool | None = None,
    max_rent_cents: int | None = None,
    position: int | None = None,
) -> list[dict]:
    """Offers with every dwelling field, status, live proposal and household id.

    Sorted by publication instant (oldest first), then reference.
    """
    c = offers.c
    where: list[Any] = []
    if project_id is not None:
        where.append(c.project_id == _hex(project_id))
    if status is not None:
        where.append(c.status.in_([status] if isinstance(status, str) else status))
    if bailleur is not None:
        where.append(c.bailleur_org == _hex(bailleur))
    if typology is not None:
        where.append(c.typology.in_([typology] if isinstance(typology, str) else typology))
    if commune is not None:
        where.append(c.commune == commune)
    if qpv is not None:
        where.append(c.qpv == qpv)
    if individual is not None:
        where.append(c.individual == individual)
    if max_rent_cents is not None:
        where.append(c.rent_cents <= max_rent_cents)
    with connect(db) as conn:
        rows = _rows(conn, _select(offers, position, *where).order_by(c.published_at, c.reference))
    for row in rows:
        row["status_label"] = OFFER_STATUS_LABELS[row["status"]]
    return rows


def get_offer(db: Db, offer_id: UUID | str, position: int | None = None) -> dict | None:
    with connect(db) as conn:
        rows = _rows(conn, _select(offers, position, offers.c.offer_id == _hex(offer_id)))
    if not rows:
        return None
    rows[0]["status_label"] = OFFER_STATUS_LABELS[rows[0]["status"]]
    return rows[0]


# -- households -------------------------------------------------------------------


def list_households(
    db: Db,
    project_id: UUID | str | None = None,
    *,
    quartier: str | None = None,
    operation: str | None = None,
    bailleur: UUID | str | None = None,
    officer_org: UUID | str | None = None,
    status: str | list[str] | None = None,
    last_allowed: bool | None = None,
    position: int | None = None,
) -> list[dict]:
    """Pseudonymised households (no identity, resources as a band), by reference."""
    c = households.c
    where: list[Any] = []
    if project_id is not None:
        where.append(c.project_id == _hex(project_id))
    if quartier is not None:
        where.append(c.quartier == quartier)
    if operation is not None:
        where.append(c.operation == operation)
    if bailleur is not None:
        where.append(c.bailleur_org == _hex(bailleur))
    if officer_org is not None:
        where.append(c.officer_org == _hex(officer_org))
    if status is not None:
        where.append(c.status.in_([status] if isinstance(status, str) else status))
    if last_allowed is not None:
        where.append(c.last_allowed == last_allowed)
    with connect(db) as conn:
        rows = _rows(conn, _select(households, position, *where).order_by(c.reference))
    for row in rows:
        row["status_label"] = HOUSEHOLD_STATUS_LABELS[row["status"]]
    return rows


def get_household_public(db: Db, household_id: UUID | str, position: int | None = None) -> dict | None:
    with connect(db) as conn:
        rows = _rows(conn, _select(households, position, households.c.household_id == _hex(household_id)))
    if not rows:
        return None
    rows[0]["status_label"] = HOUSEHOLD_STATUS_LABELS[rows[0]["status"]]
    return rows[0]


def get_household_situation(
    db: Db, household_id: UUID | str, position: int | None = None
) -> dict | None:
    """RESTRICTED: exact ages, resources, APL, rent, charges and "before" indicators."""
    with connect(db) as conn:
        rows = _rows(
            conn,
            _select(household_situation, position, household_situation.c.household_id == _hex(household_id)),
        )
    return rows[0] if rows else None


def get_household_identity(db: Db, household_id: UUID | str) -> dict | None:
    """RESTRICTED: name, contacts, birth dates, notes, constraints (current only).

    Only the staff who follow the household (its bailleur or officer org, both
    returned here so the caller can check) may see this.
    """
    with connect(db) as conn:
        rows = _rows(
            conn, select(household_identity).where(household_identity.c.household_id == _hex(household_id))
        )
    return rows[0] if rows else None


# -- proposals and objections ---------------------------------------------------------


def _label_proposal(row: dict) -> dict:
    row["status_label"] = PROPOSAL_STATUS_LABELS[row["status"]]
    return row


def list_proposals(
    db: Db,
    project_id: UUID | str | None = None,
    *,
    household_id: UUID | str | None = None,
    offer_id: UUID | str | None = None,
    status: str | list[str] | None = None,
    live: bool | None = None,
    bailleur: UUID | str | None = None,
    officer_org: UUID | str | None = None,
    position: int | None = None,
) -> list[dict]:
    """Proposals, newest first. ``bailleur`` matches the household's or the offer's bailleur."""
    c = proposals.c
    where: list[Any] = []
    if project_id is not None:
        where.append(c.project_id == _hex(project_id))
    if household_id is not None:
        where.append(c.household_id == _hex(household_id))
    if offer_id is not None:
        where.append(c.offer_id == _hex(offer_id))
    if status is not None:
        where.append(c.status.in_([status] if isinstance(status, str) else status))
    if live is not None:
        where.append(c.live == live)
    if bailleur is not None:
        b = _hex(bailleur)
        where.append((c.household_bailleur == b) | (c.offer_bailleur == b))
    if officer_org is not None:
        where.append(c.officer_org == _hex(officer_org))
    with connect(db) as conn:
        rows = _rows(conn, _select(proposals, position, *where).order_by(c.made_at.desc(), c.rank.desc()))
    return [_label_proposal(r) for r in rows]


def list_follow_ups(db: Db, household_id: UUID | str, position: int | None = None) -> list[dict]:
    """A household's follow-up measures after relocation, oldest first (indicators as stored)."""
    c = follow_ups.c
    with connect(db) as conn:
        rows = _rows(conn, _select(follow_ups, position, c.household_id == _hex(household_id)))
    return sorted(rows, key=lambda r: (r["measured_on"], r["valid_from"]))


def get_proposal(db: Db, proposal_id: UUID | str, position: int | None = None) -> dict | None:
    """One proposal with its ``objections`` (list, oldest first)."""
    with connect(db) as conn:
        rows = _rows(conn, _select(proposals, position, proposals.c.proposal_id == _hex(proposal_id)))
        if not rows:
            return None
        row = _label_proposal(rows[0])
        row["objections"] = list_objections(conn, proposal_id=proposal_id, position=position)
    return row


def window_state(proposal: dict, at: datetime) -> str:
    """Objection window at ``at``: "ouvert" (deadline not reached), "bloque" (an
    objection is open), "opposee" (objection upheld) or "valide" (cleared)."""
    if proposal["status"] == "opposee":
        return "opposee"
    if at.astimezone(UTC) < utc(proposal["objection_deadline"]):  # type: ignore[operator]
        return "ouvert"
    return "bloque" if proposal["open_objections"] else "valide"


def list_objections(
    db: Db,
    *,
    proposal_id: UUID | str | None = None,
    project_id: UUID | str | None = None,
    status: str | None = None,
    position: int | None = None,
) -> list[dict]:
    c = objections.c
    where: list[Any] = []
    if proposal_id is not None:
        where.append(c.proposal_id == _hex(proposal_id))
    if project_id is not None:
        where.append(c.project_id == _hex(project_id))
    if status is not None:
        where.append(c.status == status)
    with connect(db) as conn:
        rows = _rows(conn, _select(objections, position, *where).order_by(c.raised_at, c.objection_id))
    for row in rows:
        row["status_label"] = OBJECTION_STATUS_LABELS[row["status"]]
    return rows


# -- timeline -----------------------------------------------------------------------

EVENT_LABELS = {
    "OrganisationRegistered": "Organisation inscrite",
    "ProjectCreated": "Projet créé",
    "PartnerJoined": "Partenaire ajouté",
    "ProjectSettingsChanged": "Paramètres du projet modifiés",
    "OperationsAdded": "Opérations ajoutées au projet",
    "OfferPublished": "Offre publiée",
    "OfferUpdated": "Offre modifiée",
    "OfferWithdrawn": "Offre retirée",
    "OfferProposed": "Offre proposée à un ménage",
    "OfferReleased": "Offre de nouveau disponible",
    "OfferLet": "Logement loué",
    "HouseholdRegistered": "Ménage inscrit au relogement",
    "HouseholdSituationUpdated": "Situation du ménage mise à jour",
    "HouseholdPersonalDataUpdated": "Données personnelles mises à jour",
    "HouseholdWishesRecorded": "Souhaits du ménage enregistrés",
    "VisitRecorded": "Visite enregistrée",
    "ProposalReceived": "Proposition reçue par le ménage",
    "HouseholdRelocated": "Ménage relogé",
    "HouseholdDeparted": "Ménage sorti du dispositif",
    "FollowUpRecorded": "Suivi après relogement",
    "HouseholdErased": "Données personnelles effacées",
    "ProposalMade": "Proposition faite",
    "ObjectionRaised": "Opposition formulée",
    "ObjectionLifted": "Opposition levée",
    "ObjectionArbitrated": "Opposition arbitrée",
    "ObjectionWindowClosed": "Délai d'opposition clos",
    "ProposalAccepted": "Proposition acceptée par le ménage",
    "ProposalRefused": "Proposition refusée par le ménage",
    "ProposalWithdrawn": "Proposition retirée",
    "CaleolDecided": "Décision de la CALEOL",
    "LeaseSigned": "Bail signé",
}

# Fields never shown in a timeline (identity, or bulky records shown elsewhere).
_HIDDEN_FIELDS = {
    "personal", "situation", "wishes", "dwelling", "indicators", "quartiers", "operations",
    "settings", "originator_id", "originator_topic", "originator_version", "timestamp", "by_user", "by_org",
}


def timeline(
    db: Db, aggregate_id: UUID | str, position: int | None = None, app: Any = None
) -> list[dict]:
    """The facts of one aggregate (household, offer, proposal...), oldest first.

    Each item: position, timestamp, event (class name), label (French), by_user,
    by_org, by_org_name. With ``app`` (the RelocationApp), also ``details``: the
    event's simple fields, never identity nor free-text personal data.
    """
    ident = _hex(aggregate_id)
    query = select(journal).where(journal.c.originator_id == ident)
    if position is not None:
        query = query.where(journal.c.position <= position)
    with connect(db) as conn:
        rows = _rows(conn, query.order_by(journal.c.position))
        names = {o["org_id"]: o["name"] for o in _rows(conn, _select(organisations, position))}
    events: dict[int, Any] = {}
    if app is not None and rows:
        last = rows[-1]["originator_version"]
        for e in app.events.get(UUID(hex=ident), lte=last):
            events[e.originator_version] = e
    out = []
    for row in rows:
        name = row["topic"].rsplit(".", 1)[-1]
        item = {
            "position": row["position"],
            "timestamp": row["timestamp"],
            "event": name,
            "label": EVENT_LABELS.get(name, name),
            "by_user": row["by_user"],
            "by_org": row["by_org"],
            "by_org_name": names.get(row["by_org"] or "", ""),
            "originator_version": row["originator_version"],
        }
        e = events.get(row["originator_version"])
        if e is not None:
            item["details"] = {
                k: (v.hex if isinstance(v, UUID) else v)
                for k, v in vars(e).items()
                if k not in _HIDDEN_FIELDS and not k.startswith("_")
            }
        out.append(item)
    return out
