"""The organisation's inbox for the pages: unread count (header), pages, read marks.

Reads :mod:`relogement.projections.notices` (a projection of the events, plus
the per-user read marks kept outside it). The inbox is the organisation's; whether an
item is read is per user.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from flask import g, has_request_context

from relogement.projections import notices as notif
from relogement.web.cache import Cache
from relogement.web.context import readmodels

KINDS = notif.KINDS


@dataclass(frozen=True)
class _Badge:
    count: int
    position: int  # the read models' position it was counted at
    since: datetime  # the instant it was counted at
    until: datetime | None  # the next instant the inbox grows without a new event

    def holds(self, at: datetime) -> bool:
        return self.since <= at and (self.until is None or at < self.until)


_badges = Cache(1024)  # (organisation, user, position, read marks' version) → _Badge
_latest = Cache(1024)  # (organisation, user, read marks' version) → the _Badge of the newest position


def unread_count(org_id: UUID, user: str, at: datetime, read_version: int | None = None) -> int:
    """Unread items of ``user`` in the inbox of ``org_id`` at ``at`` (the header badge).

    Every page shows it, and counting a busy inbox (tens of thousands of items) costs
    more than the rest of the page: the count is kept per (organisation, user, position,
    read-marks version) for the instants until the inbox next grows by itself (a
    reminder coming due), so it is exact and counted again only when something changed.
    After a new event, the count of an earlier position still holding at ``at`` is moved
    by what the events in between changed (:func:`notif.unread_change`) instead.
    ``read_version``: the version read with the user at the start of the request (else read
    here).
    """
    if has_request_context() and "unread_count" in g:
        return g.unread_count
    db = readmodels().reader
    if read_version is None:
        read_version = notif.read_version(db, org_id, user)
    position = readmodels().last_position()
    key = (org_id, user, position, read_version)
    badge = _badges.peek(key)
    if badge is None or not badge.holds(at):
        badge = _counted(db, org_id, user, at, position, _latest.peek((org_id, user, read_version)))
        _badges.put(key, badge)
        latest = _latest.peek((org_id, user, read_version))
        if latest is None or latest.position <= position:
            _latest.put((org_id, user, read_version), badge)
    if has_request_context():
        g.unread_count = badge.count
    return badge.count


def _counted(db: Any, org_id: UUID, user: str, at: datetime, position: int, earlier: _Badge | None) -> _Badge:
    """The badge at ``position``: moved from ``earlier`` if it holds at ``at``, else counted in full."""
    if earlier is not None and earlier.position < position and earlier.holds(at):
        count = earlier.count + notif.unread_change(db, org_id, user, at, earlier.position, position)
        grows = notif.next_inbox_change(db, org_id, at, after=earlier.position, upto=position)
        until = min((t for t in (earlier.until, grows) if t is not None), default=None)
        return _Badge(count, position, at, until)
    return _Badge(notif.unread_count(db, org_id, user, at, upto=position), position, at,
                  notif.next_inbox_change(db, org_id, at, upto=position))


ACTION_KINDS = notif.ACTION_KINDS
INFORMATION_KINDS = notif.INFORMATION_KINDS


def page(
    org_id: UUID, user: str, at: datetime, number: int, size: int, unread_only: bool,
    kinds: frozenset[str] | None = None, before: str | None = None,
) -> tuple[list[notif.Notification], bool]:
    """One page (newest first) and whether there is a next one. ``before`` (a cursor
    from :func:`cursor_of`): the page after that item, read by keyset (as fast deep in
    the feed as on its first page); otherwise page ``number`` by offset."""
    cursor = parse_cursor(before) if before else None
    items = notif.list_inbox(
        readmodels().reader, org_id, user, at, limit=size + 1,
        offset=0 if cursor else (number - 1) * size, unread_only=unread_only, kinds=kinds, before=cursor,
    )
    return items[:size], len(items) > size


def cursor_of(item: notif.Notification) -> str:
    c = notif.Cursor.after(item)
    return f"{c.created_at.isoformat()}|{c.position}|{c.key}"


def parse_cursor(text: str) -> notif.Cursor:
    """A cursor from a URL; ValueError if it is not one."""
    instant, position, key = text.split("|", 2)
    at = datetime.fromisoformat(instant)
    if at.tzinfo is None or len(key) > 120:
        raise ValueError("curseur invalide")
    return notif.Cursor(at, int(position), key)


def mark_read(org_id: UUID, user: str, at: datetime, keys: Iterable[str]) -> int:
    return notif.mark_read(readmodels().db, org_id, user, list(keys), at)


def mark_all_read(org_id: UUID, user: str, at: datetime, kinds: frozenset[str] | None = None) -> int:
    """Everything unread at ``at`` (of ``kinds`` only: a filtered view), in one transaction."""
    return notif.mark_all_read(readmodels().db, org_id, user, at, kinds)
