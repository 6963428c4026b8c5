"""The housing-aid simulation service: OpenFisca-France kept warm in one process.

Contract: the OpenFisca Web API's ``POST /calculate`` (same JSON in and out: entities
``individus``, ``familles``, ``foyers_fiscaux``, ``menages``; a variable asked for is given
as ``null`` for a period and comes back filled), plus the Web API's response headers
``Country-Package`` and ``Country-Package-Version``. So the app can use either this service
or ``openfisca serve``. ``GET /health`` answers once the model is loaded and warm.

Why our own service rather than ``openfisca serve``: the Web API computes a request in one
of several gunicorn workers (about 1 GB together) and its JSON path costs ≈ 5 s for 100
households; here one process builds one vectorised simulation per request
(``BatchBuilder``: OpenFisca's ``SimulationBuilder`` without its quadratic look-ups), whose
fixed cost (the calculation graph) is paid once per batch. Requests are computed one at a time (a lock): OpenFisca's tax-benefit
system is shared, and batching, not concurrency, is what makes it fast.

Run: ``relogement-simulation --host 127.0.0.1 --port 5001`` (or
``python -m relogement.housing_aid.service``). This module is never imported by the web
workers (import-linter contract in pyproject.toml).
"""

from __future__ import annotations

import argparse
import json
import logging
import threading
import time
from importlib.metadata import version
from typing import Any

from openfisca_core import errors, periods
from openfisca_core.simulation_builder import SimulationBuilder
from openfisca_france import FranceTaxBenefitSystem
from werkzeug.exceptions import HTTPException
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

log = logging.getLogger("relogement.housing_aid.service")

COUNTRY_PACKAGE = "openfisca-france"
WARM_UP = {
    "individus": {"p": {"date_naissance": {"ETERNITY": "1990-01-01"}}},
    "familles": {"f": {"parents": ["p"], "aide_logement": {"2026-01": None}}},
    "foyers_fiscaux": {"ff": {"declarants": ["p"]}},
    "menages": {"m": {"personne_de_reference": ["p"], "loyer": {"2026-01": 400},
                      "statut_occupation_logement": {"2026-01": "locataire_hlm"},
                      "depcom": {"2026-01": "59350"}, "zone_apl": {"2026-01": None}}},
}


class _Ids(list):
    """A list of ids whose ``index`` and ``in`` are dictionary look-ups.

    OpenFisca's builder looks every person up with ``list.index`` and ``in``: quadratic, about
    a second for a batch of 1,000 households. The list itself is unchanged."""

    def __init__(self, ids: list[str]) -> None:
        super().__init__(ids)
        self._positions: dict[str, int] = {}
        for position, ident in enumerate(self):
            self._positions.setdefault(ident, position)

    def index(self, value: Any, *bounds: Any) -> int:  # type: ignore[override]
        if bounds or value not in self._positions:
            return super().index(value, *bounds)
        return self._positions[value]

    def __contains__(self, value: object) -> bool:
        return value in self._positions


class BatchBuilder(SimulationBuilder):
    """OpenFisca's ``SimulationBuilder``, the same arrays built faster for large batches.

    Only the look-ups change: ids are found in a dictionary instead of by ``list.index``, and
    each period text is parsed once per batch instead of once per entity and variable. The
    two methods below are the library's own (openfisca-core 44), with those two look-ups
    replaced; tests/simulation_checks/builder_equivalence.py checks that every input array
    is the same as the library's builder gives."""

    def __init__(self) -> None:
        super().__init__()
        self._periods: dict[str, Any] = {}
        self._positions: dict[str, dict[str, int]] = {}

    def _period(self, period_str: str) -> Any:
        period = self._periods.get(period_str)
        if period is None:
            period = self._periods[period_str] = periods.period(period_str)
        return period

    def add_person_entity(self, entity: Any, instances_json: Any) -> Any:
        super().add_person_entity(entity, instances_json)
        ids = self.entity_ids[entity.plural] = _Ids(self.entity_ids[entity.plural])
        return ids

    def init_variable_values(self, entity: Any, instance_object: Any, instance_id: Any) -> None:
        ids = self.get_ids(entity.plural)
        positions = self._positions.get(entity.plural)
        if positions is None or len(positions) != len(ids):
            positions = self._positions[entity.plural] = {}
            for position, ident in enumerate(ids):
                positions.setdefault(ident, position)
        for variable_name, variable_values in instance_object.items():
            path_in_json = [entity.plural, instance_id, variable_name]
            try:
                entity.check_variable_defined_for_entity(variable_name)
            except ValueError as e:
                raise errors.SituationParsingError(path_in_json, e.args[0]) from e
            except errors.VariableNotFoundError as e:
                raise errors.SituationParsingError(path_in_json, str(e), code=404) from e
            instance_index = positions[instance_id]
            if not isinstance(variable_values, dict):
                if self.default_period is None:
                    raise errors.SituationParsingError(
                        path_in_json, "Can't deal with type: expected object. Input variables should be set for specific periods."
                    )
                variable_values = {self.default_period: variable_values}
            variable = entity.get_variable(variable_name)
            for period_str, value in variable_values.items():
                try:
                    self._period(period_str)
                except ValueError as e:
                    raise errors.SituationParsingError(path_in_json, e.args[0]) from e
                self.add_variable_value(entity, variable, instance_index, instance_id, period_str, value)

    def add_variable_value(self, entity: Any, variable: Any, instance_index: int, instance_id: Any,
                           period_str: str, value: Any) -> None:
        if value is None:
            return
        key = str(self._period(period_str))
        buffer = self.input_buffer.setdefault(variable.name, {})
        array = buffer.get(str(period_str))
        if array is None:
            array = variable.default_array(self.get_count(entity.plural))
        try:
            value = variable.check_set_value(value)
        except ValueError as error:
            raise errors.SituationParsingError([entity.plural, instance_id, variable.name, period_str], *error.args) from error
        array[instance_index] = value
        buffer[key] = array


