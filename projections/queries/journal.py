"""The event journal: timelines, erasures and what admin pages read of the history.

``journal`` (machinery) holds one row per recorded event: position, instant, author,
topic; never a payload. Erasures are found by topic (``ERASED_TOPIC``).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import select

from relogement.projections.machinery import as_of, journal
from relogement.projections.queries.base import Db, _hex, _rows, _select, connect
from relogement.projections.read_models import households, organisations

ERASED_TOPIC = "relogement.platform.household:Household.HouseholdErased"

EVENT_LABELS = {
    "OrganisationRegistered": "Organisation inscrite",
    "ProjectCreated": "Projet créé",
    "PartnerJoined": "Partenaire ajouté",
    "ProjectSettingsChanged": "Paramètres du projet modifiés",
    "OperationsAdded": "Opérations ajoutées au projet",
    "ResidenceRegistered": "Résidence enregistrée",
    "OccupancySurveyRecorded": "Enquête d'occupation importée",
    "ResidenceNoteWritten": "Note de la résidence",
    "ResidenceObjectivesSet": "Objectifs de la résidence fixés",
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
    "OfferSetAside": "Offre écartée pour le ménage",
    "ProposalReceived": "Proposition reçue par le ménage",
    "HouseholdRelocated": "Ménage relogé",
    "HouseholdDeparted": "Ménage sorti du dispositif",
    "FollowUpRecorded": "Suivi après relogement",
    "HouseholdErased": "Données personnelles effacées",
    "OfficerAssigned": "Chargé(e) du ménage désigné(e)",
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


def journal_rows(db: Db, aggregate_ids: list[UUID], position: int | None = None) -> list[dict]:
    """The journal rows of these aggregates (as of ``position``), oldest first."""
    query = select(journal).where(journal.c.originator_id.in_([a.hex for a in aggregate_ids]))
    if position is not None:
        query = query.where(journal.c.position <= position)
    with connect(db) as conn:
        return _rows(conn, query.order_by(journal.c.position))


def erased_ids(db: Db, position: int) -> frozenset[UUID]:
    """Every household erased as of ``position`` (erasures are rare: the whole set)."""
    query = select(journal.c.originator_id).where(journal.c.topic == ERASED_TOPIC, journal.c.position <= position)
    with connect(db) as conn:
        return frozenset(UUID(hex=h) for h in conn.execute(query).scalars())


def erased_references(db: Db, position: int | None) -> frozenset[str]:
    """References of every household erased as of ``position``."""
    query = select(households.c.reference).where(
        as_of(households, position),
        households.c.household_id.in_(
            select(journal.c.originator_id).where(
                journal.c.topic == ERASED_TOPIC,
                *(() if position is None else (journal.c.position <= position,)),
            )
        ),
    )
    with connect(db) as conn:
        return frozenset(conn.execute(query).scalars())


def last_erasures(db: Db, limit: int = 50) -> list[dict]:
    """The journal rows of the last erasures, newest first."""
    with connect(db) as conn:
        return _rows(
            conn,
            select(journal).where(journal.c.topic == ERASED_TOPIC).order_by(journal.c.position.desc()).limit(limit),
        )


def ended_households_not_erased(db: Db) -> list[dict]:
    """Current rows (id, reference, status, move-in date, departure) of the relocated or
    departed households whose personal data was not erased (retention listing)."""
    c = households.c
    with connect(db) as conn:
        rows = conn.execute(
            select(c.household_id, c.reference, c.status, c.move_in_date, c.departed_at).where(
                as_of(households, None), c.status.in_(["reloge", "sorti"])
            )
        ).mappings().all()
        erased = set(conn.execute(select(journal.c.originator_id).where(journal.c.topic == ERASED_TOPIC)).scalars())
    return [dict(r) for r in rows if r["household_id"] not in erased]
