"""Operational read models: the handlers of the organisations and projects events."""

from __future__ import annotations

from typing import Any

from relogement.projections.operational.base import Handlers
from relogement.projections.operational.rows import (
    jsonable,
    utc,
)


class ProjectHandlers(Handlers):
    """Mixin of :class:`~relogement.projections.operational.OperationalProjector`."""

    def _organisation_registered(self, e: Any) -> None:
        self._put("rm_organisations", e.originator_id, {"name": e.name, "kind": e.kind, "code": e.code})

    def _project_created(self, e: Any) -> None:
        self._put(
            "rm_projects",
            e.originator_id,
            {
                "name": e.name,
                "code": e.code,
                "pilot_org": e.pilot_org.hex,
                "quartiers": jsonable(e.quartiers),
                "operations": jsonable(e.operations),
                "settings": jsonable(e.settings),
                "partners": [{"org_id": e.pilot_org.hex, "role": "pilote"}],
                "created_at": utc(e.timestamp),
            },
        )

    def _partner_joined(self, e: Any) -> None:
        project = self._get("rm_projects", e.originator_id)
        assert project is not None
        partners = [*project["partners"], {"org_id": e.org_id.hex, "role": e.role}]
        self._put("rm_projects", e.originator_id, {"partners": partners})

    def _operations_added(self, e: Any) -> None:
        project = self._get("rm_projects", e.originator_id)
        assert project is not None
        self._put("rm_projects", e.originator_id, {
            "quartiers": [*project["quartiers"], *jsonable(e.quartiers)],
            "operations": [*project["operations"], *jsonable(e.operations)],
        })

    def _settings_changed(self, e: Any) -> None:
        self._put("rm_projects", e.originator_id, {"settings": jsonable(e.settings)})
