"""The header's unread count: counted in full, or moved from one position to the next.

Every page shows how many notifications its user has not read. Counting a busy inbox
(20,000 items, 9,000 reminders) costs two statements of 25–50 ms on PostgreSQL, and
after every new event the web counted it again for each user. Between two positions the
count changes only by what the events in between did to the inbox, since the notice
tables only grow:

- a notice is stored once, at its event's position, and its audience never changes (a
  partner hears of the notices after the one that made it a partner);
- a proposal's reminder changes only with the events that make and end it (its row's
  ``made_position`` and ``ended_position``).

So :func:`unread_change` counts the notices of the events in between and, for the
proposals they made or ended, their reminders as of each position; :func:`unread_count`
counted at the first position plus that change is the count at the second (tested on
random histories against the count in full). Both take the instant ``at``: the reminders
and the stored items dated after it do not count yet (:func:`next_inbox_change` is when
the count next grows with no event).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import Connection, Engine, func, select

from relogement.projections.notices.inbox import (
    _asked_to_examine,
    _audience,
    _inbox_rows,
    _reminder_query,
    _stored_query,
)
from relogement.projections.notices.tables import ensure_user_tables, notif_proposals
from relogement.projections.notices.times import aware as _aware
from relogement.projections.notices.times import now as _now
from relogement.projections.queries import connect


def _count(conn: Connection, query) -> int:  # noqa: ANN001 - a Select
    return int(conn.execute(select(func.count()).select_from(query.subquery())).scalar_one())


def unread_count(
    engine: Engine | Connection, org_id: UUID, user: str, at: datetime | None = None, *, upto: int | None = None
) -> int:
    """Unread notifications of ``user`` in the inbox of ``org_id`` at ``at`` (the header's badge),
    as the events up to position ``upto`` left the inbox (None: everything projected)."""
    at = _now(at)
    org = org_id.hex
    ensure_user_tables(engine)
    with connect(engine) as conn:
        audience = _audience(conn, org)
        stored = _count(conn, _stored_query(org, at, user, True, audience, upto=upto))
        reminders = _count(conn, _reminder_query(org, at, user, True, audience, upto=upto))
    return stored + reminders


def unread_change(engine: Engine | Connection, org_id: UUID, user: str, at: datetime, after: int, upto: int) -> int:
    """``unread_count(…, upto=upto) - unread_count(…, upto=after)`` at the same instant and read
    marks, from the events in between only: their notices, and the reminders of the proposals
    they made or ended, each counted as of both positions."""
    at = _now(at)
    org = org_id.hex
    ensure_user_tables(engine)
    touched = (after, upto)
    with connect(engine) as conn:
        audience = _audience(conn, org)
        stored = _count(conn, _stored_query(org, at, user, True, audience, after=after, upto=upto))
        now = _count(conn, _reminder_query(org, at, user, True, audience, upto=upto, touched=touched))
        before = _count(conn, _reminder_query(org, at, user, True, audience, upto=after, touched=touched))
    return stored + now - before


def next_inbox_change(
    engine: Engine | Connection, org_id: UUID, at: datetime, *, after: int | None = None, upto: int | None = None
) -> datetime | None:
    """The first instant after ``at`` at which the inbox of ``org_id`` grows with no new
    event: a stored item dated later (clocks can differ) or a 12-hour reminder coming due.
    Until then, at the same position and read marks, the unread count cannot change.
    ``after``, ``upto``: among the notices and proposals of the events in between only."""
    at = _now(at)
    org = org_id.hex
    with connect(engine) as conn:
        audience = _audience(conn, org)
        rows = _inbox_rows(org, audience=audience, after=after, upto=upto)
        stored = conn.execute(select(func.min(rows.c.created_at)).where(rows.c.created_at > at)).scalar()
        source, condition, _ = _asked_to_examine(org, audience)
        made = []
        if after is not None:
            made.append(notif_proposals.c.made_position > after)
        if upto is not None:
            made.append(notif_proposals.c.made_position <= upto)
        reminder = conn.execute(
            select(func.min(notif_proposals.c.reminder_at))
            .select_from(source)
            .where(condition, notif_proposals.c.reminder_at > at, *made)
        ).scalar()
    found = [_aware(v) for v in (stored, reminder) if v is not None]
    return min(found) if found else None
