"""Which user read what in an organisation's inbox (kept outside the projection)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from sqlalchemy import Connection, Engine, delete, select
from sqlalchemy.exc import IntegrityError

from relogement.projections.notices.inbox import list_inbox
from relogement.projections.notices.tables import ensure_user_tables, read_versions, reads
from relogement.projections.notices.times import now as _now
from relogement.projections.queries import connect


def bump_read_version(conn: Connection, org: str, user: str) -> None:
    """Record that ``user``'s read marks in ``org`` changed (call inside the change's transaction)."""
    bump = (
        read_versions.update()
        .where(read_versions.c.org_id == org, read_versions.c.login == user)
        .values(version=read_versions.c.version + 1)
    )
    if not conn.execute(bump).rowcount:
        try:
            with conn.begin_nested():
                conn.execute(read_versions.insert().values(org_id=org, login=user, version=1))
        except IntegrityError:  # inserted meanwhile by another request: bump theirs
            conn.execute(bump)


def read_version(engine: Engine | Connection, org_id: UUID, user: str) -> int:
    """How many times ``user``'s read marks in ``org_id`` changed (0: never)."""
    ensure_user_tables(engine)
    with connect(engine) as conn:
        value = conn.execute(
            select(read_versions.c.version).where(
                read_versions.c.org_id == org_id.hex, read_versions.c.login == user
            )
        ).scalar()
    return int(value or 0)



def mark_read(
    engine: Engine,
    org_id: UUID,
    user: str,
    keys: Iterable[str] | None = None,
    at: datetime | None = None,
) -> int:
    """Mark ``keys`` (default: everything in the inbox at ``at``) read; returns how many."""
    at = _now(at)
    org = org_id.hex
    visible = {n.key for n in list_inbox(engine, org_id, user, at, limit=None, unread_only=True)}
    wanted = visible if keys is None else visible & set(keys)
    marked = 0
    for key in sorted(wanted):
        try:
            with engine.begin() as conn:
                conn.execute(reads.insert().values(key=key, login=user, org_id=org, read_at=at))
                bump_read_version(conn, org, user)
            marked += 1
        except IntegrityError:  # marked meanwhile from another tab: same outcome
            pass
    return marked


def mark_unread(engine: Engine, org_id: UUID, user: str, keys: Iterable[str]) -> None:
    ensure_user_tables(engine)
    with engine.begin() as conn:
        conn.execute(
            delete(reads).where(
                reads.c.org_id == org_id.hex, reads.c.login == user, reads.c.key.in_(list(keys))
            )
        )
        bump_read_version(conn, org_id.hex, user)


def mark_all_read(
    engine: Engine, org_id: UUID, user: str, at: datetime, kinds: frozenset[str] | None = None
) -> int:
    """Everything unread at ``at`` (of ``kinds`` only, if given: a filtered view's "tout
    marquer comme lu"), in one transaction (a busy inbox holds thousands)."""
    unread = list_inbox(engine, org_id, user, at, limit=None, unread_only=True, kinds=kinds)
    rows = [{"key": n.key, "login": user, "org_id": org_id.hex, "read_at": at} for n in unread]
    if not rows:
        return 0
    try:
        with engine.begin() as conn:
            conn.execute(reads.insert(), rows)
            bump_read_version(conn, org_id.hex, user)
    except IntegrityError:
        # Some were marked meanwhile (another tab): fall back to one by one.
        return mark_read(engine, org_id, user, [r["key"] for r in rows], at)
    return len(rows)
