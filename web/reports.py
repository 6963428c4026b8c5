"""Reports for the pages: dashboard, reste-à-vivre, semestrial report (HTML, PDF, XLSX).

The figures are computed by :mod:`relogement.projections` (dashboard, residual_income,
semester_report, report_output) from the versioned read models, always **at a position**: the
live page reads at the last applied position, an auditor at ``position_at(instant)``.
A result at a given position (and, for the dashboard, a given count of objection windows
over: its "awaiting the deadline" count depends on the clock) never changes, so it is
cached here.

The dashboard is never late: each page shows it at the read models' position. It costs
what changed since the last one shown, not the programme: the process keeps each
project's tallies and moves them event by event
(:class:`relogement.projections.dashboard.DashboardStates`).

PDF rendering (WeasyPrint) takes seconds for a large programme: files are produced by
a small background worker and cached by position, and the page shows "en préparation"
(htmx polling) until the file is ready, instead of holding a request for that long.
Once a semester is over, its files are also stored in the read-model database
(:mod:`relogement.projections.report_files`): produced once, then served from there by
every worker and after every restart; a semester still running is never stored. So are
its figures (:mod:`relogement.projections.report_figures`): the first report page of a
process reads them instead of computing them.

The reste-à-vivre is served from per-household figures held per project and moved by what
changed (:class:`relogement.projections.residual_state.SuiviStates`): after a new event it
costs the households that changed and the sums, and a new process starts from a stored state.
The semester running's report reads its rows from those held per project
(:class:`relogement.projections.report_state.ReportStates`): read once per process, then
moved by what changed, each lease's and residence's figures kept while their rows are the same.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from relogement.projections import dashboard as dashboard_module
from relogement.projections import queries as q
from relogement.projections import (
    report_figures,
    report_files,
    report_queries,
    report_state,
    residual_income,
    residual_state,
)
from relogement.projections import report_output as ro
from relogement.projections import semester_report as rs
from relogement.web.cache import Cache

log = logging.getLogger(__name__)

# Projects whose running semester's report a worker prepares at its start (83 MB of held
# rows each for 6,000 households: at national scale, not every programme's).
RUNNING_REPORTS_WARMED = 4


@dataclass(frozen=True)
class SemesterChoice:
    year: int
    half: int
    ended: bool  # at the instant the page is read at

    @property
    def code(self) -> str:
        return f"{self.year}-S{self.half}"

    @property
    def label(self) -> str:
        label = rs.Semester(self.year, self.half).label
        return label if self.ended else f"{label} (en cours, provisoire)"


def semesters(since: datetime, at: datetime) -> list[SemesterChoice]:
    """Semesters from the project's creation to the one containing ``at``, newest first."""
    out = []
    year, half = since.astimezone(rs.PARIS).year, 1 if since.astimezone(rs.PARIS).month <= 6 else 2
    while True:
        sem = rs.Semester(year, half)
        if sem.start > at:
            break
        out.append(SemesterChoice(year, half, sem.end <= at))
        year, half = (year, 2) if half == 1 else (year + 1, 1)
    return list(reversed(out))


def parse_semester(code: str) -> tuple[int, int] | None:
    """"2026-S1" → (2026, 1); None if malformed."""
    parts = code.strip().upper().split("-S")
    if len(parts) != 2 or not parts[0].isdigit() or parts[1] not in ("1", "2"):
        return None
    year = int(parts[0])
    if not 1990 <= year <= 2200:
        return None
    return year, int(parts[1])


