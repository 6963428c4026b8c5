"""The work list ("À traiter"): what waits on a user or their organisation, by due date.

A pure function of the read models at a position and of the instant asked about: the
same list as of any past position, and no process has to run for an item to appear
(a reminder after N days, a follow-up due at 6 months, a window closing). Each list is
one indexed query on the current (or as-of) rows of an organisation; nothing loops over
a project's households in Python.

Who gets what:
- an officer (``officer=True``), for the households their organisation follows (its
  tenants, or the ones it follows as MOUS) and its own dwellings: answers awaited
  (reminder after the project's ``answer_reminder_days``), CALEOL decisions to record
  once the window closed clear, leases to record after a favourable CALEOL, follow-up
  measures due (``follow_up_months`` after move-in, from ``HORIZON_DAYS`` ahead),
  reservations ending within ``HORIZON_DAYS``, households at their last legal offer,
  households without a proposal for ``blocked_days`` ("bloqués"), open objections on
  the organisation's proposals;
- a partner (``officer=False``): proposals to examine before their window closes;
- the project's pilot (any acting user of its organisation): open objections to arbitrate.

``mine``: household items only for the households assigned to ``login`` or to nobody
(the officer's own list); ``False``: the whole organisation's.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, false, func, or_, select

from relogement.projections.machinery import as_of
from relogement.projections.queries.base import Db, connect, utc
from relogement.projections.queries.offers import reservations_ending
from relogement.projections.read_models import (
    A_RELOGER,
    EN_COURS,
    PARIS,
    RELOGE,
    households,
    objections,
    proposals,
)

# Reservations ending and follow-ups coming due show this many days ahead.
HORIZON_DAYS = 15

KINDS = {
    "reponse_attendue": "Réponse du ménage attendue",
    "caleol": "Décision CALEOL à enregistrer",
    "bail": "Bail à enregistrer",
    "suivi": "Mesure de suivi due",
    "reservation": "Réservation bientôt échue",
    "derniere_offre": "Dernière offre légale",
    "bloque": "Ménage sans proposition",
    "opposition": "Opposition sur notre proposition",
    "a_examiner": "Proposition à examiner",
    "arbitrage": "Opposition à arbitrer",
}


@dataclass(frozen=True)
class WorkProject:
    """A project the organisation is a partner of, with its work-list settings."""

    project_id: str  # hex
    pilot_org: str  # hex
    answer_reminder_days: int = 15
    follow_up_months: tuple[int, ...] = (6, 12)
    blocked_days: int = 90


@dataclass(frozen=True)
class WorkItem:
    kind: str
    due_at: datetime  # UTC: the list's order (a day is its first instant, Paris time)
    action_now: bool  # due now (the header's count); False: coming (shown, not counted)
    project_id: str
    household_id: str | None = None
    household_reference: str | None = None
    proposal_id: str | None = None
    offer_id: str | None = None
    offer_reference: str | None = None
    days: int | None = None  # days since (the proposal, the last proposal)
    detail: str = ""  # French
    sort_key: str = ""  # ties: a stable order

    @property
    def label(self) -> str:
        return KINDS[self.kind]


def paris_day(instant: datetime) -> date:
    return utc(instant).astimezone(PARIS).date()  # type: ignore[union-attr]


def day_start(day: date) -> datetime:
    """The first instant of a Paris day, in UTC."""
    return datetime.combine(day, time(0), tzinfo=PARIS).astimezone(UTC)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it has fewer days)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _assigned(c: Any, login: str, mine: bool) -> Any:
    if not mine:
        return None
    return or_(c.assigned_officer == login, c.assigned_officer.is_(None))


def _where(*conditions: Any) -> list[Any]:
    return [c for c in conditions if c is not None]


def work_list(
    db: Db,
    org: str,
    login: str,
    projects: Iterable[WorkProject],
    at: datetime,
    position: int | None = None,
    *,
    officer: bool,
    mine: bool = True,
) -> list[WorkItem]:
    """Everything waiting on ``login`` of organisation ``org`` (hex) at ``at``, by due date."""
    at = utc(at)  # type: ignore[assignment]
    by_project = {p.project_id: p for p in projects}
    if not by_project:
        return []
    items: list[WorkItem] = []
    with connect(db) as conn:
        if officer:
            items += _officer_items(conn, org, login, by_project, at, position, mine)
        else:
            items += _to_examine(conn, org, by_project, at, position)
        piloted = [p for p, w in by_project.items() if w.pilot_org == org]
        if piloted:
            items += _to_arbitrate(conn, piloted, position)
    items.sort(key=lambda i: (i.due_at, i.kind, i.sort_key))
    return items


def _officer_items(conn, org, login, by_project, at, position, mine) -> list[WorkItem]:  # noqa: ANN001
    items = _proposal_items(conn, org, login, by_project, at, position, mine)
    items += _household_items(conn, org, login, by_project, at, position, mine)
    items += _reservations(conn, org, by_project, at, position)
    return items


def _proposal_items(conn, org, login, by_project, at, position, mine) -> list[WorkItem]:  # noqa: ANN001
    p, h = proposals.c, households.c
    joined = proposals.join(
        households, and_(h.household_id == p.household_id, as_of(households, position))
    )
    projects = list(by_project)
    columns = [
        p.proposal_id, p.project_id, p.household_id, p.household_reference, p.offer_id,
        p.offer_reference, p.made_at, p.objection_deadline, p.accepted_on, p.caleol_on, p.status,
        p.open_objections, p.officer_org, p.offer_bailleur, h.assigned_officer,
    ]
    mine_clause = _assigned(h, login, mine)
    # The proposals this organisation made (answers awaited, objections) or whose
    # dwelling it owns (CALEOL, lease): two index ranges, one query each.
    made = conn.execute(
        select(*columns).select_from(joined).where(
            *_where(as_of(proposals, position), p.officer_org == org, p.live.is_(True),
                    p.project_id.in_(projects), mine_clause)
        )
    ).mappings().all()
    owned = conn.execute(
        select(*columns).select_from(joined).where(
            as_of(proposals, position), p.offer_bailleur == org, p.live.is_(True),
            p.project_id.in_(projects), p.status.in_(("acceptee", "ajournee", "attribuee")),
        )
    ).mappings().all()
    today = paris_day(at)
    items: list[WorkItem] = []
    for row in made:
        if row["status"] != "en_cours":
            continue
        made_at = utc(row["made_at"])
        reminder = by_project[row["project_id"]].answer_reminder_days
        days = (today - paris_day(made_at)).days
        due = day_start(paris_day(made_at) + timedelta(days=reminder))
        items.append(_proposal_item(
            "reponse_attendue", row, due, due <= at, days=days,
            detail=f"Proposition du {paris_day(made_at):%d/%m/%Y}, il y a {days} jour(s)"
            + (" : relancer le ménage." if due <= at else f" ; relance le {paris_day(due):%d/%m/%Y}."),
        ))
    for row in owned:
        deadline = utc(row["objection_deadline"])
        if row["status"] in ("acceptee", "ajournee"):
            if deadline > at or row["open_objections"]:
                continue  # not cleared yet: not the CALEOL's turn
            accepted = day_start(row["accepted_on"]) if row["accepted_on"] else deadline
            due = max(deadline, accepted)
            what = "ajournée : nouvelle décision" if row["status"] == "ajournee" else "acceptée, validée par les partenaires"
            items.append(_proposal_item("caleol", row, due, True, detail=f"Proposition {what}."))
        else:  # attribuee
            decided = row["caleol_on"]
            due = day_start(decided) if decided else at
            items.append(_proposal_item(
                "bail", row, due, True,
                detail=f"Attribution de la CALEOL du {decided:%d/%m/%Y}." if decided else "Attribution de la CALEOL.",
            ))
    # Open objections on the proposals this organisation made.
    o = objections.c
    made_ids = [r["proposal_id"] for r in made]
    if made_ids:
        rows = conn.execute(
            select(o.objection_id, o.proposal_id, o.raised_at).where(
                as_of(objections, position), o.status == "ouverte", o.proposal_id.in_(made_ids)
            )
        ).all()
        by_id = {r["proposal_id"]: r for r in made}
        for objection_id, proposal_id, raised_at in rows:
            raised = utc(raised_at)
            items.append(_proposal_item(
                "opposition", by_id[proposal_id], raised, True,  # type: ignore[arg-type]
                detail=f"Opposition formée le {raised.astimezone(PARIS):%d/%m/%Y à %H:%M}.",  # type: ignore[union-attr]
                sort_key=objection_id,
            ))
    return items


def _proposal_item(kind: str, row: Any, due: datetime, now: bool, *, days: int | None = None,
                   detail: str = "", sort_key: str = "") -> WorkItem:
    return WorkItem(
        kind=kind, due_at=due, action_now=now, project_id=row["project_id"],
        household_id=row["household_id"], household_reference=row["household_reference"],
        proposal_id=row["proposal_id"], offer_id=row["offer_id"], offer_reference=row["offer_reference"],
        days=days, detail=detail, sort_key=sort_key or row["proposal_id"],
    )


def _household_items(conn, org, login, by_project, at, position, mine) -> list[WorkItem]:  # noqa: ANN001
    h = households.c
    today = paris_day(at)
    base = _where(as_of(households, position), _assigned(h, login, mine))
    columns = [h.household_id, h.project_id, h.reference, h.status, h.last_allowed, h.registered_at,
               h.last_proposal_at, h.move_in_date, h.follow_ups_count, h.proposals_count, h.max_proposals]
    since = func.coalesce(h.last_proposal_at, h.registered_at)
    # Follow-ups: the k-th measure is due ``months[k-1]`` after move-in; a few days of
    # slack in SQL (month lengths), the exact day below.
    horizon = today + timedelta(days=HORIZON_DAYS)
    follow_up = []
    blocked = []
    for pid, w in by_project.items():
        for k, months in enumerate(w.follow_up_months):
            latest = add_months(horizon, -months) + timedelta(days=3)
            follow_up.append(and_(h.project_id == pid, h.follow_ups_count == k, h.move_in_date <= latest))
        blocked.append(and_(h.project_id == pid, since <= at - timedelta(days=w.blocked_days)))
    due = or_(
        and_(h.status == RELOGE, or_(*follow_up) if follow_up else false()),
        and_(h.status.in_((A_RELOGER, EN_COURS)), h.last_allowed.is_(True)),
        and_(h.status == A_RELOGER, or_(*blocked)),
    )
    # The households it follows as their officer organisation, then as their bailleur
    # (followed by another): two queries, each on its own index (an OR of the two lets
    # SQLite scan every current household instead).
    rows = [
        *conn.execute(select(*columns).where(*base, h.officer_org == org, due)).mappings(),
        *conn.execute(select(*columns).where(*base, h.bailleur_org == org, h.officer_org != org, due)).mappings(),
    ]
    items: list[WorkItem] = []
    for row in rows:
        w = by_project[row["project_id"]]
        common = {"project_id": row["project_id"], "household_id": row["household_id"],
                  "household_reference": row["reference"], "sort_key": row["household_id"]}
        if row["status"] == RELOGE:
            k = row["follow_ups_count"]
            if k >= len(w.follow_up_months) or row["move_in_date"] is None:
                continue
            due_day = add_months(row["move_in_date"], w.follow_up_months[k])
            if due_day > horizon:
                continue
            items.append(WorkItem(
                "suivi", day_start(due_day), due_day <= today,
                detail=f"Mesure à {w.follow_up_months[k]} mois de l'entrée du {row['move_in_date']:%d/%m/%Y} :"
                f" due le {due_day:%d/%m/%Y}.", **common,
            ))
            continue
        last = utc(row["last_proposal_at"]) if row["last_proposal_at"] else None
        start = last or utc(row["registered_at"])
        if row["last_allowed"]:
            items.append(WorkItem(
                "derniere_offre", start, True,  # type: ignore[arg-type]
                detail=f"{row['proposals_count']} proposition(s) sur {row['max_proposals']} : "
                "la dernière offre légale a été faite.", **common,
            ))
        if row["status"] == A_RELOGER and start <= at - timedelta(days=w.blocked_days):  # type: ignore[operator]
            days = (today - paris_day(start)).days  # type: ignore[arg-type]
            what = "depuis la dernière proposition" if last else "depuis l'inscription, aucune proposition"
            items.append(WorkItem(
                "bloque", start + timedelta(days=w.blocked_days), True, days=days,  # type: ignore[operator]
                detail=f"{days} jours {what}.", **common,
            ))
    return items


def _reservations(conn, org, by_project, at, position) -> list[WorkItem]:  # noqa: ANN001
    today = paris_day(at)
    rows = reservations_ending(conn, org, by_project, today, today + timedelta(days=HORIZON_DAYS), position)
    return [
        WorkItem(
            "reservation", day_start(until), True, project_id=pid, offer_id=oid, offer_reference=ref,
            detail=f"Réservée au relogement jusqu'au {until:%d/%m/%Y} ({(until - today).days} jour(s)).",
            sort_key=oid,
        )
        for oid, pid, ref, until in rows
    ]


def _to_examine(conn, org, by_project, at, position) -> list[WorkItem]:  # noqa: ANN001
    p, o = proposals.c, objections.c
    objected = (
        select(o.objection_id)
        .where(as_of(objections, position), o.proposal_id == p.proposal_id, o.by_org == org)
        .exists()
    )
    rows = conn.execute(
        select(p.proposal_id, p.project_id, p.household_id, p.household_reference, p.offer_id,
               p.offer_reference, p.objection_deadline, objected.label("objected")).where(
            as_of(proposals, position), p.project_id.in_(list(by_project)), p.live.is_(True),
            p.objection_deadline > at, p.officer_org != org, p.made_at <= at,
        )
    ).mappings().all()
    items = []
    for row in rows:
        deadline = utc(row["objection_deadline"])
        left = deadline - at  # type: ignore[operator]
        hours = int(left.total_seconds() // 3600)
        detail = (f"Délai d'opposition jusqu'au {deadline.astimezone(PARIS):%d/%m/%Y à %H:%M}"  # type: ignore[union-attr]
                  f" (encore {hours} h {int(left.total_seconds() % 3600 // 60):02d} min).")
        if row["objected"]:
            detail += " Votre organisation s'y est opposée."
        items.append(_proposal_item("a_examiner", row, deadline, True, detail=detail))  # type: ignore[arg-type]
    return items


def _to_arbitrate(conn, piloted: list[str], position: int | None) -> list[WorkItem]:  # noqa: ANN001
    p, o = proposals.c, objections.c
    rows = conn.execute(
        select(o.objection_id, o.raised_at, p.proposal_id, p.project_id, p.household_id,
               p.household_reference, p.offer_id, p.offer_reference)
        .select_from(objections.join(
            proposals, and_(p.proposal_id == o.proposal_id, as_of(proposals, position))
        ))
        .where(as_of(objections, position), o.project_id.in_(piloted), o.status == "ouverte",
               p.live.is_(True))
    ).mappings().all()
    return [
        _proposal_item(
            "arbitrage", row, utc(row["raised_at"]), True,  # type: ignore[arg-type]
            detail=f"Opposition formée le {utc(row['raised_at']).astimezone(PARIS):%d/%m/%Y à %H:%M}.",  # type: ignore[union-attr]
            sort_key=row["objection_id"],
        )
        for row in rows
    ]
