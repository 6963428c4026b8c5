"""The reports service, and its warm-up after each save and with each page.

The live dashboard, reste-à-vivre and default report are prepared in the background
(once per position) so that the next reader does not pay for them: after each save
(a listener on the application, after the read models' catch-up) and with each page
(events written by another process; a no-op at the same position).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask

from relogement.web.reports import Reports


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
    return _warm
