"""A household and dwellings as an OpenFisca-France situation (Web API JSON), and back.

Conventions (README, "Aide au logement simulée"), chosen because the platform knows ages and
total monthly resources, not a household's legal ties nor its income sources:
- persons: the first person aged 18 or more applies (demandeur); the next one aged 18 or
  more is the spouse unless they are under 25 and at least 16 years younger (then a child);
  everyone under 21 is a dependent child; other adults live in the home with their own
  family (no resources of their own).
- resources: the monthly resources are the applicant's salary (taxable and net alike) in each
  month from the rolling year OpenFisca reads since the 2021 reform (the 12 months ending two
  months before the simulated month) up to the simulated month; family benefits are not in
  them (the aid does not count them). Resources low enough for the RSA are then neutralised,
  as the law does.
- no other income: every person's taxable and net salaries are given as zero for every other
  month OpenFisca reads (back to January six years before the simulated month, and the month
  after it), and their unemployment benefits, pensions and disability allowance (AAH) as zero
  over all those months. These zeros are what the model derives itself from a situation that
  gives none of them (it computes them back through the contributions and the benefits'
  eligibility: three quarters of a household's calculation time). Giving them changes no
  figure (tests/test_aid_explicit_months.py) and makes one simulation about four times
  faster. The net salary of the rolling year's first ten months is still derived by the
  model (it equals the taxable salary there, but giving it would round it differently).
- dwelling: social housing under APL agreement (``locataire_hlm``, ``logement_conventionne``);
  rent = loyer principal (annex rents are not in the aid's rent); recoverable charges given;
  the commune's INSEE code is ``depcom``, from which OpenFisca derives the zone.
- the legislation applied is the simulated month's (its first day is the legislation date).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from relogement.housing_aid.communes import insee_code

AID = "aide_logement"
ZONE = "zone_apl"


def month_key(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def _period(start: int, count: int) -> str:
    # ``count`` months from the month of index ``start`` (year * 12 + month - 1).
    return f"month:{start // 12:04d}-{start % 12 + 1:02d}:{count}"


def _months(month: date, back: int, count: int) -> str:
    # ``count`` months starting ``back`` months before the simulated month.
    return _period(month.year * 12 + month.month - 1 - back, count)


# The salaries OpenFisca reads go back to January five years before the simulated month's
# year (the household's tax returns); one more year is given, in case.
HISTORY_YEARS = 6
# The incomes the convention leaves at zero, besides the salaries (module docstring).
NO_OTHER_INCOME = ("chomage_brut", "chomage_imposable", "chomage_net", "retraite_brute", "retraite_imposable",
                   "retraite_nette", "aah")


def _incomes(month: date, monthly: float | None) -> dict[str, dict]:
    """One person's incomes: the applicant's ``monthly`` salary over the months the convention
    sets, zero elsewhere; everyone else zero; no other income. Every person of a batch gets
    the same periods: OpenFisca sets one array per period for the whole batch."""
    simulated = month.year * 12 + month.month - 1
    first, rolling, recent, after = (month.year - HISTORY_YEARS) * 12, simulated - 13, simulated - 3, simulated + 1
    amount = monthly or 0
    incomes = {
        "salaire_imposable": {_period(first, rolling - first): 0, _period(rolling, 14): round(amount * 14, 2),
                              _period(after, 1): 0},
        "salaire_net": {_period(first, rolling - first): 0, _period(recent, 4): round(amount * 4, 2),
                        _period(after, 1): 0},
    }
    for name in NO_OTHER_INCOME:
        incomes[name] = {_period(first, after + 1 - first): 0}
    return incomes


def _birth(age: int, month: date) -> str:
    # Born on the first day of the month after the simulated one, age + 1 years earlier:
    # exactly ``age`` on the first day of the simulated month.
    index = (month.year - age - 1) * 12 + month.month  # next month's index, zero-based
    return f"{index // 12:04d}-{index % 12 + 1:02d}-01"


def roles(ages: list[int]) -> tuple[list[int], list[int], list[int]]:
    """Indexes of (parents, children, other adults) per the convention above."""
    adults = [i for i, a in enumerate(ages) if a >= 18]
    parents = adults[:1]
    if len(adults) > 1:
        first, second = ages[adults[0]], ages[adults[1]]
        if not (second < 25 and first - second >= 16):
            parents.append(adults[1])
    children = [i for i, a in enumerate(ages) if i not in parents and a < 21]
    others = [i for i in range(len(ages)) if i not in parents and i not in children]
    return parents, children, others


def inputs_of(ages: list[int], resources_cents: int, dwelling: dict) -> dict:
    """What is sent for one household in one dwelling: recorded with the figure."""
    return {
        "ages": list(ages),
        "resources_cents": resources_cents,
        "rent_cents": dwelling["rent_cents"],
        "charges_cents": dwelling["charges_cents"],
        "typology": dwelling.get("typology", ""),
        "commune": dwelling.get("commune", ""),
        "depcom": insee_code(dwelling.get("commune", "")),
        "statut_occupation_logement": "locataire_hlm",
        "logement_conventionne": True,
    }


def _rolling_year_only(month: date, monthly: float | None) -> dict[str, dict]:
    # The applicant's salaries only, every other month and income left to the model to derive.
    if monthly is None:
        return {}
    return {"salaire_imposable": {_months(month, 13, 14): round(monthly * 14, 2)},
            "salaire_net": {_months(month, 3, 4): round(monthly * 4, 2)}}


def add_case(situation: dict, key: str, inputs: dict, month: date, explicit_months: bool = True) -> None:
    """Add one household-in-a-dwelling to a batch situation, its entities named after ``key``.

    ``explicit_months=False`` leaves the zero incomes to the model (slower, same figures:
    kept to check exactly that)."""
    m = month_key(month)
    ages = inputs["ages"]
    parents, children, others = roles(ages)
    person = [f"{key}-p{i}" for i in range(len(ages))]
    for i, age in enumerate(ages):
        situation["individus"][person[i]] = {"date_naissance": {"ETERNITY": _birth(age, month)}}
    # The applicant's salary: the rolling year of the aid's resources (M-13 .. M-2) and the
    # months up to the simulated one; the same amount net for the last months, which the RSA
    # reads (a household whose resources give it the RSA has them neutralised, as the law says).
    # Zero for everyone else, for every other month, and no other income (module docstring).
    for i in range(len(ages)):
        monthly = inputs["resources_cents"] / 100 if i == parents[0] else None
        situation["individus"][person[i]].update(
            _incomes(month, monthly) if explicit_months else _rolling_year_only(month, monthly))
    situation["familles"][f"{key}-f"] = {
        "parents": [person[i] for i in parents],
        "enfants": [person[i] for i in children],
        AID: {m: None},
    }
    situation["foyers_fiscaux"][f"{key}-ff"] = {
        "declarants": [person[i] for i in parents],
        "personnes_a_charge": [person[i] for i in children],
    }
    for i in others:
        situation["familles"][f"{key}-f{i}"] = {"parents": [person[i]]}
        situation["foyers_fiscaux"][f"{key}-ff{i}"] = {"declarants": [person[i]]}
    situation["menages"][f"{key}-m"] = {
        "personne_de_reference": [person[parents[0]]],
        "conjoint": [person[i] for i in parents[1:]],
        "enfants": [person[i] for i in children],
        "autres": [person[i] for i in others],
        "loyer": {m: inputs["rent_cents"] / 100},
        "charges_locatives": {m: inputs["charges_cents"] / 100},
        "statut_occupation_logement": {m: "locataire_hlm"},
        "logement_conventionne": {m: True},
        "depcom": {m: inputs["depcom"]},
        ZONE: {m: None},
    }


def empty() -> dict[str, dict[str, Any]]:
    return {"individus": {}, "familles": {}, "foyers_fiscaux": {}, "menages": {}}


def read_case(answer: dict, key: str, month: date) -> tuple[int, str | None]:
    """(aid in cents, zone) of one case in the service's answer."""
    m = month_key(month)
    aid = answer["familles"][f"{key}-f"][AID][m]
    zone = answer["menages"][f"{key}-m"][ZONE][m]
    return int(round(float(aid) * 100)), (str(zone) if zone else None)
