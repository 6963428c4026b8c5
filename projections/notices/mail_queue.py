"""The mail side of the inbox, in SQL: addresses, what is still to send, what was sent.

The SMTP part lives in :mod:`relogement.runtime.mailer`; this module only
reads and writes the tables (``notification_mail_*``, kept outside the projection).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import Connection, Engine, delete, func, select

from relogement.projections.notices.inbox import (
    Notification,
    _inbox_rows,
    _reminder,
    _reminder_query,
    _stored,
)
from relogement.projections.notices.tables import (
    ensure_user_tables,
    mail_addresses,
    mail_log,
    mail_state,
    notices,
)
from relogement.projections.notices.times import aware as _aware


def set_mail_addresses(engine: Engine, org_id: UUID, addresses: Iterable[str]) -> None:
    """The addresses that receive an organisation's notifications by mail."""
    ensure_user_tables(engine)
    clean = sorted({a.strip() for a in addresses if a.strip()})
    with engine.begin() as conn:
        conn.execute(delete(mail_addresses).where(mail_addresses.c.org_id == org_id.hex))
        for address in clean:
            conn.execute(mail_addresses.insert().values(org_id=org_id.hex, address=address))


def _addresses(conn: Connection, org: str) -> list[str]:
    return sorted(
        conn.execute(
            select(mail_addresses.c.address).where(mail_addresses.c.org_id == org)
        ).scalars()
    )


@dataclass(frozen=True)
class PendingMail:
    """A notification never mailed, and the organisation's own addresses."""

    notification: Notification
    addresses: tuple[str, ...]


def pending_mail(engine: Engine, at: datetime) -> list[PendingMail]:
    """Every notification not handled by the mail log yet, oldest first (``at``: UTC, aware).

    The first call records a starting point, so switching mail on never sends the
    history: notices after that position, reminders due from that instant on.
    """
    ensure_user_tables(engine)
    with engine.begin() as conn:
        state = conn.execute(select(mail_state).where(mail_state.c.name == "mail")).mappings().first()
        if state is None:
            start = conn.execute(select(func.max(notices.c.position))).scalar() or 0
            conn.execute(mail_state.insert().values(name="mail", start_position=start, start_at=at))
            state = {"start_position": start, "start_at": at}
    start_position, start_at = state["start_position"], _aware(state["start_at"])

    with engine.connect() as conn:
        # Anti-joins on the mail log: only what was never handled, however long the history.
        rows = _inbox_rows()
        stored = (
            select(rows)
            .outerjoin(mail_log, mail_log.c.key == rows.c.key)
            .where(
                mail_log.c.key.is_(None),
                rows.c.position > start_position,
                rows.c.created_at <= at,
            )
            .order_by(rows.c.position, rows.c.key)
        )
        pending = [_stored(row) for row in conn.execute(stored).mappings()]
        reminders = _reminder_query(None, at, None, False).subquery()
        due = (
            select(reminders)
            .outerjoin(mail_log, mail_log.c.key == reminders.c.key)
            .where(mail_log.c.key.is_(None), reminders.c.reminder_at >= start_at)
            .order_by(reminders.c.reminder_at, reminders.c.key)
        )
        pending += [_reminder(row) for row in conn.execute(due).mappings()]
        return [PendingMail(n, tuple(_addresses(conn, n.org_id.hex))) for n in pending]


def log_mail(engine: Engine, key: str, at: datetime, recipients: Iterable[str], status: str) -> None:
    """Record that the notification ``key`` was handled (``envoye``, ``perime``, ``sans_destinataire``)."""
    with engine.begin() as conn:
        conn.execute(
            mail_log.insert().values(key=key, sent_at=at, recipients=", ".join(recipients), status=status)
        )
