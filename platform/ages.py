"""Ages as of today, from ages recorded some time ago.

A household's ages are recorded at registration (or at a later situation update or
follow-up), in whole years, without birth dates (those are identity, sealed). A form that
measures the situation later pre-fills today's ages: each recorded age plus the years
elapsed since it was recorded, rounded to the nearest whole year (a person aged 38 on the
day of recording has a birthday within the next year: after half a year they are more
likely 39 than 38).
"""

from __future__ import annotations

from datetime import date

DAYS_PER_YEAR = 365.2425


def ages_today(ages: tuple[int, ...] | list[int], recorded_on: date, today: date) -> tuple[int, ...]:
    """``ages`` as recorded on ``recorded_on``, aged to ``today`` (never younger)."""
    elapsed = max(0, (today - recorded_on).days) / DAYS_PER_YEAR
    years = int(elapsed + 0.5)  # nearest whole year, halves up
    return tuple(age + years for age in ages)


__all__ = ["ages_today"]
