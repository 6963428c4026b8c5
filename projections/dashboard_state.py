"""A project's dashboard tallies at one position, moved from position to position.

:class:`ProjectTallies` holds, as of a position, the sums of the households'
contributions (:mod:`relogement.projections.dashboard_tally`) per group: project,
quartier, operation, bailleur of origin, receiving bailleur. A few hundred numbers.

Moving it to another position costs what changed in between, not the programme: the
versioned read models say which households changed (a row version born or closed
between the two positions, in either direction); only those are read, as of both
positions, and their old contribution is replaced by the new one. So the live dashboard
follows each new event in milliseconds, and a state can be stored (``to_bytes``) and
taken up again at its position (:mod:`relogement.projections.dashboard_snapshots`):
a first request after a start, or an as-of page, starts from the nearest stored state.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import select

from relogement.projections import indemnities
from relogement.projections.dashboard_tally import Tally, household_tally, lease_tally
from relogement.projections.machinery import as_of
from relogement.projections.queries.base import Db, _hex, chunks, connect, utc
from relogement.projections.read_models import households, objections, offers, proposals

GROUPS = {"par_quartier": "quartier", "par_operation": "operation", "par_bailleur": "bailleur_org"}

_HH = [households.c[k] for k in (
    "household_id", "quartier", "operation", "bailleur_org", "status", "registered_on",
    "proposals_count", "max_proposals", "last_allowed", "reference", "right_to_return",
    "offers_considered", "typology", "surface_m2",
)]
_PROPS = [proposals.c[k] for k in (
    "proposal_id", "household_id", "household_reference", "household_bailleur", "offer_id",
    "offer_bailleur", "offer_typology", "offer_commune", "status", "live", "objection_deadline",
    "open_objections", "refusal_motive", "lease_signed_on", "lease_rent_cents", "lease_indicators",
    "made_at", "rank", "valid_from",
)]
_OFFERS = [offers.c[k] for k in ("offer_id", "typology", "surface_m2", "commune", "financing", "valid_from")]
FAR = 2_000  # households to read again beyond which the state is computed from every row


class ProjectTallies:
    """The dashboard's tallies of one project as of ``position`` (see the module docstring)."""

    def __init__(self, project_id: str, reference: indemnities.Reference | None = None) -> None:
        self.project_id = _hex(project_id)
        self.reference = reference or indemnities.load_reference()
        self.position: int | None = None  # none held yet
        self.lock = threading.Lock()
        self.groups: dict[tuple[str, str], Tally] = {("total", ""): Tally()}
        self.reception: dict[str, Tally] = {}
        self._lease_cache: dict[tuple, Tally] = {}

    # -- moving -----------------------------------------------------------------
    def move_to(self, db: Db, position: int) -> int:
        """Hold the state as of ``position``; returns how many households were read."""
        with connect(db) as conn:
            ids = None
            if self.position is not None and position != self.position:
                ids = sorted(self._changed(conn, min(position, self.position), max(position, self.position)))
                if len(ids) > FAR:  # reading them twice would cost more than reading everything
                    self.groups, self.reception, self.position = {("total", ""): Tally()}, {}, None
            if self.position is None:
                contributions = self._contributions(conn, position, None)
                for row, contribution in contributions.values():
                    self._apply(row, contribution, 1)
                self.position = position
                return len(contributions)
            if position == self.position or ids is None:
                return 0
            old = self._contributions(conn, self.position, ids)
            new = self._contributions(conn, position, ids)
            for row, contribution in old.values():
                self._apply(row, contribution, -1)
            for row, contribution in new.values():
                self._apply(row, contribution, 1)
            self.position = position
            return len(ids)

    def _changed(self, conn: Any, low: int, high: int) -> set[str]:
        """Households with a row version born or closed in (low, high]."""
        # By position only, the project checked here: with "project_id = ?" in the query,
        # SQLite walks the project's index (every row of the programme) instead of the
        # position range (the few rows that changed).
        found: set[str] = set()
        changed_offers: set[str] = set()
        pid = self.project_id
        for table, column in ((households, "household_id"), (proposals, "household_id"),
                              (objections, "household_id"), (offers, "offer_id")):
            for bound in (table.c.valid_from, table.c.valid_to):
                for project_id, key in conn.execute(
                    select(table.c.project_id, table.c[column]).where(bound > low, bound <= high)
                ):
                    if project_id == pid:
                        (changed_offers if table is offers else found).add(key)
        # An offer's figures count for the households let into it (any version: a few more
        # households read than needed, never one missed).
        for chunk in chunks(sorted(changed_offers)):
            found.update(conn.execute(
                select(proposals.c.household_id).where(
                    proposals.c.offer_id.in_(chunk), proposals.c.status == "bail_signe")
            ).scalars())
        return found

    def _contributions(
        self, conn: Any, position: int, ids: list[str] | None
    ) -> dict[str, tuple[dict, tuple[Tally, dict[str, Tally]]]]:
        """household → (its row, its contribution) as of ``position`` (``ids``: None = all)."""
        pid = self.project_id
        if ids is None:
            hh = {r["household_id"]: dict(r) for r in conn.execute(
                select(*_HH).where(as_of(households, position), households.c.project_id == pid)).mappings()}
            props = [dict(r) for r in conn.execute(
                select(*_PROPS).where(as_of(proposals, position), proposals.c.project_id == pid)).mappings()]
            objs = list(conn.execute(select(objections.c.proposal_id).where(
                as_of(objections, position), objections.c.project_id == pid,
                objections.c.status == "ouverte")).scalars())
        else:
            hh, props, objs = {}, [], []
            for chunk in chunks(ids):
                hh.update({r["household_id"]: dict(r) for r in conn.execute(
                    select(*_HH).where(as_of(households, position), households.c.household_id.in_(chunk))
                ).mappings()})
                props.extend(dict(r) for r in conn.execute(
                    select(*_PROPS).where(as_of(proposals, position), proposals.c.household_id.in_(chunk))
                ).mappings())
                objs.extend(conn.execute(select(objections.c.proposal_id).where(
                    as_of(objections, position), objections.c.household_id.in_(chunk),
                    objections.c.status == "ouverte")).scalars())
        # The read model's order (newest first): which lease a household's figures take.
        props.sort(key=lambda p: (p["made_at"], p["rank"]), reverse=True)
        by_household: dict[str, list[dict]] = {}
        for p in props:
            p["objection_deadline"] = utc(p["objection_deadline"])
            by_household.setdefault(p["household_id"], []).append(p)
        open_objections: dict[str, int] = {}
        for proposal_id in objs:
            open_objections[proposal_id] = open_objections.get(proposal_id, 0) + 1
        offer_rows: dict[str, dict] = {}
        for chunk in chunks(sorted({p["offer_id"] for p in props if p["status"] == "bail_signe"})):
            for r in conn.execute(select(*_OFFERS).where(as_of(offers, position), offers.c.offer_id.in_(chunk))).mappings():
                offer_rows[r["offer_id"]] = dict(r)

        def lease(p: dict) -> Tally:
            return self._lease(p, hh[p["household_id"]], offer_rows.get(p["offer_id"]))

        return {
            h: (row, household_tally(row, by_household.get(h, []), open_objections, lease))
            for h, row in hh.items()
        }

    def _lease(self, lease: dict, household: dict, offer: dict | None) -> Tally:
        key = (lease["proposal_id"], lease["valid_from"], offer and offer["valid_from"],
               household["typology"], household["surface_m2"])
        cached = self._lease_cache.get(key)
        if cached is None:
            if len(self._lease_cache) > 50_000:  # versions no longer needed: start again
                self._lease_cache.clear()
            assessment = indemnities.assess(lease, offer, self.reference)
            cached = self._lease_cache[key] = lease_tally(lease, household, offer, assessment)
        return cached

    def _apply(self, row: dict, contribution: tuple[Tally, dict[str, Tally]], sign: int) -> None:
        tally, received = contribution
        keys = [("total", "")] + [(name, row[column]) for name, column in GROUPS.items()]
        for key in keys:
            group = self.groups.get(key)
            if group is None:
                group = self.groups[key] = Tally()
            group.merge(tally, sign)
            if not group.n and not group.m and key[0] != "total":
                del self.groups[key]
        for org, part in received.items():
            group = self.reception.get(org)
            if group is None:
                group = self.reception[org] = Tally()
            group.merge(part, sign)
            if not group.n and not group.m:
                del self.reception[org]

    # -- what the dashboard shows ---------------------------------------------------
    def group_tallies(self, name: str) -> dict[str, Tally]:
        """``par_quartier`` / ``par_operation`` / ``par_bailleur``: key → tally (households present)."""
        return {key: t for (kind, key), t in sorted(self.groups.items()) if kind == name and t.num("inscrits")}

    def receiving(self) -> dict[str, Tally]:
        return {org: t for org, t in sorted(self.reception.items()) if t.num("faites")}
