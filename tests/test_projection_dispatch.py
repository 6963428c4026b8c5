"""The operational projector picks a handler by event class (MRO), never by class name."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any
from uuid import uuid4

from relogement.events import organisation as organisation_facts
from relogement.platform.organisation import Organisation
from relogement.projections.operational import OperationalProjector


class _Writer:
    """Records the rows the handlers put, instead of writing them."""

    def __init__(self) -> None:
        self.puts: list[tuple[str, dict, dict, int]] = []

    def put(self, conn: Any, table: str, key: dict, values: dict, position: int) -> dict:
        self.puts.append((table, key, values, position))
        return values


def _projector() -> tuple[OperationalProjector, _Writer]:
    projector = OperationalProjector()
    writer = _Writer()
    projector.writer = writer  # type: ignore[assignment]
    return projector, writer


def _fields() -> dict[str, Any]:
    return {"originator_id": uuid4(), "name": "Ville", "kind": "ville", "code": "VIL"}


def test_the_stored_subclass_of_an_event_class_reaches_its_handler() -> None:
    projector, writer = _projector()
    stored = Organisation.OrganisationRegistered
    assert stored is not organisation_facts.OrganisationRegistered
    assert issubclass(stored, organisation_facts.OrganisationRegistered)
    renamed = type("Renamed", (stored,), {})  # another name, same lineage
    event = object.__new__(renamed)
    for name, value in _fields().items():
        object.__setattr__(event, name, value)
    projector.apply(None, 7, event)  # type: ignore[arg-type]
    assert [(t, v["code"], p) for t, _, v, p in writer.puts] == [("rm_organisations", "VIL", 7)]


def test_a_foreign_class_with_an_event_name_changes_nothing() -> None:
    projector, writer = _projector()
    foreign = type("OrganisationRegistered", (SimpleNamespace,), {})
    projector.apply(None, 8, foreign(**_fields()))  # type: ignore[arg-type]
    assert writer.puts == []
