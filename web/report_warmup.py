"""The reports service, and its warm-up after each save, with each page, and before a
worker's first request.

The live dashboard, reste-à-vivre and default report are prepared in the background
(once per position) so that the next reader does not pay for them: after each save
(a listener on the application, after the read models' catch-up) and with each page
(events written by another process; a no-op at the same position).

A gunicorn worker is also prepared before it accepts its first request
(:func:`prepare_worker`, called by ``post_worker_init`` in web/gunicorn_conf.py): its
templates compiled and each project's live dashboard computed, so that the first reader
after a start is served as fast as the next ones; the reste-à-vivre and default report
then start in the background.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask

from relogement.web.reports import Reports

log = logging.getLogger(__name__)


PREPARE_BUDGET_SECONDS = 20.0  # a third of gunicorn's worker timeout (web/gunicorn_conf.py)


def register_reports(app: Flask, relocation: Any, read_engine: Any, config: Mapping[str, Any]) -> Callable[[int | None], None]:
    """Build ``app.extensions["relogement.reports"]``; returns the warm-up function."""
    testing = bool(config.get("TESTING"))
    reports = Reports(
        read_engine,
        # A click on "PDF" waits this long for the file, so that the first one of a
        # programme of a few hundred households downloads at once; a larger one shows
        # the "en préparation" page, which downloads it by itself when ready.
        wait_seconds=float(app.config.get("RELOGEMENT_REPORT_WAIT_SECONDS", 6)),
        reader=lambda: app.extensions["relogement.readmodels"].reader,
        last_position=lambda: app.extensions["relogement.readmodels"].last_position(),
        # Decides which semesters are over: their files are stored once produced.
        clock=relocation.clock,
    )
    app.extensions["relogement.reports"] = reports
    relocation.on_close(reports.close)
    warm = not testing or bool(app.config.get("RELOGEMENT_WARM_REPORTS"))

    def _warm(position: int | None = None) -> None:
        if warm:
            readmodels = app.extensions["relogement.readmodels"]
            reports.warm(lambda: [p.id for p in readmodels.projects()], relocation.clock(), position)

    if warm:
        relocation.on_saved(_warm)  # after the catch-up registered by bootstrap

    def _prepare(heartbeat: Callable[[], None] = lambda: None) -> None:
        prepare_worker(app, reports, relocation, _warm, heartbeat)

    app.extensions["relogement.prepare_worker"] = _prepare
    return _warm


def prepare_worker(
    app: Flask,
    reports: Reports,
    relocation: Any,
    warm: Callable[[int | None], None],
    heartbeat: Callable[[], None] = lambda: None,
    budget_seconds: float = PREPARE_BUDGET_SECONDS,
) -> None:
    """Before a worker's first request: every template compiled, each project's live
    dashboard computed (milliseconds once its stored state is read), then the background
    warm-up started. A failure is logged, never raised: the worker serves anyway, and pages
    compute what they need.

    ``heartbeat`` is called between projects: gunicorn kills a worker silent for its
    ``timeout`` (60 s), and a store with no stored state (just rebuilt, national scale)
    costs seconds per project. Past ``budget_seconds`` the remaining projects are left to
    the background warm-up, so a worker never takes minutes to accept."""
    started = time.perf_counter()
    try:
        for name in app.jinja_env.list_templates(extensions=["html"]):
            app.jinja_env.get_template(name)
        heartbeat()
        readmodels = app.extensions["relogement.readmodels"]
        at = relocation.clock()
        for project in readmodels.projects():
            if time.perf_counter() - started > budget_seconds:
                log.info("préparation du processus web : temps écoulé, les autres projets en arrière-plan")
                break
            reports.dashboard_view(project.id, None, at)
            heartbeat()
        warm(readmodels.last_position())
    except Exception:  # noqa: BLE001 - a worker must start even if its warm-up fails
        log.exception("préparation du processus web en échec (les pages calculeront à la demande)")
        return
    log.info("processus web prêt en %.2f s (gabarits compilés, tableaux de bord calculés)", time.perf_counter() - started)
