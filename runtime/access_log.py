"""The access log of personal data: every view of a household's identity, in SQL.

Table ``access_log`` of the events' database: who (login, organisation, web role), when,
which household, why. No personal value is ever written. :func:`write_access_entries` is
the one insert (the web's after-request hook, the CLI and the application all end here);
:func:`read_access_log` serves the administrator's and auditor's listing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import BigInteger, Column, DateTime, Engine, Integer, String, Table, select

from relogement.platform.privacy import ACCESS_LOG_READERS, AccessEntry
from relogement.platform.sealing import household_hex
from relogement.runtime.keystore import metadata

__all__ = [
    "ACCESS_LOG_READERS", "AccessEntry", "access_log", "read_access_log",
    "record_personal_data_access", "write_access_entries",
]

access_log = Table(
    "access_log",
    metadata,
    # INTEGER PRIMARY KEY autoincrements on SQLite, BIGINT identity elsewhere.
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("by_user", String(200), nullable=False, index=True),
    Column("by_org", String(32), nullable=False),
    Column("role", String(40), nullable=True),
    Column("household_id", String(32), nullable=False, index=True),
    Column("purpose", String(200), nullable=False),
)


def write_access_entries(engine: Engine, entries: Iterable[AccessEntry]) -> int:
    """Insert the entries in one transaction (one multi-row insert); returns how many.

    Written before a response leaves (web/identity_views.py): a log that cannot be
    written raises, so the page becomes an error page, never an unlogged view.
    """
    rows = [
        {
            "at": e.at,
            "by_user": e.user[:200],
            "by_org": household_hex(e.org),
            "role": (e.role or None) and e.role[:40],
            "household_id": household_hex(e.household_id),
            "purpose": (e.purpose or "consultation")[:200],
        }
        for e in entries
    ]
    if rows:
        with engine.begin() as conn:
            conn.execute(access_log.insert(), rows)
    return len(rows)


def record_personal_data_access(
    engine: Engine,
    household_ids: UUID | Iterable[UUID],
    user: str,
    org: UUID,
    at: datetime,
    purpose: str = "consultation",
    role: str | None = None,
) -> None:
    """Record that ``user`` (acting for ``org``, with web ``role``) saw these households'
    personal data at ``at`` (one id or several: one insert).

    Call it wherever identity is shown or exported: the household page's identity
    block, an export with names, the CLI. ``purpose`` says which (e.g.
    ``"fiche ménage"``, ``"export"``). No personal value is written here: only the
    household id.
    """
    ids = [household_ids] if isinstance(household_ids, UUID | str) else list(household_ids)
    write_access_entries(
        engine,
        (AccessEntry(at, user, org, role, UUID(str(h)), purpose) for h in ids),
    )


def read_access_log(
    engine: Engine,
    household_id: UUID | None = None,
    user: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = 500,
) -> list[AccessEntry]:
    """Entries of the access log, newest first, filtered by household/user/period.

    Who may read it: roles in :data:`ACCESS_LOG_READERS` (administrator, auditor);
    the caller (web page, CLI) checks the role.
    """
    query = select(access_log).order_by(access_log.c.at.desc(), access_log.c.id.desc())
    if household_id is not None:
        query = query.where(access_log.c.household_id == household_hex(household_id))
    if user is not None:
        query = query.where(access_log.c.by_user == user)
    if since is not None:
        query = query.where(access_log.c.at >= since)
    if until is not None:
        query = query.where(access_log.c.at < until)
    if limit is not None:
        query = query.limit(limit)
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [
        AccessEntry(
            at=r["at"] if r["at"].tzinfo else r["at"].replace(tzinfo=UTC),
            user=r["by_user"],
            org=UUID(r["by_org"]),
            role=r["role"],
            household_id=UUID(r["household_id"]),
            purpose=r["purpose"],
        )
        for r in rows
    ]
