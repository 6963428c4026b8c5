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


def _months(month: date, back: int, count: int) -> str:
    # ``count`` months starting ``back`` months before the simulated month.
    index = month.year * 12 + month.month - 1 - back
    return f"month:{index // 12:04d}-{index % 12 + 1:02d}:{count}"


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


def add_case(situation: dict, key: str, inputs: dict, month: date) -> None:
    """Add one household-in-a-dwelling to a batch situation, its entities named after ``key``."""
    m = month_key(month)
    ages = inputs["ages"]
    parents, children, others = roles(ages)
    person = [f"{key}-p{i}" for i in range(len(ages))]
    for i, age in enumerate(ages):
        situation["individus"][person[i]] = {"date_naissance": {"ETERNITY": _birth(age, month)}}
    monthly = inputs["resources_cents"] / 100
    applicant = situation["individus"][person[parents[0]]]
    # The rolling year of the aid's resources (M-13 .. M-2) and the months up to the simulated
    # one; the same amount net for the last months, which the RSA reads (a household whose
    # resources give it the RSA has them neutralised, as the law says).
    applicant["salaire_imposable"] = {_months(month, 13, 14): round(monthly * 14, 2)}
    applicant["salaire_net"] = {_months(month, 3, 4): round(monthly * 4, 2)}
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
