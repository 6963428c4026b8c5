"""The rows the semestrial report reads, held per project at one position, moved by what
changed, with each lease's and each residence's figures kept while their rows are unchanged.

:func:`relogement.projections.semester_report.build` of the semester running is asked again
after every new event (its position is the last one). Reading every household, proposal,
situation and residence link of the programme, then each lease's exact evolutions and each
residence's relocations and estimate, cost seconds for 6,000 households, although an
event changes a few rows. So :class:`ReportRows` holds, as of a position, the rows the
report reads (the same columns, the same values as its queries return), and moves to
another position by reading again only the rows with a version born or closed in between
(as :mod:`relogement.projections.residual_state` does); then:

- each lease's exact figures (:class:`HeldFigures`: the same functions as
  :class:`~relogement.projections.summary_statistics.ExactFigures`, each figure, evolution
  and sign kept with the measure it comes from, as long as that row is held);
- each relocation's profile (``residence_figures.Move``), kept with the rows it is made of;
- each residence's sheet (``residence_sheets.sheet``), kept with its row, its relocations,
  the period and the thresholds it was made from;

so a report after an event computes again only what that event changed, and sums the rest.
Every value is computed by the same functions from the same rows: equality with the report
from its own queries is tested at every position of random histories, moved in random order,
on both databases (tests/test_report_state.py).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from copy import deepcopy
from datetime import date
from typing import Any

from sqlalchemy import select

from relogement.platform import peuplement as pp
from relogement.projections.machinery import as_of
from relogement.projections.queries.base import Db, _hex, _row, chunks, connect
from relogement.projections.read_models import household_situation, households, proposals
from relogement.projections.residence_figures import (
    Move,
    ResidenceBalance,
    _move,
    assemble_balances,
)
from relogement.projections.residence_models import residence_links, residences
from relogement.projections.residence_sheets import Sheet, order_sheets, sheet
from relogement.projections.summary_statistics import ExactFigures

EVERY = 500  # events within which a held state is moved rather than left where it is
FAR = 5_000  # rows to read again beyond which everything is read again
_P = proposals.c
# Only what the report reads (held for the process: 6,000 households' rows are tens of MB):
# of the households, what build, its relocations and the residences read; of the
# proposals, report_proposals' columns but the proposal-time indicators (read only when the
# reste-à-vivre is not held, then by residual_income.household_rows), with the offer, the
# lease's housing aid and the order; of the situations and links, what a relocation reads.
_HH = [households.c[k] for k in (
    "household_id", "project_id", "reference", "quartier", "operation", "bailleur_org", "status", "persons",
    "income_quartile", "typology", "registered_on", "proposals_count", "refusals_count", "last_allowed",
    "adults", "children")]
_PROPS = [
    _P.proposal_id, _P.household_id, _P.rank, _P.status, _P.lease_signed_on, _P.closed_at,
    _P.refusal_motive, _P.offer_typology, _P.offer_commune, _P.offer_bailleur, _P.lease_indicators,
    _P.offer_id, _P.lease_apl_cents, _P.made_at,
]
_SITUATIONS = [household_situation.c[k] for k in (
    "household_id", "ages", "resources_cents", "apl_cents", "income_quartile", "before")]
_LINKS = [residence_links.c[k] for k in ("link_id", "residence_id", "surface_m2", "adults_in_work")]
# name → (table, key column, columns read (None: all))
TABLES: dict[str, tuple[Any, str, list | None]] = {
    "households": (households, "household_id", _HH),
    "proposals": (proposals, "proposal_id", _PROPS),
    "situations": (household_situation, "household_id", _SITUATIONS),
    "residences": (residences, "residence_id", None),
    "links": (residence_links, "link_id", _LINKS),
}


def _settle() -> None:
    """After reading every row: the hundreds of thousands of objects just read live as long
    as the process holds them, and each full pass of the collector over them cost a report
    after an event tens to hundreds of milliseconds (one in a few). Collected once, then
    frozen (``gc.freeze``: left out of later passes; an object still goes away when no
    longer referenced, which is how a held row goes)."""
    gc.collect()
    gc.freeze()


def _kept(kept: dict[tuple[int, str], tuple[dict, Any]], record: dict, key: str,
          compute: Callable[[dict, str], Any]) -> Any:
    """``compute(record, key)``, kept by the record's identity (the record is kept with it,
    so its id cannot be reused by another while the entry lives)."""
    hit = kept.get((id(record), key))
    if hit is not None and hit[0] is record:
        return hit[1]
    value = compute(record, key)
    kept[(id(record), key)] = (record, value)
    return value


class HeldFigures(ExactFigures):
    """:class:`ExactFigures` whose evolutions and signs are kept too, each with its record
    (the held row's ``lease_indicators``): a record read again is a new object, computed
    again; :meth:`prune` forgets those no longer held."""

    def __init__(self) -> None:
        super().__init__()
        self._evolutions: dict[tuple[int, str], tuple[dict, Any]] = {}
        self._signs: dict[tuple[int, str], tuple[dict, Any]] = {}

    def evolution(self, record: dict, key: str) -> Any:
        return _kept(self._evolutions, record, key, super().evolution)

    def sign(self, record: dict, key: str) -> int | None:
        return _kept(self._signs, record, key, super().sign)

    def prune(self, held: int) -> None:
        """Forget everything when far more is kept than the ``held`` records need."""
        if len(self._evolutions) + len(self._signs) + len(self._figures) > 12 * held + 1_000:
            self._figures, self._evolutions, self._signs = {}, {}, {}


class ReportRows:
    """One project's report rows as of ``position`` (see the module docstring)."""

    def __init__(self, project_id: Any) -> None:
        self.project_id = _hex(project_id)
        self.position: int | None = None
        self.lock = threading.RLock()
        self.rows: dict[str, dict[str, dict]] = {name: {} for name in TABLES}
        self.residence_order: list[str] = []  # residence ids by name, code (the database's order)
        self.figures = HeldFigures()
        self._households: list[dict] | None = None  # by reference (None: to sort again)
        self._proposals: list[dict] | None = None  # newest first (None: to sort again)
        self._moves: dict[tuple, tuple] = {}
        self._sheets: dict[str, tuple] = {}
        self._kept: dict[str, tuple] = {}
        self._each: dict[str, tuple] = {}
        # Moved on by every change that counts in the residences' balances (see balances).
        self._residence_version = 0
        self._balances: tuple = ((), [])

    # -- moving -------------------------------------------------------------------
    def move_to(self, db: Db, position: int) -> int:
        """Hold the rows as of ``position``; returns how many rows were read."""
        with self.lock, connect(db) as conn:
            if self.position is not None and position != self.position:
                low, high = min(position, self.position), max(position, self.position)
                changed = {name: self._changed(conn, name, low, high) for name in TABLES}
                if sum(len(keys) for keys in changed.values()) > FAR:
                    self.position = None
                else:
                    for name, keys in changed.items():
                        if name == "residences" and keys:
                            self._read(conn, name, position, None)  # a few rows, in their order
                        elif keys:
                            self._read(conn, name, position, sorted(keys))
                    self.position = position
                    return sum(len(keys) for keys in changed.values())
            if self.position is None:
                for name in TABLES:
                    self._read(conn, name, position, None)
                self.position = position
                _settle()
                return sum(len(rows) for rows in self.rows.values())
            return 0

    def _changed(self, conn: Any, name: str, low: int, high: int) -> set[str]:
        """Keys of ``name`` with a row version born or closed in (low, high]."""
        # By position only, the project checked here (see dashboard_state._changed).
        table, key, _ = TABLES[name]
        found: set[str] = set()
        for bound in (table.c.valid_from, table.c.valid_to):
            for project_id, value in conn.execute(
                select(table.c.project_id, table.c[key]).where(bound > low, bound <= high)
            ):
                if project_id == self.project_id:
                    found.add(value)
        return found

    def _read(self, conn: Any, name: str, position: int, keys: list[str] | None) -> None:
        """The rows of ``name`` as of ``position`` (``keys``: only those, else every row)."""
        table, key, columns = TABLES[name]
        chosen = columns or list(table.c)
        held = self.rows[name]
        if keys is None or self._touches_residences(name, [held.get(k) for k in keys]):
            self._residence_version += 1
        if keys is None:
            query = select(*chosen).where(as_of(table, position), table.c.project_id == self.project_id)
            if name == "residences":
                query = query.order_by(table.c.name, table.c.code)
            held.clear()
            for row in conn.execute(query).mappings():
                held[row[key]] = _row(row)
            if name == "residences":
                self.residence_order = list(held)
        else:
            for chunk in chunks(keys):
                for k in chunk:
                    held.pop(k, None)
                # A key found by _changed is the project's (ids are uuids).
                query = select(*chosen).where(as_of(table, position), table.c[key].in_(chunk))
                for row in conn.execute(query).mappings():
                    held[row[key]] = _row(row)
            if self._touches_residences(name, [held.get(k) for k in keys]):
                self._residence_version += 1
        if name == "households":
            self._households = None
        elif name == "proposals":
            self._proposals = None
            self.figures.prune(len(held))

    def _touches_residences(self, name: str, rows: list[dict | None]) -> bool:
        """Whether these rows (before or after a move) count in the residences' balances."""
        if name == "households":
            return any(row is not None and row["status"] == "reloge" for row in rows)
        if name == "proposals":
            return any(row is not None and row["status"] == "bail_signe" for row in rows)
        if name == "situations":
            held = self.rows["households"]
            return any(row is not None and (held.get(row["household_id"]) or {}).get("status") == "reloge"
                       for row in rows)
        return bool(rows)  # residences, links

    # -- what the report reads ----------------------------------------------------------
    def households(self, quartier: str | None = None) -> list[dict]:
        """``residual_income.report_households(…, quartier=…)`` at the held position (the
        columns the report reads)."""
        if self._households is None:
            self._households = sorted(self.rows["households"].values(), key=lambda h: h["reference"])
        if quartier is None:
            return list(self._households)
        return [h for h in self._households if h["quartier"] == quartier]

    def proposals(self) -> list[dict]:
        """``residual_income.report_proposals(…)`` at the held position (newest first), but
        the proposal-time indicators."""
        if self._proposals is None:
            self._proposals = sorted(self.rows["proposals"].values(), key=lambda p: (p["made_at"], p["rank"]),
                                     reverse=True)
        return list(self._proposals)

    def kept(self, name: str, items: list[tuple[dict, dict]], context: tuple, compute: Callable[[], Any],
             copy: Callable[[Any], Any] = deepcopy) -> Any:
        """``compute()``, kept under ``name`` while ``items`` (pairs of held rows) are the same
        rows in the same order and ``context`` is equal; a copy each time (results are shown
        and cached apart)."""
        ident = (tuple(id(row) for pair in items for row in pair), context)
        hit = self._kept.get(name)
        if hit is None or hit[0] != ident:
            hit = (ident, items, compute())  # the items kept with it: their ids stay theirs
            self._kept[name] = hit
        return copy(hit[2])

    def each(self, name: str, items: list[tuple[dict, dict]], context: tuple, make: Callable[[dict, dict], dict]
             ) -> list[dict]:
        """``[make(a, b) for a, b in items]``, each kept under ``name`` while its pair is the
        same rows and ``context`` is equal (a copy of each dict each time)."""
        old_context, made = self._each.get(name, ((), {}))
        if old_context != context:
            made = {}
        kept: dict[tuple[int, int], tuple] = {}
        out = []
        for a, b in items:
            hit = made.get((id(a), id(b)))
            if hit is None or hit[0] is not a or hit[1] is not b:
                hit = (a, b, make(a, b))  # the rows kept with it: their ids stay theirs
            kept[(id(a), id(b))] = hit
            out.append(dict(hit[2]))
        self._each[name] = (context, kept)
        return out

    def sheets(self, settings: dict | None, period: tuple[date, date] | None) -> list[Sheet]:
        """``residence_sheets.report_sheets(…)`` at the held position."""
        rules = pp.thresholds(settings)
        ruled = tuple(sorted(rules.items()))
        kept: dict[str, tuple] = {}
        out = []
        for balance in self.balances(settings):
            key = (tuple(sorted(map(id, balance.moved_in))), tuple(sorted(map(id, balance.moved_out))),
                   period, ruled)
            hit = self._sheets.get(balance.row["residence_id"])
            # The moves and the row are kept with the sheet: their ids stay theirs meanwhile.
            if hit is None or hit[0] is not balance.row or hit[1] != key:
                hit = (balance.row, key, balance.moved_in, balance.moved_out, sheet(balance, period))
            kept[balance.row["residence_id"]] = hit
            out.append(hit[4])
        self._sheets = kept
        return order_sheets(out)

    def balances(self, settings: dict | None) -> list[ResidenceBalance]:
        """``residence_figures.residence_balances(…)`` at the held position, each relocation
        made again only when one of its rows changed."""
        rules = pp.thresholds(settings)
        ident = (self._residence_version, tuple(sorted(rules.items())))
        if self._balances[0] == ident:
            return self._balances[1]
        rows = self.rows["residences"]
        result = {rid: ResidenceBalance(row=rows[rid], rules=rules) for rid in self.residence_order}
        links = {k: r for k, r in self.rows["links"].items() if r["residence_id"] is not None}
        leases = [p for p in self.rows["proposals"].values() if p["status"] == "bail_signe"]
        relocated = {hid: h for hid, h in self.rows["households"].items() if h["status"] == "reloge"}
        made: dict[tuple, tuple] = {}

        def move(kind: str, situation: dict, household: dict, link: dict, lease: dict, apl: Any,
                 in_work: Any, rav_day: Any) -> Move:
            key = (kind, id(situation), id(household), id(link), id(lease), apl, in_work, rav_day)
            hit = made.get(key) or self._moves.get(key)
            if hit is None or not all(a is b for a, b in zip(hit[:4], (situation, household, link, lease),
                                                             strict=True)):
                hit = (situation, household, link, lease, _move(
                    situation, household, link["surface_m2"], apl, in_work, rav_day, lease["lease_signed_on"]))
            made[key] = hit
            return hit[4]

        balances = assemble_balances(result, links, leases, relocated, self.rows["situations"], move)
        self._moves = made
        self._balances = (ident, balances)
        return balances


class ReportStates:
    """Per process: the report rows held for each project (one), moved to the positions
    asked when near (the semester running after new events); a report far from it (a past
    semester) reads its rows itself and leaves the held one where it is."""

    def __init__(self, db: Any) -> None:
        self.db = db
        self._lock = threading.Lock()
        self._held: dict[str, ReportRows] = {}

    def state(self, project_id: Any) -> ReportRows:
        pid = _hex(project_id)
        with self._lock:
            return self._held.setdefault(pid, ReportRows(pid))

    @contextmanager
    def using(self, project_id: Any) -> Iterator[ReportRows]:
        """The project's held rows, not moved by anyone else meanwhile."""
        state = self.state(project_id)
        with state.lock:
            yield state

    def near(self, project_id: Any, position: int, create: bool = False) -> ReportRows | None:
        """The held rows moved to ``position`` if they are within ``EVERY`` events of it (or
        ``create``: read there if none are held), else None. Call within :meth:`using`."""
        state = self.state(project_id)
        with state.lock:
            if state.position is None and not create:
                return None
            if state.position is not None and abs(state.position - position) > EVERY and not create:
                return None
            state.move_to(self.db, position)
            return state

    def advance(self, project_id: Any, position: int) -> None:
        """Move the held rows to ``position`` if near (a warm-up after new events)."""
        pid = _hex(project_id)
        with self._lock:
            state = self._held.get(pid)
        if state is None or state.position is None or abs(state.position - position) > EVERY:
            return
        with state.lock:
            state.move_to(self.db, position)
