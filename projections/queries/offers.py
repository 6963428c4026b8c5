"""Offers: the only SELECTs on ``rm_offers``.

One filter (:func:`_where`) serves both readers: :func:`list_offers` (every offer as a
dict, oldest first: reports, dashboard, ANRU export) and :func:`search_offers` (the
offers board and pickers: newest first, a page at a time, as :class:`OfferView`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import func, or_, select

from relogement.projections.machinery import as_of
from relogement.projections.queries.base import (
    Db,
    _hex,
    _rows,
    connect,
    one_record,
    page_of,
)
from relogement.projections.read_models import offers
from relogement.projections.views import DWELLING_FIELDS, OFFER_STATUS_LABELS, PAGE_SIZE, OfferView


def _where(
    position: int | None,
    *,
    project_ids: Iterable[UUID | str] | None = None,
    status: str | Iterable[str] | None = None,
    bailleur: UUID | str | None = None,
    typology: str | Iterable[str] | None = None,
    commune: str | None = None,
    commune_contains: str | None = None,
    qpv: bool | None = None,
    individual: bool | None = None,
    max_rent_cents: int | None = None,
    available_on: date | None = None,
) -> list[Any]:
    """The conditions on ``rm_offers`` as of ``position``. ``commune``: exact;
    ``commune_contains``: case-insensitive substring; ``available_on``: only the offers
    whose reservation has not ended that day."""
    c = offers.c
    where: list[Any] = [as_of(offers, position)]
    if available_on is not None:
        where.append(or_(c.available_until.is_(None), c.available_until >= available_on))
    if project_ids is not None:
        where.append(c.project_id.in_([_hex(p) for p in project_ids]))
    if status is not None:
        where.append(c.status.in_([status] if isinstance(status, str) else list(status)))
    if typology is not None:
        where.append(c.typology.in_([typology] if isinstance(typology, str) else list(typology)))
    if commune is not None:
        where.append(c.commune == commune)
    if commune_contains:
        where.append(func.lower(c.commune).contains(commune_contains.lower(), autoescape=True))
    if qpv is not None:
        where.append(c.qpv == qpv)
    if individual is not None:
        where.append(c.individual == individual)
    if bailleur is not None:
        where.append(c.bailleur_org == _hex(bailleur))
    if max_rent_cents is not None:
        where.append(c.rent_cents <= max_rent_cents)
    return where


def _labelled(rows: list[dict]) -> list[dict]:
    for row in rows:
        row["status_label"] = OFFER_STATUS_LABELS[row["status"]]
    return rows


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
    where = _where(
        position, project_ids=None if project_id is None else [project_id], status=status, bailleur=bailleur,
        typology=typology, commune=commune, qpv=qpv, individual=individual, max_rent_cents=max_rent_cents,
    )
    c = offers.c
    with connect(db) as conn:
        rows = _rows(conn, select(offers).where(*where).order_by(c.published_at, c.reference))
    return _labelled(rows)


def get_offer(db: Db, offer_id: UUID | str, position: int | None = None) -> dict | None:
    with connect(db) as conn:
        rows = one_record(conn, offers, offers.c.offer_id, _hex(offer_id), position)
    return _labelled(rows)[0] if rows else None


def search_offers(
    db: Db,
    position: int | None = None,
    *,
    page: int | None = None,
    size: int = PAGE_SIZE,
    project_ids: Iterable[UUID] | None = None,
    status: Iterable[str] | None = None,
    typology: str | None = None,
    qpv: bool | None = None,
    bailleur: UUID | None = None,
    max_rent_cents: int | None = None,
    commune: str | None = None,
    available_on: date | None = None,
) -> tuple[int, int, list[dict]]:
    """The offers of a board, newest first: (how many, the page number, the rows).

    ``page`` None: every matching row (page 1). ``typology``: exact (empty = any);
    ``commune``: case-insensitive substring; ``available_on``: see :func:`_where`.
    """
    where = _where(
        position, project_ids=project_ids, status=None if status is None else list(status),
        typology=typology or None, qpv=qpv, bailleur=bailleur, max_rent_cents=max_rent_cents,
        commune_contains=commune, available_on=available_on,
    )
    c = offers.c
    order = [c.published_at.desc(), c.reference]
    with connect(db) as conn:
        if page is None:
            rows = _rows(conn, select(offers).where(*where).order_by(*order))
            return len(rows), 1, rows
        return page_of(conn, offers, where, order, page, size)


# What the ranking of offers reads (platform/matching.py, via queries/matching.py).
POOL_COLUMNS = (
    "offer_id", "reference", "bailleur_org", "commune", "quartier", "qpv", "typology", "surface_m2",
    "rent_cents", "annex_rent_cents", "charges_cents", "construction_year", "individual", "floor",
    "lift", "accessible", "available_until", "financing", "reservataire",
)


def offer_pool(db: Db, project_id: UUID | str, position: int | None = None) -> list[dict]:
    """The project's offers open to a proposal (published, not proposed, let or
    withdrawn), those whose reservation has ended included (the ranking says so)."""
    c = offers.c
    query = select(*(c[k] for k in POOL_COLUMNS)).where(
        as_of(offers, position), c.project_id == _hex(project_id), c.status == "publiee"
    )
    with connect(db) as conn:
        return _rows(conn, query)


def offer_bailleur_ids(db: Db, position: int | None = None) -> list[str]:
    """The bailleurs (hex ids) that have offers as of ``position``."""
    with connect(db) as conn:
        return list(
            conn.execute(select(offers.c.bailleur_org).where(as_of(offers, position)).distinct()).scalars().all()
        )


def offer_references(db: Db, offer_ids: Iterable[UUID]) -> dict[UUID, str]:
    """id → current reference of these offers."""
    wanted = [o.hex for o in offer_ids]
    if not wanted:
        return {}
    c = offers.c
    with connect(db) as conn:
        found = conn.execute(select(c.offer_id, c.reference).where(as_of(offers, None), c.offer_id.in_(wanted)))
        return {UUID(hex=oid): ref for oid, ref in found}


def offer_view(row: dict, org_name: Callable[[str], str], resource: Any) -> OfferView:
    """The page's view of an offer row; ``resource`` is the web policy's (opaque here)."""
    return OfferView(
        id=UUID(hex=row["offer_id"]),
        project_id=UUID(hex=row["project_id"]),
        reference=row["reference"],
        bailleur_id=UUID(hex=row["bailleur_org"]),
        bailleur_name=org_name(row["bailleur_org"]),
        status=row["status"],
        dwelling={k: row[k] for k in DWELLING_FIELDS},
        reservataire=row["reservataire"],
        live_proposal=None if row["live_proposal_id"] is None else UUID(hex=row["live_proposal_id"]),
        household_id=None if row["household_id"] is None else UUID(hex=row["household_id"]),
        published_at=row["published_at"],
        proposals_count=row["proposals_count"],
        resource=resource,
        available_until=row.get("available_until"),
    )


def reservations_ending(
    db: Db, bailleur: str, project_ids: Iterable[str], first: date, last: date, position: int | None = None
) -> list[tuple[str, str, str, date]]:
    """(offer id, project id, reference, last reserved day) of ``bailleur``'s published
    offers reserved for the relocations until a day from ``first`` to ``last`` (the work
    list's "réservation bientôt échue")."""
    f = offers.c
    with connect(db) as conn:
        return [
            tuple(row)  # type: ignore[misc]
            for row in conn.execute(
                select(f.offer_id, f.project_id, f.reference, f.available_until).where(
                    as_of(offers, position), f.bailleur_org == bailleur, f.status == "publiee",
                    f.available_until >= first, f.available_until <= last, f.project_id.in_(list(project_ids)),
                )
            )
        ]
