"""Proposals, their objections and the follow-ups after relocation; the view a page
shows of a proposal (:func:`proposal_view`) and the state a user reads."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select

from relogement.platform.deadline import window_open
from relogement.platform.values import REFUSAL_MOTIVES
from relogement.projections.machinery import as_of, journal
from relogement.projections.queries.base import Db, _hex, _rows, _select, connect, page_of, utc
from relogement.projections.read_models import follow_ups, objections, proposals
from relogement.projections.views import (
    OBJECTION_STATUS_LABELS,
    OUTCOME,
    PAGE_SIZE,
    PROPOSAL_STATUS_LABELS,
    ObjectionView,
    ProposalView,
)


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


def proposals_page_rows(
    db: Db,
    position: int | None = None,
    *,
    project_ids: Iterable[UUID] | None = None,
    live: bool | None = None,
    household_id: UUID | None = None,
    status: Iterable[str] | None = None,
    page: int = 1,
    size: int = PAGE_SIZE,
) -> tuple[int, int, list[dict]]:
    """A page of proposals: (how many, the page number, the rows). Ended proposals
    (e.g. leases) by when they ended, live ones by when made."""
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
    order = [*((c.closed_at.desc(),) if live is False or status else ()), c.made_at.desc(), c.rank.desc()]
    with connect(db) as conn:
        return page_of(conn, proposals, where, order, page, size)


def proposal_author(db: Db, proposal_id: str) -> str | None:
    """Who made the proposal (the journal's author of its first event)."""
    with connect(db) as conn:
        return conn.execute(
            select(journal.c.by_user).where(journal.c.originator_id == proposal_id, journal.c.originator_version == 1)
        ).scalar()


def proposal_status_label(row: dict, at: datetime) -> str:
    """The state a user reads, from the proposal row and the instant (window countdown)."""
    if row["status"] in OUTCOME:
        return OUTCOME[row["status"]]
    if row["open_objections"]:
        return "Bloquée : opposition ouverte"
    if window_open(utc(row["objection_deadline"]), at):
        return "Délai d'opposition en cours"
    if row["caleol_decision"] == "attribution":
        return "Attribuée par la CALEOL — bail à signer"
    if row["caleol_decision"] == "ajournement":
        return "Décision CALEOL ajournée"
    if row["accepted"]:
        return "Acceptée par le ménage — en attente de la CALEOL"
    return "Validée par les partenaires — réponse du ménage attendue"


def windows_open(rows: Iterable[dict], at: datetime) -> tuple[bool, ...]:
    """Whether each row's objection window is open at ``at``: all that :func:`proposal_view`
    takes from the instant (views at two instants with the same answers are equal)."""
    return tuple(window_open(utc(r["objection_deadline"]), at) for r in rows)


def proposal_view(
    row: dict, at: datetime, org_name: Callable[[str], str], resource: Any, erased: bool = False
) -> ProposalView:
    """The page's view of a proposal row at ``at``; ``resource``: the web policy's (opaque here)."""
    deadline = utc(row["objection_deadline"])
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
        offer_bailleur_name=org_name(row["offer_bailleur"]),
        household_bailleur_name=org_name(row["household_bailleur"]),
        officer_name=org_name(row["officer_org"]),
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
        resource=resource,
        aid=row.get("aid"),
    )


def objection_view(row: dict, org_name: Callable[[str], str]) -> ObjectionView:
    return ObjectionView(
        id=UUID(hex=row["objection_id"]),
        org_id=UUID(hex=row["by_org"]),
        org_name=org_name(row["by_org"]),
        by_user=row["by_user"],
        motive=row["motive"],
        status=row["status"],
        raised_at=row["raised_at"],
        resolution=row["comment"] or "",
    )
