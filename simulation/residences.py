"""The demo programme's residences (about 150 across the 12 bailleurs) and their occupancy
surveys (OPS 2022, imported at the start, and OPS 2024, imported in November 2024), with
figures in the ranges of the field: demolished towers of the QPV are the most fragile,
residences kept in the QPV a little less, destinations outside QPV more balanced.

Uses its own random generator, so that adding residences leaves the rest of the
programme's seeded story unchanged.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from relogement.platform.residence_commands import NewResidence, SurveyRow
from relogement.platform.values import Dwelling
from relogement.simulation.reference import BAILLEURS, DESTINATIONS, ORIGINS, RESIDENCES

# (u20, u40, u60, q1, aid, single parents, no adult in work, over-occupation): ranges in %.
PROFILES = {
    "demolie": ((20, 35), (45, 60), (65, 82), (40, 58), (60, 78), (22, 35), (35, 55), (6, 15)),
    "qpv": ((12, 25), (35, 50), (55, 72), (30, 48), (50, 68), (18, 30), (28, 45), (4, 10)),
    "hors_qpv": ((5, 15), (18, 35), (30, 55), (10, 30), (30, 55), (12, 25), (15, 35), (2, 8)),
}
FIGURES = ("under_20", "under_40", "under_60", "first_quartile", "housing_aid", "single_parent",
           "no_adult_in_work", "over_occupation")
NAMES = [n.split(" ", 1)[1] if n.startswith(("Tour ", "Barre ")) else n.replace("Résidence ", "")
         for n in RESIDENCES]


class DemoResidences:
    def __init__(self, generator: Any, seed: int) -> None:
        self.g = generator
        self.rng = random.Random(seed * 7919 + 22)
        self.by_place: dict[tuple[str, str], list[str]] = {}  # (bailleur, quartier) → codes
        self.demolished: dict[tuple[str, str], str] = {}
        self.rows: dict[str, list[tuple[NewResidence, str]]] = {}  # bailleur → (residence, kind)

    def _add(self, bailleur: str, quartier: tuple, kind: str) -> None:
        rng = self.rng
        count = sum(len(v) for v in self.rows.values()) + 1
        code = f"{bailleur}-{quartier[0]}-{count:03d}"
        label = rng.choice(NAMES)
        # The field's names repeat from one town to the next: the quartier tells them apart.
        name = f"{'Tour' if kind == 'demolie' else 'Résidence'} {label} – {quartier[1]}"
        dwellings = rng.randint(60, 220) if kind == "demolie" else rng.randint(18, 140)
        residence = NewResidence(code, name, f"{rng.randint(1, 200)} rue {label}", quartier[2], quartier[0],
                                 quartier[3], dwellings)
        self.rows.setdefault(bailleur, []).append((residence, kind))
        if kind == "demolie":
            self.demolished[(bailleur, quartier[0])] = code
        else:
            self.by_place.setdefault((bailleur, quartier[0]), []).append(code)

    def create(self) -> None:
        """Register ~150 residences through each bailleur's first occupancy import (OPS 2022)."""
        for origin in ORIGINS:
            for bailleur in origin[6]:
                self._add(bailleur, origin, "demolie")
            self._add(origin[6][0], origin, "qpv")
        weights = [b[2] for b in BAILLEURS]
        for destination in DESTINATIONS:
            for bailleur in {b[0] for b in self.rng.choices(BAILLEURS, weights, k=4)}:
                self._add(bailleur, destination, "qpv" if destination[3] else "hors_qpv")
        self.import_survey(2022, create=True)
        self.objectives()
        end = self.g.end
        second = datetime(2024, 11, 15, 9, 30, tzinfo=UTC)
        if self.g.start < second < end:
            self.g.at(second, self.import_survey, 2024)

    def objectives(self) -> None:
        """The groupe de suivi's objectives on a few residences of the QPV that receive
        relocated households, and a note of the city on one of them."""
        from relogement.platform.peuplement import residence_id

        kept = [(b, r) for b, rows in self.rows.items() for r, kind in rows if kind == "qpv"]
        for bailleur, residence in self.rng.sample(kept, min(8, len(kept))):
            rid = residence_id(self.g.project_id, self.g.orgs[bailleur], residence.code)
            self.g.app.set_residence_objectives(
                rid, [{"kind": "max_first_quartile", "limit": self.rng.choice([2, 3, 5])},
                      {"kind": "employment_priority"}],
                "Groupe de suivi peuplement du 12/10/2023", self.g.actor("MEL", "chef.projet@mel"))
        bailleur, residence = kept[0]
        rid = residence_id(self.g.project_id, self.g.orgs[bailleur], residence.code)
        self.g.app.write_residence_note(
            rid, "Hall refait en 2023 ; ascenseur souvent en panne ; école maternelle à 200 m.",
            self.g.actor("V-LILLE", "dsu@ville-lille"))

    def _shares(self, kind: str) -> dict[str, Decimal]:
        values = [Decimal(self.rng.randint(lo * 10, hi * 10)) / 10 for lo, hi in PROFILES[kind]]
        values[0], values[1], values[2] = sorted(values[:3])
        return dict(zip(FIGURES, values, strict=True))

    def import_survey(self, year: int, create: bool = False) -> None:
        for bailleur, rows in self.rows.items():
            surveys = [
                SurveyRow(residence, year, max(5, round(residence.dwellings * self.rng.uniform(0.82, 0.97))),
                          self._shares(kind), f"OPS {year}")
                for residence, kind in rows
            ]
            self.g.app.import_occupancy(self.g.project_id, surveys, self.g.actor(bailleur, f"patrimoine@{bailleur.lower()}"),
                                        f"ops-{year}-{bailleur.lower()}.xlsx", create_missing=create)

    # -- what the generator asks -------------------------------------------------------
    def home(self, bailleur: str, quartier: str, dwelling: Dwelling) -> Dwelling:
        """The household's current dwelling, in its bailleur's demolished tower."""
        code = self.demolished.get((bailleur, quartier), "")
        return replace(dwelling, residence=code)

    def adults_in_work(self, ages: tuple[int, ...], quartile: int) -> int:
        adults = sum(1 for a in ages if a >= 18)
        chance = {1: 0.35, 2: 0.6, 3: 0.8, 4: 0.9}[quartile]
        return sum(1 for _ in range(adults) if self.rng.random() < chance)

    def offered(self, bailleur: str, dwelling: Dwelling) -> Dwelling:
        codes = self.by_place.get((bailleur, dwelling.quartier))
        return replace(dwelling, residence=self.rng.choice(codes)) if codes else dwelling
