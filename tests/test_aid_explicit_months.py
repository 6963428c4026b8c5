"""The simulation's speed-ups change no figure.

1. The app gives OpenFisca the zero incomes it would otherwise derive itself (every person's
   salaries outside the applicant's rolling year; unemployment benefits, pensions and AAH:
   housing_aid/situation.py). For a varied
   batch of households (ages from infants to the very old, couples, single parents, other
   adults, no to high resources, the three zones, three legislation months), the service's
   aid and zone are the same with those months given and with them left to the model.
2. The service builds its simulations with ``BatchBuilder`` (housing_aid/service.py) rather
   than OpenFisca's ``SimulationBuilder``: with the simulation venv's Python,
   tests/simulation_checks/builder_equivalence.py builds the same situations with both and
   compares every id, membership, role and input array.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
from datetime import date
from pathlib import Path

import pytest
from conftest import IN_CI

from relogement.housing_aid import situation as sit

ROOT = Path(__file__).resolve().parent.parent
COMMUNES = ["Lille", "Roubaix", "Paris", "Auch", "Lyon", "Marseille", "Créteil", "Nantes"]
MONTHS = [date(2026, 12, 1), date(2026, 1, 1), date(2025, 7, 1)]


def households(seed: int, count: int) -> list[tuple[list[int], int, dict]]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        shape = rng.random()
        if shape < 0.15:  # old age: the minimum old-age income (ASPA) is among the resources read
            ages = [rng.randint(60, 95)] + ([rng.randint(58, 95)] if rng.random() < 0.5 else [])
        elif shape < 0.25:  # young applicants, some with infants
            ages = [rng.randint(18, 25)] + [rng.randint(0, 5) for _ in range(rng.randint(0, 2))]
        else:
            ages = [rng.randint(25, 60)] + ([rng.randint(22, 60)] if rng.random() < 0.6 else [])
            ages += [rng.randint(0, 24) for _ in range(rng.randint(0, 5))]
            if rng.random() < 0.1:
                ages.append(rng.randint(60, 90))  # a grandparent: another adult of the home
        resources = rng.choice([0, rng.randint(0, 60_000), rng.randint(50_000, 200_000), rng.randint(100_000, 500_000)])
        dwelling = {"rent_cents": rng.randint(15_000, 90_000), "charges_cents": rng.randint(0, 20_000),
                    "typology": "T3", "commune": rng.choice(COMMUNES)}
        out.append((ages, resources, dwelling))
    return out


def batch(month: date, cases: list, explicit_months: bool) -> dict:
    situation = sit.empty()
    for i, (ages, resources, dwelling) in enumerate(cases):
        sit.add_case(situation, f"h{i}", sit.inputs_of(ages, resources, dwelling), month, explicit_months=explicit_months)
    return situation


def calculate(url: str, situation: dict) -> dict:
    import urllib.request

    request = urllib.request.Request(f"{url}/calculate", data=json.dumps(situation).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=300) as response:
        return json.loads(response.read())


@pytest.mark.parametrize("month", MONTHS, ids=[m.isoformat() for m in MONTHS])
def test_explicit_zero_incomes_change_no_figure(simulation_url, month):
    cases = households(seed=month.toordinal(), count=120)
    given = calculate(simulation_url, batch(month, cases, explicit_months=True))
    derived = calculate(simulation_url, batch(month, cases, explicit_months=False))
    aids = [sit.read_case(given, f"h{i}", month) for i in range(len(cases))]
    assert aids == [sit.read_case(derived, f"h{i}", month) for i in range(len(cases))]
    # The batch is not trivial: households with and without aid, in the three zones.
    assert any(cents == 0 for cents, _ in aids) and any(cents > 0 for cents, _ in aids)
    assert {zone for _, zone in aids} == {"zone_1", "zone_2", "zone_3"}


def test_explicit_months_cover_only_zero_months():
    """The given months: the applicant's rolling year (taxable) and last four months (net)
    carry the resources; every other given month, every other person and every other
    income is zero."""
    month = date(2026, 12, 1)
    situation = batch(month, [([40, 38, 10], 150_000, {"rent_cents": 40_000, "charges_cents": 5_000, "commune": "Lille"})], True)
    applicant, spouse, child = (situation["individus"][f"h0-p{i}"] for i in range(3))
    assert applicant["salaire_imposable"] == {"month:2020-01:70": 0, "month:2025-11:14": 21_000.0, "month:2027-01:1": 0}
    assert applicant["salaire_net"] == {"month:2020-01:70": 0, "month:2026-09:4": 6_000.0, "month:2027-01:1": 0}
    for person in (spouse, child):
        assert set(person["salaire_imposable"]) == set(applicant["salaire_imposable"])
        assert set(person["salaire_net"]) == set(applicant["salaire_net"])
        assert not any(person["salaire_imposable"].values()) and not any(person["salaire_net"].values())
    for person in (applicant, spouse, child):
        for name in sit.NO_OTHER_INCOME:
            assert person[name] == {"month:2020-01:85": 0}


def simulation_python() -> Path | None:
    venv = ROOT / os.environ.get("SIMULATION_VENV", ".venv-simulation")
    python = venv / "bin" / "python"
    return python if python.exists() else None


def test_batch_builder_builds_what_openfisca_builds():
    python = simulation_python()
    if python is None:
        reason = "the simulation venv is missing (bash scripts/simulation.sh setup)"
        if IN_CI:
            pytest.fail(f"CI=true and {reason}")
        pytest.skip(reason)
    month = date(2026, 12, 1)
    situations = [batch(month, households(seed, 40), explicit) for seed, explicit in ((1, True), (2, False))]
    situations.append(batch(date(2025, 7, 1), households(3, 5), True))
    # A person left out of a family (the builder gives them one), a bare value without a
    # period (refused by both), an unknown person in a role (refused by both).
    situations.append({"individus": {"a": {"salaire_net": {"2026-11": 1200}}, "b": {}},
                       "familles": {"f": {"parents": ["a"], "aide_logement": {"2026-11": None}}},
                       "menages": {"m": {"personne_de_reference": ["a"], "loyer": {"2026-11": 400}}}})
    situations.append({"individus": {"a": {"salaire_net": 1200}}})
    situations.append({"individus": {"a": {}}, "familles": {"f": {"parents": ["zz"]}}})
    checked = subprocess.run([str(python), str(ROOT / "tests" / "simulation_checks" / "builder_equivalence.py")],
                             input=json.dumps(situations), capture_output=True, text=True, timeout=600, check=True)
    result = json.loads(checked.stdout)
    assert result["differences"] == []
    assert result["compared"] > 100  # ids, memberships, roles and input arrays of every situation
