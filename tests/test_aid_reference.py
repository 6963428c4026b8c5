"""The simulation service against OpenFisca-France's own reference cases.

Cases: tests/reference/aide_logement_cases.yaml, copied from OpenFisca-France's YAML tests
(openfisca/openfisca-france, commit a7038ee, tests/formulas/aides_logement_fiabilisation.yaml
and aides_logement_reforme_janvier_2021.yaml; each case names its file). Seven household
shapes (single, single with a child, couples with children, 3 to 6 persons; unfurnished,
furnished, hotel room) over the three housing-aid zones. Each is sent to the running
service's ``POST /calculate`` in the Web API's JSON and the answer is compared with the
case's expected figure, within the case's own relative margin.
"""

from __future__ import annotations

import json
import urllib.request
from datetime import date
from pathlib import Path

import pytest
import yaml

from relogement.housing_aid.client import AidSimulator

CASES = yaml.safe_load((Path(__file__).parent / "reference" / "aide_logement_cases.yaml").read_text())
GROUPS = {"famille": "familles", "menage": "menages", "foyer_fiscal": "foyers_fiscaux"}
ROLES = {"parents", "enfants", "personne_de_reference", "conjoint", "autres", "declarants", "personnes_a_charge"}
ETERNAL = {"date_naissance"}  # ETERNITY variables: the Web API takes them under "ETERNITY"


def web_api_situation(case: dict) -> tuple[str, dict]:
    """A YAML test's input as the Web API's JSON (what OpenFisca's YAML runner does for it):
    one entity of each group, a bare value given for the test's period, roles as lists."""
    period = str(case["period"]).removeprefix("month:")
    situation: dict = {"individus": {}, "familles": {}, "menages": {}, "foyers_fiscaux": {}}
    for key, value in case["input"].items():
        if key == "individus":
            situation["individus"] = value
        else:
            situation[GROUPS[key]] = {"_": value}
    for entities in situation.values():
        for entity in entities.values():
            for name, value in list(entity.items()):
                if name in ROLES:
                    entity[name] = [value] if isinstance(value, str) else value
                elif name in ETERNAL:
                    entity[name] = {"ETERNITY": str(next(iter(value.values())) if isinstance(value, dict) else value)}
                elif not isinstance(value, dict):
                    entity[name] = {period: value}
                else:
                    entity[name] = {str(p): v for p, v in value.items()}
    situation["familles"]["_"]["aide_logement"] = {period: None}
    situation["menages"]["_"].setdefault("zone_apl", {period: None})  # asked unless an input
    return period, situation


def calculate(url: str, situation: dict) -> tuple[dict, str]:
    request = urllib.request.Request(
        f"{url}/calculate", data=json.dumps(situation, default=str).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read()), response.headers["Country-Package-Version"]


def test_the_cases_cover_five_shapes_and_three_zones():
    assert len(CASES) >= 5
    assert {c["output"]["zone_apl"] if "zone_apl" in c["output"] else c["input"]["menage"]["zone_apl"]
            for c in CASES} >= {"zone_1", "zone_2", "zone_3"}
    assert all(c["source"].startswith("openfisca/openfisca-france@") for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c["name"][:40] for c in CASES])
def test_service_matches_openfisca_france_reference(simulation_url, case):
    period, situation = web_api_situation(case)
    answer, model_version = calculate(simulation_url, situation)
    assert model_version.startswith("176.")
    expected = case["output"]["aide_logement"]
    got = answer["familles"]["_"]["aide_logement"][period]
    margin = max(case.get("relative_error_margin", 0) * abs(expected), 1.0)  # the aid is rounded to the euro
    assert abs(got - expected) <= margin, (case["name"], got, expected)
    if "zone_apl" in case["output"]:
        assert answer["menages"]["_"]["zone_apl"][period] == case["output"]["zone_apl"]


def test_platform_situations_through_the_service(simulation_url):
    """Our own translation of a household: the zone follows the commune's INSEE code, and
    more resources never mean more aid (a single parent, one child, rent 450 €)."""
    simulator = AidSimulator(simulation_url, timeout=120)
    dwelling = {"rent_cents": 45_000, "charges_cents": 8_000, "typology": "T3"}
    places = {"Paris": "zone_1", "Lille": "zone_2", "Auch": "zone_3"}
    estimates = simulator.simulate(
        [34, 8], 140_000, {c: {**dwelling, "commune": c} for c in places}, date(2026, 12, 15)
    )
    assert estimates.available
    for commune, zone in places.items():
        aid = estimates.get(commune)
        assert aid is not None and aid.zone == zone and aid.legislation_date == date(2026, 12, 1)
        assert aid.inputs["depcom"] and aid.model_version.startswith("176.")
    # Rents are capped by zone: zone 1's ceiling is the highest, so its aid too.
    assert estimates.get("Paris").amount_cents >= estimates.get("Lille").amount_cents >= estimates.get("Auch").amount_cents
    richer = simulator.simulate([34, 8], 200_000, {"Lille": {**dwelling, "commune": "Lille"}}, date(2026, 12, 1))
    assert richer.get("Lille").amount_cents < estimates.get("Lille").amount_cents
