"""The reste-à-vivre follow-up held per project at one position, moved by what changed.

:func:`relogement.projections.residual_income.suivi` reads every household, proposal,
situation and follow-up of the programme at each call (over a second for 6,000
households). Its figures are per household (:func:`residual_income.measure_row`, then
:func:`residual_income.row_figures` in a convention) and then summed up over the
households (:func:`residual_income.summarise`: means of exact fractions, counts, sorted
lists). So :class:`SuiviState` holds each household's row as of a position, and moves to
another position by reading only the households with a row version born or closed in
between (households, proposals, situations, follow-ups), as the dashboard's tallies do
(:mod:`relogement.projections.dashboard_state`). Each household's figures per convention
are kept until its row changes; a result is then the summary of held parts.

States are stored (``rm_dashboard_snapshots``, format ``rav-`` and the code's digest) so that a new process, or
an as-of page nearby, starts from the nearest instead of from every row. The web stores
them as it advances (only the last ``KEEP`` are kept); :func:`store_history` stores one at
every multiple of ``EVERY`` of the history, which are kept, so that an as-of page anywhere
starts at most ``EVERY // 2`` events away (a state from every row costs over a second). Equality with
today's computation (kept as ``tests/oracles/residual_today.py``) is tested at every
position of random histories, moved in random order (tests/test_residual_state.py).
"""

from __future__ import annotations

import gc
import io
import pickle
import threading
import time
import zlib
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from relogement.projections import queries as q
from relogement.projections import report_files
from relogement.projections import residual_income as ri
from relogement.projections.dashboard_snapshots import (
    RestrictedUnpickler,
    last_position,
    nearest_data,
    snapshots,
)
from relogement.projections.queries.base import chunks
from relogement.projections.read_models import (
    follow_ups,
    household_situation,
    households,
    proposals,
)

# The code's digest names the stored states: figures stored by another version of the
# formulas are never read.
FORMAT = "rav-" + report_files.code_digest()[:16]
EVERY = 500  # events between two stored states of a project
KEEP = 8  # stored states kept per project (the last ones)
FAR = 2_000  # households to read again beyond which the state is read from every row
HISTORY_CHANGED = 50  # households changed since the last state of the history, to store one
_LEVEL = 6  # zlib: 4 times smaller; reading back 6,000 households' figures takes ≈ 6 ms more
_HH = [households.c[k] for k in (
    "household_id", "reference", "quartier", "operation", "bailleur_org", "status", "persons")]
_TABLES = (households, proposals, household_situation, follow_ups)


