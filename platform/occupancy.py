"""Over-occupation by the housing-aid occupancy rule (peuplement du logement).

A dwelling gives right to housing aid (APL, ALF, ALS) only if its living area is at
least 9 m² for one person, 16 m² for two, plus 9 m² for each further person, up to
70 m² for eight persons or more: article R822-25 of the Code de la construction et de
l'habitation (created by décret n° 2019-772 of 24 July 2019, in force since
1 September 2019; before, articles D542-14 (ALF) and R831-13-1 (ALS) of the Code de la
sécurité sociale, same figures). Proposing a smaller dwelling would cost the household
its aid: the ranking shows it as a hard limit (a reason, never a hidden offer).

Pure functions: no clock, no storage.
"""

from __future__ import annotations

from decimal import Decimal

ARTICLE = "article R822-25 du Code de la construction et de l'habitation"
ONE_PERSON_M2 = 9
TWO_PERSONS_M2 = 16
PER_EXTRA_PERSON_M2 = 9
CEILING_M2 = 70  # reached at eight persons: 16 + 6 × 9


def minimum_surface_m2(persons: int) -> int:
    """The smallest living area (m²) the rule accepts for ``persons`` people."""
    if persons < 1:
        raise ValueError("a household has at least one person")
    if persons == 1:
        return ONE_PERSON_M2
    return min(TWO_PERSONS_M2 + PER_EXTRA_PERSON_M2 * (persons - 2), CEILING_M2)


def over_occupied(surface_m2: Decimal | int | str, persons: int) -> bool:
    """True if ``persons`` people in ``surface_m2`` would be over-occupation (strictly
    under the minimum: exactly the minimum is accepted)."""
    return Decimal(str(surface_m2)) < minimum_surface_m2(persons)
