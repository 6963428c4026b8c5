"""Run with the simulation venv's Python: is ``BatchBuilder`` the same as OpenFisca's builder?

Reads a JSON list of situations (the Web API's JSON) on stdin; builds each with
``SimulationBuilder`` and with the service's ``BatchBuilder``; prints a JSON object:
``{"compared": <number of arrays compared>, "differences": [...]}``. A situation the library
refuses must be refused by both. Used by tests/test_simulation_builder.py.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy
from openfisca_core.simulation_builder import SimulationBuilder
from openfisca_france import FranceTaxBenefitSystem

SERVICE = Path(__file__).resolve().parents[2] / "housing_aid" / "service.py"


def load_service():
    spec = importlib.util.spec_from_file_location("simulation_service", SERVICE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def describe(simulation) -> dict:
    """Everything the builder decides: ids, memberships, roles, every input array."""
    out = {}
    for key, population in simulation.populations.items():
        out[f"{key}.ids"] = [str(i) for i in population.ids]
        out[f"{key}.count"] = int(population.count)
        if hasattr(population, "members_entity_id"):
            out[f"{key}.members"] = population.members_entity_id.tolist()
            out[f"{key}.roles"] = [role.key for role in population.members_role]
        for name, holder in population._holders.items():
            for period in holder.get_known_periods():
                array = holder.get_array(period)
                out[f"{key}.{name}@{period}"] = numpy.asarray(array.decode_to_str() if hasattr(array, "decode_to_str") else array).tolist()
    return out


def main() -> None:
    service = load_service()
    tbs = FranceTaxBenefitSystem()
    situations = json.load(sys.stdin)
    compared, differences = 0, []
    for number, situation in enumerate(situations):
        results = []
        for builder in (SimulationBuilder(), service.BatchBuilder()):
            try:
                results.append(describe(builder.build_from_entities(tbs, situation)))
            except Exception as error:  # noqa: BLE001 - the refusal itself is compared
                results.append({"refused": type(error).__name__})
        reference, ours = results
        compared += len(reference)
        for key in sorted(set(reference) | set(ours)):
            if reference.get(key) != ours.get(key):
                differences.append({"situation": number, "key": key})
    print(json.dumps({"compared": compared, "differences": differences[:50]}))


if __name__ == "__main__":
    main()