class SuiviState:
    """One project's reste-à-vivre rows as of ``position`` (see the module docstring)."""

    def __init__(self, project_id: Any) -> None:
        self.project_id = q._hex(project_id)
        self.position: int | None = None
        self.lock = threading.Lock()
        # convention key → household → its figures (residual_income.row_figures), in both
        # conventions: what a result sums up, and all that is stored.
        self.parts: dict[str, dict[str, ri.RowFigures]] = {key: {} for key in ri.CONVENTION_KEYS.values()}
        self._order: list[str] | None = None  # households by reference (None: to sort again)
        # A state read back keeps each convention's figures stored until one is asked
        # (half the reading for the first page), with the rows changed since.
        self._stored: dict[str, bytes] = {}
        self._pending: dict[str, dict[str, dict | None]] = {}
        self.read_back = False  # made by from_bytes

    # -- moving -------------------------------------------------------------------
    def move_to(self, db: q.Db, position: int) -> int:
        """Hold the rows as of ``position``; returns how many households were read."""
        with q.connect(db) as conn:
            if self.position is not None and position != self.position:
                ids = sorted(self._changed(conn, min(position, self.position), max(position, self.position)))
                if len(ids) > FAR:  # reading them would cost more than reading everything
                    self.position = None
                else:
                    self._replace(ids, self._read(conn, position, ids))
                    self.position = position
                    return len(ids)
            if self.position is None:
                rows = self._read(conn, position, None)
                self.parts = {key: {} for key in ri.CONVENTION_KEYS.values()}
                self._stored, self._pending = {}, {}
                self._replace(list(rows), rows)
                self.position = position
                return len(rows)
            return 0

    def _replace(self, ids: list[str], rows: dict[str, dict]) -> None:
        """The figures of households ``ids`` from their ``rows`` (none: gone at this position)."""
        for key in self._stored:
            self._pending.setdefault(key, {}).update((hid, rows.get(hid)) for hid in ids)
        for key, parts in self.parts.items():
            if key in self._stored:
                continue
            for hid in ids:
                old = parts.pop(hid, None)
                new = rows.get(hid)
                if new is not None:
                    parts[hid] = ri.row_figures(new, key)
                if old is None or new is None or old.row["reference"] != new["reference"]:
                    self._order = None

    def _changed(self, conn: Any, low: int, high: int) -> set[str]:
        """Households with a row version born or closed in (low, high]."""
        # By position only, the project checked here (see dashboard_state._changed).
        found: set[str] = set()
        for table in _TABLES:
            for bound in (table.c.valid_from, table.c.valid_to):
                for project_id, key in conn.execute(
                    select(table.c.project_id, table.c.household_id).where(bound > low, bound <= high)
                ):
                    if project_id == self.project_id:
                        found.add(key)
        return found

    def _read(self, conn: Any, position: int, ids: list[str] | None) -> dict[str, dict]:
        """household → its row as of ``position`` (``ids``: None = every household)."""
        pid = self.project_id
        if ids is None:
            hh = ri.report_households(conn, pid, position, columns=_HH)
            props = ri.report_proposals(conn, pid, position)
            situations, fups = ri.read_measures(
                conn, position, household_situation.c.project_id == pid, follow_ups.c.project_id == pid)
        else:
            hh, props, situations, fups = [], [], {}, {}
            for chunk in chunks(ids):
                hh.extend(ri.report_households(conn, pid, position, columns=_HH, ids=chunk))
                props.extend(ri.report_proposals(conn, pid, position, ids=chunk))
                more_situations, more_fups = ri.read_measures(
                    conn, position, household_situation.c.household_id.in_(chunk),
                    follow_ups.c.household_id.in_(chunk))
                situations.update(more_situations)
                fups.update(more_fups)
        return {r["household_id"]: r for r in ri.assemble_rows(hh, props, situations, fups)}

    def figures(self, key: str) -> dict[str, ri.RowFigures]:
        """Household → figures in the convention of ``key`` (read back from storage if
        still there, then the rows changed since applied)."""
        data = self._stored.pop(key, None)
        if data is not None:
            try:
                parts = _load(data)
            except zlib.error as error:
                raise ValueError("not a reste-à-vivre state") from error
            if type(parts) is not dict or not all(type(part) is ri.RowFigures for part in parts.values()):
                raise ValueError("not a reste-à-vivre state")
            for hid, row in self._pending.pop(key, {}).items():
                parts.pop(hid, None)
                if row is not None:
                    parts[hid] = ri.row_figures(row, key)
            self.parts[key] = parts
        return self.parts[key]

    # -- what the page shows ----------------------------------------------------------
    def suivi(
        self,
        project: dict,
        when: datetime,
        *,
        convention: str,
        threshold: Decimal | str | None = None,
        fall: Decimal | str = Decimal("1"),
        quartier: str | None = None,
    ) -> dict[str, Any]:
        """``residual_income.suivi`` at the held position (``project``: its row there)."""
        assert self.position is not None, "move_to first"
        parts = self.figures(ri.CONVENTION_KEYS[convention])
        if self._order is None:
            self._order = [hid for hid, _ in sorted(parts.items(), key=lambda item: item[1].row["reference"])]
        chosen = [parts[hid] for hid in self._order]
        if quartier is not None:
            chosen = [part for part in chosen if part.row["quartier"] == quartier]
        return ri.summarise(chosen, project, self.position, when, convention=convention,
                            threshold=threshold, fall=fall)


def suivi(
    db: q.Db,
    project_id: Any,
    *,
    position: int | None = None,
    instant: datetime | None = None,
    convention: str | None = None,
    threshold: Decimal | str | None = None,
    fall: Decimal | str = Decimal("1"),
    quartier: str | None = None,
    state: SuiviState | None = None,
) -> dict[str, Any]:
    """:func:`residual_income.suivi`, from ``state`` (moved to ``position``; else a new one)."""
    position, when = ri.resolve(db, position, instant)
    project = q.get_project(db, project_id, position=position) or {"settings": {}}
    convention = ri._convention(project, convention)
    state = state or SuiviState(project_id)
    with state.lock:
        state.move_to(db, position)
        try:
            return state.suivi(project, when, convention=convention, threshold=threshold, fall=fall,
                               quartier=quartier)
        except (pickle.UnpicklingError, ValueError, TypeError, EOFError):
            if not state.read_back:
                raise  # not a stored state's
            state.position, state.read_back = None, False  # unreadable: read again from the rows
            state.move_to(db, position)
            return state.suivi(project, when, convention=convention, threshold=threshold, fall=fall,
                               quartier=quartier)