class Reports:
    """One per Flask app: the report computations, cached by position."""

    def __init__(
        self,
        db: Any,
        workers: int = 1,
        wait_seconds: float = 6.0,
        reader: Callable[[], Any] | None = None,
        last_position: Callable[[], int] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.db = db
        self._clock = clock or (lambda: datetime.now(UTC))
        # The per-request lookups (position, windows over) go through the page's own
        # connection when there is one; computations in the background use the engine.
        self._reader = reader or (lambda: db)
        self._last_position = last_position or (lambda: q.current_position(self._reader()))
        self.states = dashboard_module.DashboardStates(db)
        self.rav_states = residual_state.SuiviStates(db)
        self.report_states = report_state.ReportStates(db)
        self.wait_seconds = wait_seconds  # how long a request waits for a file before "en préparation"
        self.cache = Cache(64)
        self.files = Cache(16)
        self._persisted: set[tuple] = set()  # files known to be in the store
        self._figures_stored: set[tuple] = set()  # report figures known to be in the store
        self._jobs: dict[tuple, Future] = {}
        self._jobs_lock = threading.Lock()
        self._warmed: int | None = None
        self._warming = False  # a warm-up job is queued or running
        self._warmed_projects: set[UUID] = set()  # reste-à-vivre and report warmed once
        self._running_warmed: set[UUID] = set()  # projects whose running report is held
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rapports")

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    # -- positions ------------------------------------------------------------
    def position(self, position: int | None) -> int:
        return self._last_position() if position is None else position

    # -- dashboard ------------------------------------------------------------
    def _deadlines_passed(self, project_id: UUID, position: int | None, at: datetime) -> int:
        """How many of the live proposals at ``position`` had their deadline at ``at``.

        The only figures that depend on the clock are the proposals still in their
        objection window; as time goes by, that set only shrinks, so this count names
        it: (position, count) is an exact cache key, valid across minutes and hours.
        """
        return report_queries.deadlines_passed(self._reader(), project_id, position, at)

    def dashboard(self, project_id: UUID, position: int | None, at: datetime) -> dict:
        """The project's dashboard at ``position`` (None = live), proposals in their
        window counted at ``at``."""
        return self.dashboard_for(self.dashboard_key(project_id, position, at), at)

    def dashboard_for(self, key: tuple, at: datetime) -> dict:
        """The dashboard named by ``dashboard_key(…)`` (computed at most once per key)."""
        _, project_id, pos, _ = key
        return self.cache.get(key, lambda: self.states.dashboard(project_id, pos, at))

    def dashboard_view(
        self, project_id: UUID, position: int | None, at: datetime
    ) -> tuple[tuple, dict, datetime]:
        """(key, figures, the instant they describe) of the dashboard a page shows: as of
        ``position``, or live at the read models' position (never an older one)."""
        key = self.dashboard_key(project_id, position, at)
        return key, self.dashboard_for(key, at), at

    def dashboard_key(self, project_id: UUID, position: int | None, at: datetime) -> tuple:
        """What names the dashboard's content: project, position, windows over at ``at``."""
        pos = self.position(position)
        # Live: counted on the current rows (an index range), not on the versions at pos.
        return ("dashboard", project_id, pos, self._deadlines_passed(project_id, position, at))

    def warm(self, project_ids: Callable[[], list[UUID]], at: datetime, position: int | None = None) -> None:
        """Compute the live dashboard, reste-à-vivre and default report in the background
        (after a command or new events), so the next reader finds them ready.

        Called before every request: at an unchanged position it costs one indexed MAX.
        One job at a time: events arriving while it runs are taken by the next one, which
        starts from the position reached then (a stream of commands costs one computation
        at a time, not one per event).
        """
        pos = self.position(position)
        with self._jobs_lock:
            if self._warmed == pos or self._warming:
                return
            self._warmed, self._warming = pos, True
        ids = project_ids()

        def work() -> None:
            try:
                for project_id in ids:
                    self._warm_project(project_id, pos, at)
            finally:
                with self._jobs_lock:
                    self._warming = False
                if self.position(None) != pos:  # events came meanwhile: warm the last one
                    self.warm(project_ids, at)

        self._pool.submit(work)

    def _warm_project(self, project_id: UUID, pos: int, at: datetime) -> None:
        """The live dashboard at every new position (milliseconds: it moves by what changed);
        the reste-à-vivre, the default report and the running semester's once per process,
        for its first readers.
        Warming those two at every event cost each worker seconds of CPU per command, and
        every page paid for it (p95 of the lightest page 339 ms with a command every 5 s):
        after the first time, their pages compute them when they are read; the
        reste-à-vivre's held rows still follow each event (what it changed), so its page
        only sums the households' figures."""
        try:
            self.dashboard_view(project_id, None, at)
            if project_id in self._warmed_projects:
                # The reste-à-vivre rows follow too (what the event changed, milliseconds);
                # its figures are summed when the page is read.
                self.rav_states.advance(project_id, pos)
                self.report_states.advance(project_id, pos)  # the running report's rows too
                return
            self._warmed_projects.add(project_id)
            # The pages' defaults: the project's convention, the last semester over.
            project = q.get_project(self.db, project_id)
            convention = residual_income.project_convention(project)
            self.suivi(project_id, pos, at, convention=convention, threshold=None,
                       fall=Decimal("1"), quartier=None)
            choices = semesters(project["created_at"], at) if project else []
            done = [c for c in choices if c.ended]
            if done:
                key = self.report_key(project_id, done[0].year, done[0].half, None, convention)
                self.report(key)
                # Its chart too: the first one of a process imports and sets up the plotting
                # library (≈ 0.9 s on this machine), the first report page would pay it.
                self.chart(key)
            running = [c for c in choices if not c.ended]
            if running and len(self._running_warmed) < RUNNING_REPORTS_WARMED:
                # The semester running: its rows read and held (seconds for 6,000 households,
                # 83 MB), then moved by each event (above), so that its first page after a
                # start, or after an event, only sums what changed.
                self._running_warmed.add(project_id)
                key = self.report_key(project_id, running[0].year, running[0].half, None, convention)
                self.report(key)
                self.chart(key)
        except Exception:  # noqa: BLE001 - a warm-up only; the page computes it again
            log.exception("préchargement du tableau de bord")

    # -- reste-à-vivre ----------------------------------------------------------
    def suivi(
        self,
        project_id: UUID,
        position: int | None,
        at: datetime,
        *,
        convention: str,
        threshold: Decimal | None,
        fall: Decimal,
        quartier: str | None,
    ) -> dict:
        pos = self.position(position)
        key = ("rav", project_id, pos, convention, threshold, Decimal(fall), quartier)
        return self.cache.get(
            key,
            lambda: self.rav_states.suivi(
                project_id, pos, at, convention=convention, threshold=threshold, fall=fall, quartier=quartier,
            ),
        )

    # -- semestrial report --------------------------------------------------------
    def report_key(self, project_id: UUID, year: int, half: int, quartier: str | None, convention: str) -> tuple:
        # The report reads as of the semester's end: that position names its content.
        instant = rs.Semester(year, half).as_of_instant
        # The last position at a past instant: fixed until another event arrives (an
        # event stamped in the past by a skewed clock moves the current position too).
        pos = self.cache.get(
            ("position_at", instant, self.position(None)), lambda: q.position_at(self._reader(), instant)
        )
        return (project_id, year, half, quartier, convention, pos)

    def report(self, key: tuple) -> dict:
        figures = self.cache.get(("rapport",) + key, lambda: self._report_figures(key))
        if key not in self._figures_stored:  # computed while its semester was running
            self._store_figures(key, figures)
        return figures

    def _report_figures(self, key: tuple) -> dict:
        """A semester over: its figures read from the store if they are there, else computed
        and stored (every worker and restart then reads them: milliseconds, not seconds)."""
        project_id, year, half, quartier, convention, pos = key
        text = self._store_key(key, "figures")
        if text is not None:
            try:
                stored = report_figures.load(self.db, project_id, pos, text)
            except Exception:  # noqa: BLE001 - the store is an optimisation: compute instead
                log.exception("rapport semestriel : chiffres enregistrés illisibles")
                stored = None
            if stored is not None:
                self._figures_stored.add(key)
                return stored
        with self.report_states.using(project_id):
            figures = rs.build(
                self.db, project_id, year, half, quartier=quartier, convention=convention,
                # The semester running: its reste-à-vivre from the live figures held nearby,
                # its rows from those held (read once, then moved by what changed).
                held_suivi=lambda *args, **options: self.rav_states.near(project_id, *args, **options),
                held_rows=lambda position: self.report_states.near(project_id, position, create=text is None),
            )
        self._store_figures(key, figures)
        return figures

    def _store_figures(self, key: tuple, figures: dict) -> None:
        """Store the figures if their semester is over (once per key and process)."""
        text = self._store_key(key, "figures")
        if text is None:
            return
        project_id, *_, pos = key
        report_figures.store(self.db, project_id, pos, text, figures, self._clock())
        self._figures_stored.add(key)

    def chart(self, key: tuple) -> str:
        # Kept by what it shows, not by the report's position: the running semester's report
        # is at a new position after every event, and drawing it costs ≈ 100 ms.
        report = self.report(key)
        return self.cache.get(("graphique", ro.chart_series(report)), lambda: ro.chart_data_uri(report))

    def file(self, key: tuple, fmt: str, wait: float | None = None) -> bytes | None:
        """The PDF/XLSX bytes if ready within ``wait`` seconds (default ``wait_seconds``);
        else start producing them and return None.

        A semester over (by the clock) is read from the store first: produced once, ever.
        """
        ident = (fmt,) + key
        ready = self.files.peek(ident)
        if ready is not None:
            if ident not in self._persisted:  # produced while its semester was running
                self._store(ident, key, fmt, ready)
            return ready
        stored = self._stored(key, fmt)
        if stored is not None:
            self._persisted.add(ident)
            self.files.put(ident, stored)
            return stored
        with self._jobs_lock:
            job = self._jobs.get(ident)
            if job is None or (job.done() and job.exception() is not None):
                job = self._pool.submit(self._produce, ident, key, fmt)
                self._jobs[ident] = job
        try:
            # Small reports are ready in well under a second: answer at once.
            return job.result(timeout=self.wait_seconds if wait is None else wait)
        except TimeoutError:
            return None

    def failed(self, key: tuple, fmt: str) -> bool:
        with self._jobs_lock:
            job = self._jobs.get((fmt,) + key)
        return bool(job and job.done() and job.exception() is not None)

    def frozen(self, key: tuple) -> bool:
        """Whether the report's semester is over (its content can no longer change)."""
        _, year, half, _, _, pos = key
        return pos is not None and rs.Semester(year, half).end <= self._clock()

    def _store_key(self, key: tuple, fmt: str) -> str | None:
        if not self.frozen(key):
            return None
        project_id, year, half, quartier, convention, pos = key
        return report_files.key_text(project_id, year, half, quartier, convention, pos, fmt)

    def _stored(self, key: tuple, fmt: str) -> bytes | None:
        text = self._store_key(key, fmt)
        if text is None:
            return None
        try:
            return report_files.load(self.db, text)
        except Exception:  # noqa: BLE001 - the store is an optimisation: produce instead
            log.exception("rapport semestriel %s : lecture du fichier enregistré", fmt)
            return None

    def _produce(self, ident: tuple, key: tuple, fmt: str) -> bytes:
        try:
            data = self._stored(key, fmt)  # stored meanwhile by another worker
            if data is None:
                report = self.report(key)
                data = ro.render_pdf(report) if fmt == "pdf" else ro.render_xlsx(report)
            self._store(ident, key, fmt, data)
        except Exception:
            log.exception("rapport semestriel %s non produit", fmt)
            raise
        self.files.put(ident, data)
        with self._jobs_lock:
            self._jobs.pop(ident, None)
        return data

    def _store(self, ident: tuple, key: tuple, fmt: str, data: bytes) -> None:
        """Store the file if its semester is over (once per file and process)."""
        text = self._store_key(key, fmt)
        if text is None:
            return
        try:
            report_files.store(self.db, text, data, self._clock())
            self._persisted.add(ident)
        except Exception:  # noqa: BLE001 - served from memory; stored by the next producer
            log.exception("rapport semestriel %s : fichier non enregistré", fmt)


def file_name(report: dict, fmt: str) -> str:
    sem = report["semestre"]
    scope = report["quartier"] or "projet"
    return f"rapport-semestriel-{scope}-{sem.year}-S{sem.half}.{fmt}"


def key_file_name(key: tuple, fmt: str) -> str:
    """:func:`file_name` from the report's key (a stored file is served without its figures)."""
    _, year, half, quartier, _, _ = key
    return f"rapport-semestriel-{quartier or 'projet'}-{year}-S{half}.{fmt}"


def day_end(day: date) -> datetime:
    """The last instant of a Paris day, in UTC."""
    start = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=rs.PARIS)
    return (start - timedelta(microseconds=1)).astimezone(UTC)
