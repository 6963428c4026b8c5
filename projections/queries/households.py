"""Households: pseudonymised rows, restricted situation and identity, searches, pages,
and the view a page shows (:func:`household_view`).

Privacy (see ../shared/domain.md, "Personal data"): :func:`list_households`,
:func:`get_household_public` and :func:`households_page_rows` never return identity or
exact resources; :func:`get_household_situation` / :func:`situations_of` (exact amounts)
and :func:`get_household_identity` / :func:`identities_of` (name, contacts, notes) are for
the household's officers only: the caller (web policy) checks who asks before calling
them, and logs every identity it shows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from uuid import UUID

from sqlalchemy import func, or_, select

from relogement.platform.values import ERASED_NAME
from relogement.projections.machinery import as_of
from relogement.projections.queries.base import (
    Db,
    _hex,
    _rows,
    _select,
    connect,
    one_record,
    page_of,
)
from relogement.projections.read_models import household_identity, household_situation, households
from relogement.projections.views import (
    HOUSEHOLD_STATUS_LABELS,
    PAGE_SIZE,
    HouseholdFull,
    HouseholdPseudo,
)

# Partner-facing household columns: everything of rm_households (which holds no
# identity and only a band of resources).
PUBLIC_HOUSEHOLD_COLUMNS = tuple(households.c.keys())


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
        rows = one_record(conn, households, households.c.household_id, _hex(household_id), position)
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


def situations_of(db: Db, ids: list[str], position: int | None = None) -> dict[str, dict]:
    """RESTRICTED: the situation rows of these households (hex ids), by id."""
    t = household_situation
    with connect(db) as conn:
        if len(ids) == 1:  # one household's page
            rows = one_record(conn, t, t.c.household_id, ids[0], position)
        else:
            rows = _rows(conn, select(t).where(as_of(t, position), t.c.household_id.in_(ids)))
    return {r["household_id"]: r for r in rows}


def identities_of(db: Db, ids: list[str]) -> dict[str, dict]:
    """RESTRICTED: the current identity rows of these households (hex ids), by id.
    The caller passes only the ids its policy allowed, and logs what it shows."""
    t = household_identity
    with connect(db) as conn:
        rows = _rows(conn, select(t).where(t.c.household_id.in_(ids)))
    return {r["household_id"]: r for r in rows}


def households_page_rows(
    db: Db,
    position: int | None = None,
    *,
    project_ids: Iterable[UUID] | None = None,
    status: str | None = None,
    reference: str = "",
    name_matches: Iterable[str] | None = None,
    page: int = 1,
    size: int = PAGE_SIZE,
    assigned_officer: str | None = None,
) -> tuple[int, int, list[dict]]:
    """A page of households by reference: (how many, the page number, the rows).

    ``reference``: case-insensitive substring; ``name_matches`` (hex ids whose identity
    matched a name search) widens it.
    """
    c = households.c
    where: list[Any] = [as_of(households, position)]
    if project_ids is not None:
        where.append(c.project_id.in_([p.hex for p in project_ids]))
    if status:
        where.append(c.status == status)
    if assigned_officer:  # "Mes ménages"
        where.append(c.assigned_officer == assigned_officer)
    if reference or name_matches:
        terms = []
        if reference:
            terms.append(func.lower(c.reference).contains(reference.lower(), autoescape=True))
        if name_matches:
            terms.append(c.household_id.in_(list(name_matches)))
        where.append(or_(*terms))
    with connect(db) as conn:
        return page_of(conn, households, where, [c.reference], page, size)


def search_names(db: Db, text: str, org: UUID, project_mous: Iterable[UUID]) -> list[str]:
    """Ids (hex) of the households whose name contains ``text`` among those ``org``
    may identify (its own, the ones it follows, or all the project's if it is its MOUS).
    Reads names, returns none."""
    t = household_identity
    mine = or_(t.c.bailleur_org == org.hex, t.c.officer_org == org.hex)
    projects = [p.hex for p in project_mous]
    scope = or_(mine, t.c.project_id.in_(projects)) if projects else mine
    with connect(db) as conn:
        return list(
            conn.execute(
                select(t.c.household_id).where(scope, func.lower(t.c.name).contains(text.lower(), autoescape=True))
            ).scalars()
        )


def households_followed_by(
    db: Db, project_id: UUID, org: UUID, statuses: Iterable[str], position: int | None = None
) -> list[dict]:
    """Rows of a project's households that ``org`` follows (own bailleur or officer), by reference."""
    c = households.c
    with connect(db) as conn:
        return _rows(
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


def household_references(db: Db, project_id: UUID) -> dict[str, UUID]:
    """reference → bailleur of every household of a project (imports)."""
    c = households.c
    with connect(db) as conn:
        rows = conn.execute(
            select(c.reference, c.bailleur_org).where(as_of(households, None), c.project_id == project_id.hex)
        ).all()
    return {ref: UUID(hex=b) for ref, b in rows}


def household_references_by_id(db: Db, ids: Iterable[UUID]) -> dict[UUID, str]:
    """id → reference (the access log shows references, never names)."""
    wanted = list({i.hex for i in ids})
    out: dict[UUID, str] = {}
    c = households.c
    with connect(db) as conn:
        for chunk in range(0, len(wanted), 500):
            for hid, ref in conn.execute(
                select(c.household_id, c.reference).where(
                    as_of(households, None), c.household_id.in_(wanted[chunk : chunk + 500])
                )
            ):
                out[UUID(hex=hid)] = ref
    return out


def household_by_reference(db: Db, reference: str) -> UUID | None:
    c = households.c
    with connect(db) as conn:
        found = conn.execute(
            select(c.household_id).where(as_of(households, None), func.lower(c.reference) == reference.strip().lower())
        ).scalars().first()
    return None if found is None else UUID(hex=found)


def household_officers(db: Db, ids: list[str], position: int | None = None) -> dict[str, str]:
    """household id → officer org (hex) of these households."""
    c = households.c
    with connect(db) as conn:
        return dict(
            conn.execute(select(c.household_id, c.officer_org).where(as_of(households, position), c.household_id.in_(ids))).all()
        )


def household_view(
    row: dict,
    org_name: Callable[[str], str],
    erased: bool,
    situation: dict | None,
    identity: dict | None | bool,
    resource: Any,
) -> HouseholdPseudo:
    """The page's view of a household row. ``identity``: False = pseudonymised view;
    a dict, or None (erased), = full view. ``resource``: the web policy's (opaque here)."""
    situ = None
    before = None
    if situation is not None:
        before = situation["before"]
        situ = {
            "ages": list(situation["ages"]),
            # When these ages were recorded (registration or update): forms age them to today.
            "recorded_at": situation.get("updated_at"),
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
        "bailleur_name": org_name(row["bailleur_org"]),
        "officer_id": UUID(hex=row["officer_org"]),
        "officer_name": org_name(row["officer_org"]),
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
        "status": HOUSEHOLD_STATUS_LABELS.get(row["status"], row["status"]),
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
        "resource": resource,
        "situation": situ,
        "before": before,
        "assigned_officer": row.get("assigned_officer"),
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
