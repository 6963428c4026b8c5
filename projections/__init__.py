"""Read models built only from events; reports and exports.

Entry points:
- :func:`build_runner` (app) → a :class:`~relogement.projections.runner.ProjectionRunner`
  with every read-model projector registered. Call ``runner.catch_up()`` after
  each command (same process) and ``runner.start_polling()`` for events written
  by other processes; ``runner.rebuild()`` replays everything.
- :mod:`relogement.projections.queries`: the functions the web layer reads with
  (offers, households, proposals, objections, identity, timeline, positions).
- :mod:`relogement.projections.read_models`: the tables; :mod:`relogement.projections.operational`:
  their projector.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from relogement.projections.runner import ProjectionRunner

RUNNER_NAME = "read_models"


def projectors() -> list[Any]:
    """Fresh instances of every projector owned by the read models."""
    from relogement.projections import deadlines, notices
    from relogement.projections.dashboard_snapshots import SnapshotTable
    from relogement.projections.operational import OperationalProjector
    from relogement.projections.residence_models import ResidenceProjector

    return [
        OperationalProjector(), ResidenceProjector(), SnapshotTable(),
        *(cls() for cls in deadlines.PROJECTORS + notices.PROJECTORS),
    ]


def build_runner(
    app: Any, *, engine: Engine | None = None, batch_size: int = 500, extra: list[Any] | None = None
) -> ProjectionRunner:
    """The runner of all read models, on the events' database (tables created if missing).

    ``extra``: more projectors to feed in the same transactions (e.g. the
    notification or deadline projectors).

    The audit hash chain (projections/audit.py) is extended in the same batches when
    the read models live in the events' database (no ``engine`` given) and
    ``RELOGEMENT_AUDIT_SEAL`` is not off.
    """
    from relogement.projections.audit import AuditProjector, sealing_enabled

    chain = [AuditProjector(app.recorder)] if engine is None and sealing_enabled(app) else []
    return ProjectionRunner(
        app,
        [*chain, *projectors(), *(extra or [])],
        engine=engine,
        name=RUNNER_NAME,
        batch_size=batch_size,
    )
