"""The objection deadline: a pure function of the proposal's instant and settings.

Calendar hours by default: 48 hours are 48 real hours (UTC arithmetic), also
across a daylight-saving change. With ``working_days_only`` the clock stops on
Saturdays and Sundays (Europe/Paris days).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def objection_deadline(start: datetime, hours: int, *, working_days_only: bool = False) -> datetime:
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    start = start.astimezone(UTC)
    if not working_days_only:
        return start + timedelta(hours=hours)
    remaining = timedelta(hours=hours)
    cursor = start
    while True:
        local = cursor.astimezone(PARIS)
        next_midnight_local = datetime.combine(
            local.date() + timedelta(days=1), datetime.min.time(), tzinfo=PARIS
        )
        boundary = next_midnight_local.astimezone(UTC)
        if local.weekday() >= 5:  # weekend: skip to next day
            cursor = boundary
            continue
        span = boundary - cursor
        if remaining <= span:
            return cursor + remaining
        remaining -= span
        cursor = boundary


def window_open(deadline: datetime, at: datetime) -> bool:
    """Objections are accepted strictly before the deadline."""
    return at < deadline
