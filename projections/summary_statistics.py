"""Summary statistics shared by the reports: rates, means, medians, distributions, evolutions.

Used by the dashboard, the indemnities, the semestrial report and the residual income
follow-up (so none of them imports another for these helpers). Figures are exact
until one final rounding, half-up.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from relogement.platform import indicators as formulas

# Bins are half-open [low, high); None is unbounded.
TE_BINS = ((None, -5), (-5, -2), (-2, 0), (0, 2), (2, 5), (5, None))  # points
RAV_BINS = ((None, -3), (-3, -1), (-1, 0), (0, 1), (1, 3), (3, None))  # € per day

TWO = Decimal("0.01")
FOUR = Decimal("0.0001")


def rate(count: int, base: int) -> Decimal | None:
    if base == 0:
        return None
    return (Decimal(count) * 100 / Decimal(base)).quantize(TWO, rounding=ROUND_HALF_UP)


def mean(values: list[Decimal] | list[Fraction | Decimal]) -> Decimal | None:
    """The mean of exact values (fractions or decimals), rounded once, half-up, to 4 places."""
    if not values:
        return None
    return formulas.round_figure(exact_sum(values) / len(values))


def exact_sum(values: Iterable[Fraction | Decimal | int]) -> Fraction:
    """The exact sum of fractions, decimals or integers: the numerators added per
    denominator, then those few sums (the same value as adding them one by one, which
    reduces a growing fraction at every step: thousands of gcds for a report's mean)."""
    by_denominator: dict[int, int] = {}
    for value in values:
        exact = value if type(value) is Fraction else Fraction(value)
        by_denominator[exact.denominator] = by_denominator.get(exact.denominator, 0) + exact.numerator
    return sum((Fraction(n, d) for d, n in by_denominator.items()), Fraction(0))


def median(values: list[Any]) -> Decimal | None:
    if not values:
        return None
    return Decimal(str(statistics.median(sorted(values)))).quantize(Decimal("0.1"))


def bin_label(low: int | None, high: int | None, unit: str) -> str:
    if low is None:
        return f"< {high} {unit}"
    if high is None:
        return f"≥ {low} {unit}"
    return f"{low} à {high} {unit}"


def distribution(values: list[Decimal], bins: tuple, unit: str) -> list[dict]:
    out = []
    for low, high in bins:
        n = sum(
            1 for v in values if (low is None or v >= low) and (high is None or v < high)
        )
        out.append({"tranche": bin_label(low, high, unit), "min": low, "max": high, "nombre": n})
    return out


def evolutions(
    records: Iterable[dict], key: str, sign: Any = formulas.evolution_sign,
    exact_evolution: Any = formulas.exact_evolution,
) -> tuple[list[Decimal], list[int], list[Any]]:
    """The stored evolutions ``key`` of indicator records, whether each is up or down, and
    each exact (for means).

    The signs are exact (``indicators.evolution_sign``): a fall too small to show at
    four decimals is still a fall. ``sign`` / ``exact_evolution``: the same functions
    with their figures kept (:class:`ExactFigures`).
    """
    values: list[Decimal] = []
    signs: list[int] = []
    exact: list[Any] = []
    for record in records:
        value = _dec(record["evolution"].get(key))
        if value is not None:
            values.append(value)
            signs.append(sign(record, key) or 0)
            exact.append(exact_evolution(record, key))
    return values, signs, exact


class ExactFigures:
    """The exact figures of stored measures, each computed once per computation.

    A report reads the same measure many times (the mean, the sign, the threshold, each
    group it falls in): :func:`relogement.platform.indicators.exact_figure` recomputes
    the fractions from the inputs every time. This gives the same values (the same
    functions, and :meth:`evolution` / :meth:`sign` follow ``exact_evolution`` /
    ``evolution_sign``), each measure computed once while this object lives: make one
    per computation (it keeps the measures it has seen).
    """

    def __init__(self) -> None:
        self._figures: dict[tuple[int, str], tuple[dict, Any]] = {}

    def figure(self, measure: dict | None, key: str) -> Any:
        """``indicators.exact_figure(measure, key)``, or None for no measure."""
        if not measure:
            return None  # exact_figure of an empty measure
        ident = (id(measure), key)
        hit = self._figures.get(ident)
        if hit is not None and hit[0] is measure:
            return hit[1]
        value = formulas.exact_figure(measure, key)
        self._figures[ident] = (measure, value)  # the measure kept: its id stays its own
        return value

    def evolution(self, record: dict, key: str) -> Any:
        """``indicators.exact_evolution(record, key)``."""
        before = self.figure(record.get("before"), key)
        after = self.figure(record.get("after"), key)
        if isinstance(before, Fraction) and isinstance(after, Fraction):
            return after - before
        value = (record.get("evolution") or {}).get(key)
        return None if value is None else Decimal(str(value))

    def sign(self, record: dict, key: str) -> int | None:
        """``indicators.evolution_sign(record, key)``."""
        value = (record.get("evolution") or {}).get(key)
        rounded = None if value is None else Decimal(str(value))
        if rounded:  # a figure rounded half-up away from zero keeps the sign of the exact one
            return (rounded > 0) - (rounded < 0)
        before, after = self.figure(record["before"], key), self.figure(record["after"], key)
        if before is None or after is None:
            return None if rounded is None else 0
        return (after > before) - (after < before)

    def evolutions(self, records: Iterable[dict], key: str) -> tuple[list[Decimal], list[int], list[Any]]:
        """:func:`evolutions`, each record's figures computed once."""
        return evolutions(records, key, self.sign, self.evolution)


def records_summary(records: Iterable[dict], key: str, bins: tuple, unit: str) -> dict:
    """``evolution_summary`` of the evolutions ``key`` of indicator records."""
    values, signs, exact = evolutions(records, key)
    return evolution_summary(values, bins, unit, signs, exact)


def evolution_summary(
    values: list[Decimal], bins: tuple, unit: str, signs: list[int] | None = None,
    exact: list[Any] | None = None,
) -> dict:
    """Mean, distribution and counts up / down / stable; ``signs`` (exact) decide the counts
    and the mean is that of the ``exact`` values when given (else of ``values``)."""
    if signs is None:
        signs = [(v > 0) - (v < 0) for v in values]
    return {
        "nombre": len(values),
        "moyenne": mean(exact if exact is not None else values),
        "hausse": signs.count(1),
        "baisse": signs.count(-1),
        "stable": signs.count(0),
        "distribution": distribution(values, bins, unit),
    }


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))