class BadSituation(ValueError):
    """The request is not a situation OpenFisca can compute (answered 400)."""


class Calculator:
    """One tax-benefit system, loaded once; one simulation per request."""

    def __init__(self) -> None:
        started = time.perf_counter()
        self.tbs = FranceTaxBenefitSystem()
        self.version = version("OpenFisca-France")
        self.lock = threading.Lock()
        self.calculate(json.loads(json.dumps(WARM_UP)))  # the first calculation builds caches
        log.info("OpenFisca-France %s loaded and warm in %.1f s", self.version, time.perf_counter() - started)

    def calculate(self, situation: dict) -> dict:
        """Fill every ``null`` of the situation, as the Web API does."""
        if not isinstance(situation, dict):
            raise BadSituation("a JSON object is expected")
        with self.lock:
            try:
                simulation = BatchBuilder().build_from_entities(self.tbs, situation)
            except Exception as error:  # SituationParsingError and friends: the caller's input
                raise BadSituation(str(getattr(error, "error", error))[:2000]) from error
            asked: dict[tuple[str, str], list[tuple[str, str]]] = {}
            for plural, entities in situation.items():
                for entity_id, values in entities.items():
                    for name, periods in values.items():
                        if isinstance(periods, dict):
                            for period, value in periods.items():
                                if value is None:
                                    asked.setdefault((name, period), []).append((plural, entity_id))
            for (name, period), where in asked.items():
                if name not in self.tbs.variables:
                    raise BadSituation(f"unknown variable {name}")
                try:
                    result = simulation.calculate(name, period)
                except ValueError:  # a month variable asked for a year: sum it, as the Web API
                    result = simulation.calculate_add(name, period)
                if hasattr(result, "decode_to_str"):
                    result = result.decode_to_str()
                population = simulation.get_variable_population(name)
                index = {ident: i for i, ident in enumerate(population.ids)}
                for plural, entity_id in where:
                    value = result[index[entity_id]]
                    situation[plural][entity_id][name][period] = value.item() if hasattr(value, "item") else str(value)
        return situation


def create_app(calculator: Calculator | None = None) -> Any:
    """The WSGI application (gunicorn: ``relogement.housing_aid.service:create_app()``, ONE worker)."""
    calc = calculator or Calculator()
    headers = {"Country-Package": COUNTRY_PACKAGE, "Country-Package-Version": calc.version}

    def respond(body: Any, status: int = 200) -> Response:
        return Response(json.dumps(body, ensure_ascii=False), status, headers=headers,
                        mimetype="application/json")

    @Request.application
    def application(request: Request) -> Response:
        try:
            if request.path == "/health" and request.method == "GET":
                return respond({"status": "ok", "country_package": COUNTRY_PACKAGE,
                                "country_package_version": calc.version})
            if request.path == "/calculate" and request.method == "POST":
                try:
                    situation = json.loads(request.get_data(as_text=True))
                except ValueError:
                    return respond({"error": "invalid JSON"}, 400)
                return respond(calc.calculate(situation))
            return respond({"error": "not found"}, 404)
        except BadSituation as error:
            return respond({"error": str(error)}, 400)
        except HTTPException as error:
            return respond({"error": error.description}, error.code or 500)

    return application


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Service de simulation des aides au logement (OpenFisca-France)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5001)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    server = make_server(args.host, args.port, create_app(), threaded=True)
    log.info("simulation service on http://%s:%d", args.host, args.port)
    server.serve_forever()


if __name__ == "__main__":
    main()
