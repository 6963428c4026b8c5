"""The demo's clock: the application reads it, the generator moves it."""

from __future__ import annotations

from datetime import date, datetime, timedelta


class ProgrammeClock:
    """The generator's clock: the application reads it, the simulation moves it."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def default_start(today: date | None = None) -> date:
    """The Monday three years (and a day) before ``today``: the history ends just before now."""
    today = today or date.today()
    day = today - timedelta(days=3 * 365 + 1)
    return day - timedelta(days=day.weekday())