# -- stored states ------------------------------------------------------------------------


def _fraction(numerator: int, denominator: int) -> Fraction:
    return Fraction(numerator, denominator)


def _figures(*fields: Any) -> ri.RowFigures:
    return ri.RowFigures(*fields)


class _Pickler(pickle.Pickler):
    """Fractions as two integers, figures as their fields: read back without parsing text."""

    def reducer_override(self, obj: Any) -> Any:
        if type(obj) is Fraction:
            return _fraction, (obj.numerator, obj.denominator)
        if type(obj) is ri.RowFigures:
            return _figures, tuple(obj)
        return NotImplemented


class _Unpickler(RestrictedUnpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module == __name__ and name in ("_fraction", "_figures"):
            return {"_fraction": _fraction, "_figures": _figures}[name]
        return super().find_class(module, name)


def _dump(value: Any) -> bytes:
    # Compressed: the history's states (one per EVERY events) would weigh 2.7 MB each,
    # 0.7 MB so; reading one back costs a few milliseconds more.
    out = io.BytesIO()
    _Pickler(out, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return zlib.compress(out.getvalue(), _LEVEL)


def _load(data: bytes) -> Any:
    # Tens of thousands of objects at once: the collector would run many times over the
    # ones just made (more than half of the time); none of them is garbage yet.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _Unpickler(io.BytesIO(zlib.decompress(data))).load()
    finally:
        if collecting:
            gc.enable()


def to_bytes(state: SuiviState) -> bytes:
    """The state's figures, each convention's apart (read back only when asked)."""
    parts = {
        key: state._stored[key] if key in state._stored and not state._pending.get(key)
        else _dump(state.figures(key))
        for key in state.parts
    }
    return pickle.dumps({"position": state.position, "parts": parts}, protocol=pickle.HIGHEST_PROTOCOL)


def from_bytes(project_id: str, data: bytes) -> SuiviState:
    loaded = _Unpickler(io.BytesIO(data)).load()
    state = SuiviState(project_id)
    state.position = int(loaded["position"])
    parts = loaded["parts"]
    if sorted(parts) != sorted(state.parts) or not all(type(v) is bytes for v in parts.values()):
        raise ValueError("not a reste-à-vivre state")
    state._stored = dict(parts)
    state.read_back = True
    return state


def save(db: q.Db, state: SuiviState, keep: int = KEEP) -> bool:
    """Store ``state`` (False if one is stored at its position already, or the database is
    busy: a stored state only saves time), and drop the project's older ones beyond the
    ``keep`` last (megabytes each: stored as the programme advances, they would grow with
    its history) but those of the history's grid (:func:`store_history`), and any stored
    by another version of the code."""
    row = {"project_id": state.project_id, "format": FORMAT, "position": state.position,
           "data": to_bytes(state), "stored_at": datetime.now(tz=UTC)}
    c = snapshots.c
    try:
        with q.connect(db) as conn:
            conn.execute(snapshots.insert().values(**row))
            mine = (c.project_id == state.project_id, c.format.like("rav-%"))
            kept = select(c.position).where(*mine, c.format == FORMAT).order_by(c.position.desc()).limit(keep)
            oldest = min(conn.execute(kept).scalars(), default=None)
            if oldest is not None:
                older = (c.position < oldest) & (c.position % EVERY != 0)
                conn.execute(snapshots.delete().where(*mine, (c.format != FORMAT) | older))
            conn.commit()
    except (IntegrityError, OperationalError):
        return False
    return True


def store_history(db: q.Db, project_id: Any, until: int | None = None, seconds: float | None = None) -> int:
    """Store a state at every multiple of ``EVERY`` of the history not yet stored where at
    least ``HISTORY_CHANGED`` of the project's households changed since the last one (an
    as-of page then starts at most ``EVERY // 2`` events, or that many households, away;
    ``save`` keeps them). Walks forward from the last of them (else from the first event),
    each step reading only the households changed in it.
    ``seconds``: stop storing once that much time is spent (the scheduler fills the history
    a part at each pass; the next pass goes on where this one stopped).
    Returns how many were stored (about 0.6 MB each for a 6,000-household programme)."""
    pid = q._hex(project_id)
    last = q.current_position(db) if until is None else until
    c = snapshots.c
    with q.connect(db) as conn:
        have = set(conn.execute(select(c.position).where(c.project_id == pid, c.format == FORMAT)).scalars())
    # Resumed from the last state of the grid (a scheduler's pass stopped by its time, new
    # events since): the steps before it are not walked again, and moving that state counts
    # the households changed since it was stored.
    start = max((p for p in have if p % EVERY == 0), default=0)
    state = (nearest(db, pid, start) if start else None) or SuiviState(pid)
    written = changed = 0
    began = time.monotonic()
    for position in range(start + EVERY, last + 1, EVERY):
        if position in have:
            changed = 0
            continue
        if seconds is not None and time.monotonic() - began >= seconds:
            break
        changed += state.move_to(db, position)
        # Where the project's own households hardly changed (a programme among thirty, whose
        # events are a thirtieth of these 500), the state stored before is as near: moving
        # it costs what changed, not the events in between.
        if changed >= HISTORY_CHANGED:
            written += save(db, state)
            changed = 0
    return written


def last_stored(db: q.Db, project_id: str) -> int | None:
    return last_position(db, project_id, FORMAT)


def nearest(db: q.Db, project_id: str, position: int) -> SuiviState | None:
    """The stored state closest to ``position`` (before or after it), or None."""
    data = nearest_data(db, project_id, FORMAT, position)
    if data is None:
        return None
    try:
        return from_bytes(q._hex(project_id), data)
    except (pickle.UnpicklingError, KeyError, TypeError, ValueError, EOFError):
        return None  # unreadable: read again from the rows


class SuiviStates:
    """Per process: the states held for each project, moved to the positions asked
    (as :class:`relogement.projections.dashboard.DashboardStates`)."""

    def __init__(self, db: Any, keep: int = 2, store: bool = True) -> None:
        self.db = db
        self.keep = keep
        self.store = store
        self._lock = threading.Lock()
        self._held: dict[str, list[SuiviState]] = {}
        self._stored: dict[str, int] = {}

    def suivi(self, project_id: Any, position: int | None = None, instant: datetime | None = None,
              **options: Any) -> dict[str, Any]:
        position, when = ri.resolve(self.db, position, instant)
        pid = q._hex(project_id)
        state = self._state_for(pid, position)
        started_empty = state.position is None
        result = suivi(self.db, pid, position=position, instant=when, state=state, **options)
        if self.store:
            self._keep_stored(pid, state, started_empty)
        return result

    def near(self, project_id: Any, position: int, instant: datetime, **options: Any) -> dict[str, Any] | None:
        """The follow-up at ``position`` from a state held near it (moved there), or None when
        none is held within ``EVERY`` events (a report of a past semester: computed apart,
        the live state left where it is)."""
        pid = q._hex(project_id)
        with self._lock:
            held = [s for s in self._held.get(pid, []) if s.position is not None]
        best = min(held, key=lambda s: abs(s.position - position), default=None)  # type: ignore[operator]
        if best is None or abs(best.position - position) > EVERY:  # type: ignore[operator]
            return None
        return suivi(self.db, pid, position=position, instant=instant, state=best, **options)

    def advance(self, project_id: Any, position: int) -> None:
        """Move the held state closest to ``position`` there, if it is near (a warm-up after
        new events: milliseconds; the next page then only sums the households' parts)."""
        pid = q._hex(project_id)
        with self._lock:
            held = [s for s in self._held.get(pid, []) if s.position is not None]
        best = min(held, key=lambda s: abs(s.position - position), default=None)  # type: ignore[operator]
        if best is None or abs(best.position - position) > EVERY:  # type: ignore[operator]
            return
        with best.lock:
            best.move_to(self.db, position)
        if self.store:
            self._keep_stored(pid, best, False)

    def _state_for(self, pid: str, position: int) -> SuiviState:
        with self._lock:
            held = self._held.setdefault(pid, [])
            best = min(held, key=lambda s: abs((s.position or 0) - position), default=None)
        distance = abs(best.position - position) if best is not None and best.position is not None else None
        if distance is not None and distance <= EVERY:
            return best  # type: ignore[return-value]
        state = nearest(self.db, pid, position)
        if state is not None and distance is not None and abs(state.position - position) >= distance:
            state = None  # the held one is closer
        if state is None and best is not None:
            return best
        state = state or SuiviState(pid)
        with self._lock:
            held.append(state)
            del held[:-self.keep]
        return state

    def _keep_stored(self, pid: str, state: SuiviState, started_empty: bool) -> None:
        with state.lock:
            position = state.position
            if position is None:
                return
            if pid not in self._stored:
                self._stored[pid] = last_stored(self.db, pid) or 0
            if started_empty or position - self._stored[pid] >= EVERY:
                save(self.db, state)
                self._stored[pid] = max(self._stored[pid], position)
