"""Where the events live: one configuration path for SQLite and PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DATA_DIR = "data"


def database_url(explicit: str | None = None) -> str:
    """``DATABASE_URL`` if set (postgresql://… or sqlite:///…), else a SQLite file.

    The SQLite file lives in ``RELOGEMENT_DATA_DIR`` (default ``./data``),
    created on first use.
    """
    url = explicit or os.environ.get("DATABASE_URL")
    if not url:
        data_dir = Path(os.environ.get("RELOGEMENT_DATA_DIR", DEFAULT_DATA_DIR)).resolve()
        data_dir.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{data_dir / 'relogement.sqlite'}"
    return normalise_url(url)


def normalise_url(url: str) -> str:
    # SQLAlchemy needs the driver name; people write plain postgresql:// URLs.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
    return url


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql")
