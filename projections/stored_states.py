"""Each project's dashboard and reste-à-vivre states stored at the read models' position.

Why: a page's first request starts from the nearest stored state and moves it by what
changed (milliseconds); with none, after a rebuild or for a programme no page has opened
yet, it reads every row of the programme (seconds at national scale, where one
programme's rows lie among thirty others'). The scheduler calls :func:`store_current`
every few minutes (runtime/scheduler.py) and ``relogement projections rebuild`` once at
its end, so no reader waits for that first computation.

The reste-à-vivre's states of the past (one per ``residual_state.EVERY`` events, where an
as-of page starts from) are stored by ``relogement projections tableaux-de-bord``; they are
named by the code's version, so after a deploy the scheduler stores them again, a part at
each pass (:func:`store_history_part`), while the pages compute what is missing from rows.
"""

from __future__ import annotations

import time
from typing import Any

from relogement.projections import dashboard_snapshots, residual_state
from relogement.projections.dashboard import DashboardStates
from relogement.projections.queries.base import current_position
from relogement.projections.queries.organisations import list_projects


def store_current(engine: Any) -> int:
    """Store each project's states at the current position where the last stored one is
    ``EVERY`` events behind or missing; returns how many projects were brought up to date.
    Nothing is held afterwards (a follow-up state weighs megabytes): each project starts
    from its nearest stored state, or from its rows."""
    head = current_position(engine)
    dashboards = DashboardStates(engine, keep=1)
    follow_ups = residual_state.SuiviStates(engine, keep=1)
    updated = 0
    for project in list_projects(engine):
        pid = project["project_id"]
        moved = False
        for last, every, compute in (
            (dashboard_snapshots.last_stored(engine, pid), dashboard_snapshots.EVERY, dashboards.dashboard),
            (residual_state.last_stored(engine, pid), residual_state.EVERY, follow_ups.suivi),
        ):
            if last is None or head - last >= every:
                compute(pid, head)  # stores the state it moved (or computed) to ``head``
                moved = True
        updated += moved
    return updated


def store_history_part(engine: Any, seconds: float) -> int:
    """Store the reste-à-vivre's missing history states of each project, for about
    ``seconds`` in all (a pass of the scheduler must not hold back the windows' closing);
    returns how many were stored."""
    began = time.monotonic()
    written = 0
    for project in list_projects(engine):
        left = seconds - (time.monotonic() - began)
        if left <= 0:
            break
        written += residual_state.store_history(engine, project["project_id"], seconds=left)
    return written
