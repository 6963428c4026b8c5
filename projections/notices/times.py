"""Instants of the inbox: UTC storage, Paris display, the 12-hour reminder's time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from relogement.platform.deadline import PARIS

REMINDER_BEFORE = timedelta(hours=12)


def utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def now(at: datetime | None) -> datetime:
    if at is None:
        return datetime.now(tz=UTC)
    if at.tzinfo is None:
        raise ValueError("at must be timezone-aware")
    return at.astimezone(UTC)


def paris(value: datetime) -> str:
    """A UTC instant as French users read it: ``04/03/2026 à 10 h 00``."""
    return value.astimezone(PARIS).strftime("%d/%m/%Y à %H h %M")


def reminder_time(made_at: datetime, deadline: datetime) -> datetime:
    """When the 12-hour reminder appears (at once for windows shorter than 12 h)."""
    return max(made_at, deadline - REMINDER_BEFORE)
