"""A frozen semester's report figures, stored once computed: the first page of a process
reads them instead of computing them again (seconds for a large programme).

The figures of :func:`relogement.projections.semester_report.build` at a position are a
function of what names them (the key of :mod:`relogement.projections.report_files`,
format ``"figures"``: project, semester, quartier, convention, position, code digest); the
web stores them, like the files, only once the semester is over. They are stored in
``rm_dashboard_snapshots`` (format: ``fig-`` and the key's digest; the whole key is stored
with the figures and compared on every read) as a pickle read back by an unpickler that
accepts only the value types a report holds.
"""

from __future__ import annotations

import gc
import hashlib
import io
import pickle
from datetime import datetime
from typing import Any

from sqlalchemy import select

from relogement.projections.dashboard_snapshots import (
    PLAIN_VALUES,
    RestrictedUnpickler,
    insert_once,
    snapshots,
)
from relogement.projections.queries.base import Db, _hex, connect
from relogement.projections.residence_sheets import MovesSummary, Sheet
from relogement.projections.semester_report import Semester

_ALLOWED = {
    **PLAIN_VALUES,
    ("relogement.projections.residence_sheets", "MovesSummary"): MovesSummary,
    ("relogement.projections.residence_sheets", "Sheet"): Sheet,
    ("relogement.projections.semester_report", "Semester"): Semester,
}


class _Unpickler(RestrictedUnpickler):
    allowed = _ALLOWED


def to_bytes(figures: dict[str, Any]) -> bytes:
    return pickle.dumps(figures, protocol=pickle.HIGHEST_PROTOCOL)


def from_bytes(data: bytes) -> dict[str, Any]:
    """The figures stored by :func:`to_bytes` (``pickle.UnpicklingError`` for any other type)."""
    collecting = gc.isenabled()
    gc.disable()  # tens of thousands of new objects, none of them garbage
    try:
        figures = _Unpickler(io.BytesIO(data)).load()
    finally:
        if collecting:
            gc.enable()
    if type(figures) is not dict:
        raise pickle.UnpicklingError("not a report's figures")
    return figures


def _format(text: str) -> str:
    return "fig-" + hashlib.sha256(text.encode()).hexdigest()[:16]


def load(db: Db, project_id: Any, position: int, text: str) -> dict[str, Any] | None:
    """The figures stored under ``text`` (``report_files.key_text(…, "figures")``), or None."""
    c = snapshots.c
    with connect(db) as conn:
        data = conn.execute(select(c.data).where(
            c.project_id == _hex(project_id), c.format == _format(text), c.position == position)).scalar()
    if data is None:
        return None
    stored = from_bytes(data)
    return stored["figures"] if stored.get("key") == text else None


def store(db: Db, project_id: Any, position: int, text: str, figures: dict[str, Any], at: datetime) -> bool:
    """Store ``figures`` under ``text`` once (False: stored already, or the database busy)."""
    return insert_once(db, project_id, _format(text), position, to_bytes({"key": text, "figures": figures}), at)
