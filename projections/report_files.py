"""Stored semestrial report files: a frozen semester's PDF and XLSX, produced once.

A report reads the read models as of its semester's end (:mod:`semester_report`): once
the semester is over, its content is a function of what names it here, and nothing
else:

- the project, the semester, the quartier, the reste-à-vivre convention, the format;
- the position the report is read at (the last event recorded before the semester
  ended: an event stamped in the past by a skewed clock gives another position, so
  another key);
- the code and reference data that turn read models into the file (:func:`code_digest`:
  the projections, the pure formulas, the events, their templates and reference CSVs): a
  new version of any of them names other files, never the old ones.

Identity erasures do not change these files: they hold pseudonymous references and
figures, never an identity (the pages' HTML body, which marks erased households, is
keyed by the erasures in the web layer instead).

The files live in the read-model database (table ``report_files``), so that every web
worker, every restart and both database kinds share them. The table is created on first
use and is not a read model: a rebuild does not need to empty it (the key names the
position and the code, and a rebuild by the same code gives the same read models).
A semester still running is never stored (its report is provisional): callers decide.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import weakref
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    select,
)
from sqlalchemy.exc import DBAPIError, IntegrityError

from relogement.projections.queries import base as qbase

log = logging.getLogger(__name__)

_metadata = MetaData()
report_files = Table(
    "report_files",
    _metadata,
    Column("digest", String(64), primary_key=True),  # sha256 of ``key_text``
    Column("key_text", Text, nullable=False),  # the whole key, compared on every read
    Column("fmt", String(8), nullable=False),
    Column("project_id", String(32), nullable=False),
    Column("year", Integer, nullable=False),
    Column("half", Integer, nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("stored_at", DateTime(timezone=True), nullable=False),
)

FORMATS = ("pdf", "xlsx", "figures")  # "figures": a report's figures (report_figures)
_PACKAGE = Path(__file__).resolve().parent.parent
_SOURCES = ("projections", "platform", "events")
_SUFFIXES = {".py", ".html", ".csv", ".css"}
_created: weakref.WeakSet = weakref.WeakSet()  # engines whose table is known to exist
_create_lock = threading.Lock()


@lru_cache(maxsize=1)
def code_digest() -> str:
    """A digest of every file that turns read models into a report's content."""
    h = hashlib.sha256()
    for folder in _SOURCES:
        for path in sorted((_PACKAGE / folder).rglob("*")):
            if path.is_file() and path.suffix in _SUFFIXES and "__pycache__" not in path.parts:
                h.update(str(path.relative_to(_PACKAGE)).encode())
                h.update(b"\0")
                h.update(path.read_bytes())
                h.update(b"\0")
    return h.hexdigest()


def key_text(
    project_id: Any, year: int, half: int, quartier: str | None, convention: str, position: int, fmt: str
) -> str:
    """The canonical text of a file's key (everything its content depends on)."""
    if fmt not in FORMATS:
        raise ValueError(f"format: {FORMATS}")
    return json.dumps(
        {
            "code": code_digest(),
            "project": qbase._hex(project_id),
            "year": int(year),
            "half": int(half),
            "quartier": quartier,
            "convention": convention,
            "position": int(position),
            "fmt": fmt,
        },
        sort_keys=True,
        separators=(",", ":"),
    )


def _ensure(engine: Any) -> None:
    if engine in _created:
        return
    with _create_lock:
        if engine in _created:
            return
        try:
            report_files.create(engine, checkfirst=True)
        except DBAPIError:  # created meanwhile by another process
            report_files.create(engine, checkfirst=True)
        _created.add(engine)


def load(engine: Any, text: str) -> bytes | None:
    """The stored file named by ``text`` (:func:`key_text`), or None."""
    _ensure(engine)
    digest = hashlib.sha256(text.encode()).hexdigest()
    with engine.connect() as conn:
        row = conn.execute(
            select(report_files.c.key_text, report_files.c.content).where(report_files.c.digest == digest)
        ).first()
    if row is None or row.key_text != text:  # the whole key, not only its digest
        return None
    return bytes(row.content)


def store(engine: Any, text: str, content: bytes, at: datetime | None = None) -> bool:
    """Store the file named by ``text`` once; False when it was stored already (the first
    one stays: the same key gives the same content)."""
    _ensure(engine)
    key = json.loads(text)
    values = {
        "digest": hashlib.sha256(text.encode()).hexdigest(),
        "key_text": text,
        "fmt": key["fmt"],
        "project_id": key["project"],
        "year": key["year"],
        "half": key["half"],
        "position": key["position"],
        "content": content,
        "stored_at": at or datetime.now(UTC),
    }
    try:
        with engine.begin() as conn:
            if conn.execute(select(report_files.c.digest).where(report_files.c.digest == values["digest"])).first():
                return False
            conn.execute(report_files.insert().values(**values))
    except IntegrityError:  # stored meanwhile by another worker
        return False
    return True
