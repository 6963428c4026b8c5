"""The scheduler: closes every due objection window, and mails the notifications.

The scheduler is only a trigger. Each pass (a "tick"):

1. catches up the read models (the deadline table and the inboxes) from the
   notification log;
2. asks the deadline table which windows are due at the clock's instant and
   calls ``RelocationApp.close_objection_window`` for each, oldest first;
3. catches up again, so the closings reach the inboxes;
4. mails the new notifications (only when SMTP is configured);
5. at most every ``STATES_EVERY_SECONDS``, stores each project's dashboard and
   reste-à-vivre state at the head when the last stored one is ``EVERY`` events behind
   or missing (:mod:`relogement.projections.stored_states`): with none (a store just
   rebuilt), a page's first request would read every row of the programme; then, for
   at most ``HISTORY_SECONDS``, the reste-à-vivre's missing states of the past (named by
   the code's version: all missing after a deploy), where as-of pages start from.

Exactly once comes from the domain, not from here: ``close_window`` records
nothing for an already closed window, and two writers closing the same window
at once conflict on the proposal's version (optimistic concurrency): the loser
reloads, sees the window closed, and records nothing. A second scheduler, a
retried tick or a replay therefore never adds a second ``ObjectionWindowClosed``.

Deployment: ONE dedicated process (``relogement scheduler``), never inside the web
workers. APScheduler 3 keeps its jobs per process: with gunicorn's N workers
each would run its own copy of the job (harmless for correctness thanks to the
above, but N times the load and N mailers sending the same mail). The job is an
interval job (``coalesce=True``, ``max_instances=1``, ``misfire_grace_time=None``)
rather than one date job per deadline: a date job missed while the process was
down would be skipped, whereas the interval job's first pass, run at start-up,
closes every window whose deadline passed meanwhile.
"""

from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from relogement.platform.actors import SYSTEM
from relogement.platform.errors import DomainError
from relogement.projections import deadlines
from relogement.projections.runner import ProjectionRunner
from relogement.runtime import mailer
from relogement.runtime.application import RelocationApp

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_SECONDS = 30
STATES_EVERY_SECONDS = 600
HISTORY_SECONDS = 20.0  # per pass, storing the reste-à-vivre's past states (stored_states)
JOB_ID = "fermer-delais-opposition"


def build_projection_runner(app: RelocationApp) -> ProjectionRunner:
    """The runner that feeds the deadline table and the inboxes.

    Every runner writing to one database must hold the same projectors under the
    same tracking name (the event journal and each table are fed once per
    position), so the scheduler uses the projections' shared ``build_runner``,
    which registers the deadline and notification projectors with the others.
    """
    from relogement.projections import build_runner

    return build_runner(app)


@dataclass(frozen=True)
class TickReport:
    at: datetime
    due: int
    closed: int
    errors: int
    mailed: int


