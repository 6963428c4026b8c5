"""summary_statistics.ExactFigures gives exactly what platform/indicators gives: each
figure, evolution and sign, on random measures (with and without stored inputs, ties at
four decimals, missing sides), however many times a measure is read."""

from __future__ import annotations

import random

from relogement.platform import indicators as formulas
from relogement.projections.summary_statistics import ExactFigures, evolutions

KEYS = ("taux_effort_points", "rav_person_day", "rav_uc_day")


def _measure(rng: random.Random) -> formulas.Measure:
    ages = tuple(rng.choice((3, 10, 15, 40, 70)) for _ in range(rng.randint(1, 7)))
    cost = formulas.HousingCost(rng.randint(20_000, 90_000), rng.choice((0, 1_500)), rng.randint(0, 20_000),
                                rng.randint(0, 40_000))
    return formulas.Measure(rng.choice((0, rng.randint(50_000, 400_000))), ages, cost)


def _records(seed: int) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for _ in range(300):
        before = _measure(rng)
        after = before if rng.random() < 0.1 else _measure(rng)
        if rng.random() < 0.2:  # one more cent for a large household: a fall shown as 0.0000
            after = formulas.Measure(before.resources_cents, before.ages, formulas.HousingCost(
                before.cost.rent_cents + 1, before.cost.annex_rent_cents, before.cost.charges_cents,
                before.cost.apl_cents))
        record = {"before": before.to_dict(), "after": after.to_dict(),
                  "evolution": formulas.evolution(before, after)}
        if rng.random() < 0.1:  # stored without inputs (older events): the stored figures
            del record["before"]["inputs"]["ages"]
        if rng.random() < 0.05:
            record["after"] = {}
        out.append(record)
    return out


def test_same_figures_evolutions_and_signs_as_the_platform():
    records = _records(19)
    figures = ExactFigures()
    for _ in range(2):  # read twice: the second time from what was computed
        for record in records:
            for key in KEYS:
                assert figures.evolution(record, key) == formulas.exact_evolution(record, key)
                for side in ("before", "after"):
                    assert figures.figure(record[side], key) == formulas.exact_figure(record[side], key)
                if record["after"]:
                    assert figures.sign(record, key) == formulas.evolution_sign(record, key)
    with_both = [r for r in records if r["after"]]
    for key in KEYS:
        assert ExactFigures().evolutions(with_both, key) == evolutions(with_both, key)
    assert figures.figure(None, "rav_person_day") is None
