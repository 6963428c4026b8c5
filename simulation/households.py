"""A planned household of the demo: its story (the proposals it will go through), its
record in the generator, its composition and its personal data."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from uuid import UUID

from relogement.platform.values import PersonalData, Situation, Wishes
from relogement.simulation.reference import CONSTRAINTS, FEMALE, MALE, NOTES, SURNAMES


# -- plans ---------------------------------------------------------------------------
@dataclass
class _Step:
    """One proposal in a household's story."""

    outcome: str  # refus | opposition | caleol_refus | retrait | bail | attente (parallel)
    objection: str | None = None  # leve | arbitrage_leve | arbitrage_maintenu
    motive: str = ""
    ajournement: bool = False
    final: dict | None = None  # the planned destination of the signed lease
    pre_visit: bool = False
    parallel: bool = False


@dataclass
class _Household:
    index: int
    reference: str
    bailleur: str
    officer: str  # org code following the household: its bailleur or the MOUS
    officer_user: str
    origin: tuple
    operation: str
    situation: Situation
    te_before: float
    size: int
    home_address: str
    steps: list[_Step] = field(default_factory=list)
    departure: str | None = None
    wishes: Wishes | None = None
    id: UUID | None = None
    proposals: int = 0
    relocated: bool = False


# -- households: composition and personal data -------------------------------------------
def _composition(rng: random.Random) -> tuple[int, ...]:
    kind = rng.choices(
        ["isole_age", "isole", "couple_age", "couple", "mono", "couple_enfants", "elargie"],
        [18, 14, 8, 8, 24, 24, 4],
    )[0]
    if kind == "isole_age":
        return (rng.randint(62, 90),)
    if kind == "isole":
        return (rng.randint(20, 61),)
    if kind == "couple_age":
        a = rng.randint(60, 86)
        return (a, max(55, a + rng.randint(-6, 4)))
    if kind == "couple":
        a = rng.randint(21, 59)
        return (a, max(19, a + rng.randint(-6, 6)))
    adult = rng.randint(24, 54)
    adults = [adult] if kind == "mono" else [adult, max(20, adult + rng.randint(-5, 5))]
    if kind == "elargie":
        adults.append(rng.randint(65, 85))
    count = rng.choices([1, 2, 3, 4, 5], [30, 34, 22, 10, 4])[0] + (1 if kind == "elargie" else 0)
    children = [rng.randint(0, min(24, adult - 17)) for _ in range(count)]
    return tuple(adults + sorted(children, reverse=True))


def _needed_rooms(ages: list[int]) -> int:
    """Typology suited to the composition (a couple shares a room, two children share)."""
    adults = sum(1 for a in ages if a >= 18)
    children = len(ages) - adults
    bedrooms = (1 if adults else 0) + max(0, adults - 2) + (children + 1) // 2
    return max(1, min(6, bedrooms + 1 if len(ages) > 1 else 1 + (1 if ages[0] >= 60 else 0)))


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().replace(" ", "")


def _personal(rng: random.Random, h: _Household, today: date) -> PersonalData:
    surname = rng.choice(SURNAMES)
    ages = h.situation.ages
    female = rng.random() < (0.85 if len(ages) > 1 and sum(a >= 18 for a in ages) == 1 else 0.55)
    first = rng.choice(FEMALE if female else MALE)
    if len(ages) > 1:
        name = f"Famille {surname} ({'Mme' if female else 'M.'} {first} {surname})"
    else:
        name = f"{'Mme' if female else 'M.'} {first} {surname}"
    birth_dates = tuple(
        (today - timedelta(days=365 * age + rng.randint(1, 364))).isoformat() for age in ages
    )
    # Fiction ranges reserved by ARCEP (03 53 01…, 06 39 98…) and the example.fr domain.
    phone = rng.choice(["06 39 98", "03 53 01"]) + f" {rng.randint(0, 99):02d} {rng.randint(0, 99):02d}"
    return PersonalData(
        name=name, phone=phone, email=f"{_ascii(first)}.{_ascii(surname)}@example.fr",
        address=h.home_address, birth_dates=birth_dates,
        notes=rng.choice(NOTES), constraints=rng.choice(CONSTRAINTS),
    )


def _apl_after(cost_cents: int, resources_cents: int, te_percent: float) -> int:
    """The APL that gives the planned effort rate, within what an APL can be."""
    rac = round(resources_cents * te_percent / 100)
    return max(0, min(cost_cents - rac, round(cost_cents * 0.9)))
