"""Rate-limit counters in the database, shared by every gunicorn worker.

Flask-Limiter's ``memory://`` storage counts in each process: with 2 workers an
address got 20 failed logins a minute instead of the documented 10. This storage
keeps the fixed-window counters in one table of the events' database
(``web_rate_limits``: key, count, end of the window), so every worker (and every
machine of the deployment) reads and increments the same number.

It is a ``limits`` storage registered under the scheme ``relogement-db://``; the
engine comes in the storage options (``create_app`` passes the accounts' engine).
Only failed logins are counted (``auth.limit_failed_logins``), so it writes little.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from limits.storage import Storage
from sqlalchemy import Engine, Float, Integer, String, case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SCHEME = "relogement-db"
MAX_KEY = 200


class _Base(DeclarativeBase):
    pass


class RateLimitRow(_Base):
    __tablename__ = "web_rate_limits"

    key: Mapped[str] = mapped_column(String(MAX_KEY), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[float] = mapped_column(Float, index=True)  # Unix time, end of window


def _key(key: str) -> str:
    # Keys hold a client address or a typed login: long ones are hashed to fit the column.
    if len(key) <= MAX_KEY:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


class DatabaseStorage(Storage):
    """Fixed-window counters in ``web_rate_limits`` (SQLite or PostgreSQL)."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any) -> None:
        engine = options.pop("engine", None)
        if not isinstance(engine, Engine):
            raise ValueError(f"{SCHEME}:// needs the database engine in the storage options")
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        self.engine = engine
        _Base.metadata.create_all(engine)
        self._table = RateLimitRow.__table__

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def _insert(self):  # noqa: ANN202 - the dialect's INSERT with ON CONFLICT
        dialect = self.engine.dialect.name
        if dialect == "postgresql":
            return postgresql.insert(self._table)
        if dialect == "sqlite":
            return sqlite.insert(self._table)
        raise ValueError(f"{SCHEME}:// supports SQLite and PostgreSQL, not {dialect}")

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        """Adds ``amount`` to the counter, a new window of ``expiry`` seconds if the last
        one is over; atomic (one INSERT … ON CONFLICT DO UPDATE) across processes."""
        now = time.time()
        t = self._table
        stmt = self._insert().values(key=_key(key), count=amount, expires_at=now + expiry)
        expired = t.c.expires_at <= now
        stmt = stmt.on_conflict_do_update(
            index_elements=[t.c.key],
            set_={
                "count": case((expired, amount), else_=t.c.count + amount),
                "expires_at": case((expired, now + expiry), else_=t.c.expires_at),
            },
        ).returning(t.c.count)
        with self.engine.begin() as conn:
            count = conn.execute(stmt).scalar_one()
            # Windows long over are forgotten (bounded table; a few rows at most).
            conn.execute(delete(t).where(t.c.expires_at < now - 3600))
        return int(count)

    def _row(self, key: str):  # noqa: ANN202
        t = self._table
        with self.engine.connect() as conn:
            return conn.execute(
                select(t.c.count, t.c.expires_at).where(t.c.key == _key(key))
            ).first()

    def get(self, key: str) -> int:
        row = self._row(key)
        return int(row.count) if row is not None and row.expires_at > time.time() else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        now = time.time()
        return float(row.expires_at) if row is not None and row.expires_at > now else now

    def check(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(select(1))
            return True
        except SQLAlchemyError:
            return False

    def reset(self) -> int | None:
        with self.engine.begin() as conn:
            return conn.execute(delete(self._table)).rowcount

    def clear(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(self._table).where(self._table.c.key == _key(key)))