class DeadlineScheduler:
    """Closes due objection windows; one instance per scheduler process."""

    def __init__(
        self,
        app: RelocationApp,
        runner: ProjectionRunner | None = None,
        *,
        interval_seconds: float = DEFAULT_INTERVAL_SECONDS,
        smtp: mailer.SmtpSettings | None = None,
    ) -> None:
        self.app = app
        # Touch the event store once outside the runner's lock: on a fresh SQLite file
        # the store's first transaction switches the file to WAL mode, which cannot
        # happen while the runner holds its write lock (``database is locked``).
        app.recorder.max_notification_id()
        self.runner = runner or build_projection_runner(app)
        self._own_runner = runner is None
        self.interval_seconds = interval_seconds
        self.smtp = smtp
        self._scheduler: Any = None
        self._tick_lock = threading.Lock()
        self._states_at: datetime | None = None

    @classmethod
    def from_env(cls, app: RelocationApp, **kwargs: Any) -> DeadlineScheduler:
        return cls(app, smtp=mailer.SmtpSettings.from_env(), **kwargs)

    # -- one pass ---------------------------------------------------------------
    def tick(self) -> TickReport:
        """One pass; safe to run at any time, any number of times, from any process."""
        with self._tick_lock:
            self._catch_up()
            at = self.app.clock()
            due = deadlines.due_windows(self.runner.engine, at)
            closed = errors = 0
            for proposal_id in due:
                try:
                    if self.app.close_objection_window(proposal_id, SYSTEM):
                        closed += 1
                except DomainError as error:
                    # e.g. a clock set back: the next pass retries.
                    errors += 1
                    log.warning("délai de %s non clos : %s", proposal_id, error.message)
                except Exception:
                    errors += 1
                    log.exception("délai de %s non clos", proposal_id)
            if due:
                self._catch_up()  # the closings reach the table and the inboxes
            mailed = 0
            if self.smtp is not None:
                try:
                    mailed = mailer.dispatch_mail(self.runner.engine, self.smtp, at)
                except Exception:  # mail must not stop the closing of windows
                    log.exception("envoi des courriels en échec (nouvel essai au prochain passage)")
            if self._states_at is None or (at - self._states_at).total_seconds() >= STATES_EVERY_SECONDS:
                self._states_at = at
                try:
                    self.store_states()
                    self.store_history()
                except Exception:  # stored states only save time: the windows come first
                    log.exception("états des tableaux de bord non enregistrés (nouvel essai plus tard)")
            report = TickReport(at=at, due=len(due), closed=closed, errors=errors, mailed=mailed)
            if due or mailed:
                log.info(
                    "passage %s : %d délai(s) échu(s), %d clos par ce processus, %d erreur(s), "
                    "%d courriel(s)",
                    at.isoformat(),
                    report.due,
                    report.closed,
                    report.errors,
                    report.mailed,
                )
            return report

    def store_states(self) -> int:
        """Each project's dashboard and reste-à-vivre states stored at the read models'
        position where missing or old (:func:`relogement.projections.stored_states.store_current`)."""
        from relogement.projections.stored_states import store_current

        return store_current(self.runner.engine)

    def store_history(self) -> int:
        """A part of the reste-à-vivre's missing history states (those an as-of page starts
        from; all missing after a deploy), at most ``HISTORY_SECONDS`` per pass."""
        from relogement.projections.stored_states import store_history_part

        return store_history_part(self.runner.engine, HISTORY_SECONDS)

    def _catch_up(self) -> None:
        # The runner feeds every read model: a failing projector elsewhere must not
        # stop the closing of the windows already known to the deadline table.
        # try_catch_up logs a failure in one line (position, topic, error class, never the
        # event's state) and backs off.
        try:
            self.runner.try_catch_up()
        except Exception as error:  # e.g. the database is down: no traceback, no values
            log.error(
                "rattrapage des projections en échec : table des délais non à jour (%s)",
                type(error).__name__,
            )

    def _safe_tick(self) -> None:
        try:
            self.tick()
        except Exception:  # e.g. database briefly down: the next interval retries
            log.exception("passage du planificateur en échec")

    # -- running ----------------------------------------------------------------
    def _add_job(self, scheduler: Any) -> None:
        scheduler.add_job(
            self._safe_tick,
            "interval",
            seconds=self.interval_seconds,
            id=JOB_ID,
            replace_existing=True,
            coalesce=True,  # after a pause, one pass, not one per missed interval
            max_instances=1,  # a slow pass is never overlapped by the next one
            misfire_grace_time=None,  # a late pass still runs, however late
        )

    def start(self) -> None:
        """Start in a background thread (tests, embedded use). Runs the start-up pass first."""
        from apscheduler.schedulers.background import BackgroundScheduler

        self._safe_tick()  # windows whose deadline passed while we were down
        scheduler = BackgroundScheduler(timezone=UTC)
        self._add_job(scheduler)
        scheduler.start()
        self._scheduler = scheduler

    def run_forever(self) -> None:
        """Run in the foreground until SIGTERM/SIGINT (the ``relogement scheduler`` process)."""
        from apscheduler.schedulers.blocking import BlockingScheduler

        self._safe_tick()
        scheduler = BlockingScheduler(timezone=UTC)
        self._add_job(scheduler)
        self._scheduler = scheduler

        def stop(signum: int, _frame: Any) -> None:
            log.info("signal %d reçu : arrêt du planificateur", signum)
            scheduler.shutdown(wait=False)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        log.info("planificateur démarré : un passage toutes les %s s", self.interval_seconds)
        scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=True)
        self._scheduler = None
        if self._own_runner:
            self.runner.close()


def run(database: str | None, interval_seconds: float, once: bool = False) -> TickReport | None:
    """Entry point of ``relogement scheduler``."""
    from relogement.runtime.bootstrap import bootstrap

    # The clock comes from bootstrap.clock_of: RELOGEMENT_CLOCK_OFFSET_HOURS, as in the web app.
    services = bootstrap({"DATABASE_URL": database})
    scheduler = services.scheduler(interval_seconds)
    try:
        if once:
            return scheduler.tick()
        scheduler.run_forever()
        return None
    finally:
        scheduler.shutdown()
        services.close()
