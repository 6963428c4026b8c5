"""The housing-aid occupancy rule: the smallest surface a household may live in.

Art. R822-25 of the Code de la construction et de l'habitation (formerly D542-14 of the
Code de la sécurité sociale): a dwelling is over-occupied below 9 m² for one person,
16 m² for two, plus 9 m² for each further person, up to 70 m² for eight persons or more.
Pure: no I/O, used by the proposal's warnings and the ranking of offers.
"""

from __future__ import annotations

ONE_PERSON_M2 = 9
TWO_PERSONS_M2 = 16
PER_EXTRA_PERSON_M2 = 9
EIGHT_OR_MORE_M2 = 70
OCCUPANCY_ARTICLE = "art. R822-25 du CCH"


def minimum_surface(persons: int) -> int:
    """The least habitable surface (m²) for ``persons`` people under the housing-aid rule."""
    if persons < 1:
        raise ValueError("a household has at least one person")
    if persons == 1:
        return ONE_PERSON_M2
    if persons >= 8:
        return EIGHT_OR_MORE_M2
    return TWO_PERSONS_M2 + PER_EXTRA_PERSON_M2 * (persons - 2)
