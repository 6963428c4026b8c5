"""Relocation indicators: pure functions, the one place where formulas live.

All amounts are monthly, in integer cents. Ratios are computed exactly (with
fractions) and rounded once, at the end, to ``PRECISION`` (4 decimals,
half-up), so a user can redo every sum from the inputs stored beside it.

Formulas (../shared/domain.md):
- reste à charge = loyer principal + loyers annexes + charges − aide au logement
- taux d'effort (%) = reste à charge / ressources mensuelles × 100
- reste-à-vivre (€/jour) = (ressources − reste à charge) / diviseur / 30, the
  divisor being the number of persons, or the OECD-modified consumption units
  (1 for the first person aged 14 or more, 0.5 for each other person aged 14 or
  more, 0.3 for each child under 14).
- évolution = après − avant (points of taux d'effort, €/day of reste-à-vivre)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

PRECISION = Decimal("0.0001")
DAYS_PER_MONTH = 30
ADULT_AGE = 14  # OECD-modified scale: 14 or more counts 0.5 (1 for the first)
NEW_HOUSING_MAX_AGE_YEARS = 5

CONVENTION = {
    "resources": "ressources mensuelles de tous les occupants du logement",
    "costs": "loyer principal + loyers annexes + charges récupérables − aide au logement",
    "days_per_month": DAYS_PER_MONTH,
    "per_person": "nombre de personnes du ménage",
    "per_uc": "unités de consommation (échelle OCDE modifiée : 1 / 0,5 / 0,3)",
    "precision": str(PRECISION),
}


def _round(value: Fraction) -> Decimal:
    # What the events store (a tiny fall is stored "-0.0000": kept as it always was).
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        PRECISION, rounding=ROUND_HALF_UP
    )


def ratio(numerator: int, denominator: int) -> Decimal:
    """``_round(Fraction(numerator, denominator))`` for a positive ``denominator``, without
    building the fraction (the ranking explains thousands of figures a second). The same
    expression as ``_round``: a decimal division is correctly rounded, so its result
    depends only on the quotient's value, not on whether the fraction was reduced
    (tests/test_indicators_exact.py checks it against the fractions)."""
    return (Decimal(numerator) / Decimal(denominator)).quantize(PRECISION, rounding=ROUND_HALF_UP)


def round_figure(value: Fraction | Decimal) -> Decimal:
    """An exact figure (a mean, a difference) rounded once, half-up, to 4 places, for
    reports: no "−0,0000"."""
    rounded = _round(Fraction(value))
    return rounded if rounded else abs(rounded)


@dataclass(frozen=True)
class HousingCost:
    rent_cents: int
    annex_rent_cents: int
    charges_cents: int
    apl_cents: int


def reste_a_charge(cost: HousingCost) -> int:
    """Net monthly housing cost in cents (may be negative if aid exceeds costs)."""
    return cost.rent_cents + cost.annex_rent_cents + cost.charges_cents - cost.apl_cents


def consumption_units(ages: list[int]) -> Fraction:
    """OECD-modified scale; the first person aged 14+ counts 1."""
    if not ages:
        raise ValueError("a household has at least one person")
    older = sum(1 for age in ages if age >= ADULT_AGE)
    return _units(older, len(ages) - older)


@functools.lru_cache(maxsize=256)
def _units(older: int, children: int) -> Fraction:
    # A few dozen compositions in all: each scale worked out once (a Fraction is immutable).
    if older == 0:  # should not happen (an adult is required), but stay total
        return Fraction(1) + Fraction(3, 10) * (children - 1)
    return Fraction(1) + Fraction(1, 2) * (older - 1) + Fraction(3, 10) * children


def _taux_effort(rac_cents: int, resources_cents: int) -> Fraction | None:
    if resources_cents <= 0:
        return None
    return Fraction(rac_cents * 100, resources_cents)


def _reste_a_vivre(resources_cents: int, rac_cents: int, divisor: Fraction) -> Fraction:
    # cents → euros: divide by 100
    return Fraction(resources_cents - rac_cents, 100) / divisor / DAYS_PER_MONTH


@dataclass(frozen=True)
class Measure:
    """One situation measured: inputs and exact results."""

    resources_cents: int
    ages: tuple[int, ...]
    cost: HousingCost

    @property
    def reste_a_charge_cents(self) -> int:
        return reste_a_charge(self.cost)

    @property
    def persons(self) -> int:
        return len(self.ages)

    @property
    def units(self) -> Fraction:
        return consumption_units(list(self.ages))

    def taux_effort(self) -> Fraction | None:
        return _taux_effort(self.reste_a_charge_cents, self.resources_cents)

    def rav_person(self) -> Fraction:
        return _reste_a_vivre(self.resources_cents, self.reste_a_charge_cents, Fraction(self.persons))

    def rav_uc(self) -> Fraction:
        return _reste_a_vivre(self.resources_cents, self.reste_a_charge_cents, self.units)

    def to_dict(self) -> dict:
        # The exact figures of taux_effort(), rav_person() and rav_uc(), each as one
        # integer quotient rounded by ``ratio`` (equal to rounding the fraction).
        units = self.units  # no person: the ValueError consumption_units raises
        resources, rac = self.resources_cents, self.reste_a_charge_cents
        left = resources - rac
        return {
            "inputs": {
                "resources_cents": resources,
                "rent_cents": self.cost.rent_cents,
                "annex_rent_cents": self.cost.annex_rent_cents,
                "charges_cents": self.cost.charges_cents,
                "apl_cents": self.cost.apl_cents,
                "persons": self.persons,
                "ages": list(self.ages),
                "consumption_units": ratio(units.numerator, units.denominator),
            },
            "reste_a_charge_cents": rac,
            "taux_effort": None if resources <= 0 else ratio(rac * 100, resources),
            "rav_person_day": ratio(left, 100 * DAYS_PER_MONTH * self.persons),
            "rav_uc_day": ratio(left * units.denominator, 100 * DAYS_PER_MONTH * units.numerator),
        }


def evolution(before: Measure, after: Measure) -> dict:
    """after − before, computed exactly then rounded: each difference of two quotients as
    one integer quotient (``ratio``), equal to the difference of the fractions."""
    if not before.ages or not after.ages:
        return _evolution(before, after)  # no person: the error the fractions raise
    rac_b, rac_a = before.reste_a_charge_cents, after.reste_a_charge_cents
    res_b, res_a = before.resources_cents, after.resources_cents
    left_b, left_a = res_b - rac_b, res_a - rac_a
    p_b, p_a = before.persons, after.persons
    u_b, u_a = before.units, after.units
    day = 100 * DAYS_PER_MONTH
    return {
        "reste_a_charge_cents": rac_a - rac_b,
        # rac_a × 100 / res_a − rac_b × 100 / res_b
        "taux_effort_points": None if res_b <= 0 or res_a <= 0 else ratio(
            100 * (rac_a * res_b - rac_b * res_a), res_a * res_b),
        # left_a / (day × p_a) − left_b / (day × p_b)
        "rav_person_day": ratio(left_a * p_b - left_b * p_a, day * p_a * p_b),
        # left_a / (day × u_a) − left_b / (day × u_b), u = numerator / denominator
        "rav_uc_day": ratio(left_a * u_a.denominator * u_b.numerator - left_b * u_b.denominator * u_a.numerator,
                            day * u_a.numerator * u_b.numerator),
    }


def _evolution(before: Measure, after: Measure) -> dict:
    te_b, te_a = before.taux_effort(), after.taux_effort()
    return {
        "reste_a_charge_cents": after.reste_a_charge_cents - before.reste_a_charge_cents,
        "taux_effort_points": None if te_b is None or te_a is None else _round(te_a - te_b),
        "rav_person_day": _round(after.rav_person() - before.rav_person()),
        "rav_uc_day": _round(after.rav_uc() - before.rav_uc()),
    }


def measure_from_record(measure: dict) -> Measure | None:
    """The measure behind a stored one (``Measure.to_dict()``), from its inputs; None without them."""
    inputs = measure.get("inputs") if measure else None
    if not inputs or "ages" not in inputs:
        return None
    return Measure(
        resources_cents=int(inputs["resources_cents"]),
        ages=tuple(int(a) for a in inputs["ages"]),
        cost=HousingCost(
            rent_cents=int(inputs["rent_cents"]),
            annex_rent_cents=int(inputs.get("annex_rent_cents", 0)),
            charges_cents=int(inputs["charges_cents"]),
            apl_cents=int(inputs["apl_cents"]),
        ),
    )


# Stored figure key → the exact figure of a measure.
_EXACT = {
    "taux_effort": Measure.taux_effort,
    "taux_effort_points": Measure.taux_effort,
    "rav_person_day": Measure.rav_person,
    "rav_uc_day": Measure.rav_uc,
}
_STORED_KEY = {"taux_effort_points": "taux_effort"}


def exact_figure(measure: dict, key: str) -> Fraction | Decimal | None:
    """A stored figure before rounding, recomputed from the stored inputs.

    Comparisons (under 6 €, up or down) are made on the exact value: 5.99995 € is
    under 6 € although it is shown as 6,0000. Without stored inputs, the stored figure.
    """
    m = measure_from_record(measure)
    if m is None:
        value = measure.get(_STORED_KEY.get(key, key)) if measure else None
        return None if value is None else Decimal(str(value))
    return _EXACT[key](m)


def exact_evolution(record: dict, key: str) -> Fraction | Decimal | None:
    """after − before of ``key`` before rounding, from the stored inputs (else the stored
    evolution): means are taken over these, then rounded once."""
    before = exact_figure(record.get("before") or {}, key)
    after = exact_figure(record.get("after") or {}, key)
    if isinstance(before, Fraction) and isinstance(after, Fraction):
        return after - before
    value = (record.get("evolution") or {}).get(key)
    return None if value is None else Decimal(str(value))


def evolution_sign(record: dict, key: str) -> int | None:
    """−1, 0 or 1: whether the figure ``key`` fell, stayed or rose, from before to after.

    Exact: one more cent of housing cost for seven people lowers the reste-à-vivre by
    0,0000476 € a day, shown as 0,0000 yet a fall. ``key`` is an evolution key
    (``taux_effort_points``, ``rav_person_day``, ``rav_uc_day``).
    """
    value = (record.get("evolution") or {}).get(key)
    rounded = None if value is None else Decimal(str(value))
    if rounded:  # a figure rounded half-up away from zero keeps the sign of the exact one
        return (rounded > 0) - (rounded < 0)
    before, after = exact_figure(record["before"], key), exact_figure(record["after"], key)
    if before is None or after is None:
        return None if rounded is None else 0
    return (after > before) - (after < before)


def typology_rooms(typology: str) -> int:
    """"T3" → 3 (T1 bis / studio count as 1)."""
    text = typology.strip().upper()
    if not text.startswith("T") or not text[1:2].isdigit():
        raise ValueError(f"typologie inconnue : {typology!r}")
    return int(text[1])


@dataclass(frozen=True)
class Placement:
    """Where the household lives before and where the offer would take it."""

    from_quartier: str
    from_qpv: bool
    from_commune: str
    from_bailleur: str
    from_typology: str
    from_surface_m2: Decimal
    to_quartier: str
    to_qpv: bool
    to_commune: str
    to_bailleur: str
    to_typology: str
    to_surface_m2: Decimal
    to_construction_year: int
    to_individual: bool
    reference_year: int


def placement_flags(p: Placement) -> dict:
    """Destination flags used by the dashboard (QPV → hors QPV, inter-bailleur...)."""
    age = p.reference_year - p.to_construction_year
    return {
        "same_quartier": p.to_quartier == p.from_quartier,
        "hors_qpv": not p.to_qpv,
        "qpv_to_hors_qpv": p.from_qpv and not p.to_qpv,
        "same_commune": p.to_commune == p.from_commune,
        "inter_bailleur": p.to_bailleur != p.from_bailleur,
        # A negative age is a dwelling delivered after the proposal (VEFA): brand new.
        "neuf_moins_5_ans": age < NEW_HOUSING_MAX_AGE_YEARS,
        "dwelling_age_years": age,
        "larger": typology_rooms(p.to_typology) > typology_rooms(p.from_typology),
        "rooms_change": typology_rooms(p.to_typology) - typology_rooms(p.from_typology),
        "surface_change_m2": p.to_surface_m2 - p.from_surface_m2,
        "individual_house": p.to_individual,
    }


def compute(before: Measure, after: Measure, placement: Placement | None = None) -> dict:
    """The indicator record stored in proposal, lease and follow-up events."""
    record = {
        "convention": dict(CONVENTION),
        "before": before.to_dict(),
        "after": after.to_dict(),
        "evolution": evolution(before, after),
    }
    if placement is not None:
        record["flags"] = placement_flags(placement)
    return record
