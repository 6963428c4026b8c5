"""The organisation's inbox for the pages: unread count (header), pages, read marks.

Reads :mod:`relogement.projections.notifications` (a projection of the events, plus
the per-user read marks kept outside it). The inbox is the organisation's; whether an
item is read is per user.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from flask import g, has_request_context
from sqlalchemy.exc import IntegrityError

from relogement.projections import notifications as notif
from relogement.web.context import readmodels

KINDS = notif.KINDS


def unread_count(org_id: UUID, user: str, at: datetime) -> int:
    """Unread items of ``user`` in the inbox of ``org_id`` at ``at`` (once per request)."""
    if has_request_context() and "unread_count" in g:
        return g.unread_count
    count = notif.unread_count(readmodels().db, org_id, user, at)
    if has_request_context():
        g.unread_count = count
    return count


def page(
    org_id: UUID, user: str, at: datetime, number: int, size: int, unread_only: bool
) -> tuple[list[notif.Notification], bool]:
    """One page (newest first) and whether there is a next one."""
    items = notif.list_inbox(
        readmodels().db, org_id, user, at, limit=size + 1, offset=(number - 1) * size,
        unread_only=unread_only,
    )
    return items[:size], len(items) > size


def mark_read(org_id: UUID, user: str, at: datetime, keys: Iterable[str]) -> int:
    return notif.mark_read(readmodels().db, org_id, user, list(keys), at)


def mark_all_read(org_id: UUID, user: str, at: datetime) -> int:
    """Everything unread at ``at``, in one transaction (a busy inbox holds thousands)."""
    engine = readmodels().db
    unread = notif.list_inbox(engine, org_id, user, at, limit=None, unread_only=True)
    rows = [{"key": n.key, "login": user, "org_id": org_id.hex, "read_at": at} for n in unread]
    if not rows:
        return 0
    try:
        with engine.begin() as conn:
            conn.execute(notif.reads.insert(), rows)
    except IntegrityError:
        # Some were marked meanwhile (another tab): fall back to one by one.
        return notif.mark_read(engine, org_id, user, [r["key"] for r in rows], at)
    return len(rows)
