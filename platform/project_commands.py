"""Use cases of organisations and projects: register, create, partners, operations, settings."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid5

from relogement.platform.actors import PROJECT_CODES, Actor
from relogement.platform.errors import DomainError, InvalidValue
from relogement.platform.organisation import Organisation
from relogement.platform.project import Project


class ProjectCommands:
    """Organisations and projects.

    Mixed into ``RelocationApp`` (platform/application.py), whose ``_run``, ``save``,
    getters and ``_check_*`` guards it uses; a plain class, not an ``Application``.
    """

    def register_organisation(self, name: str, kind: str, code: str, by_user: str) -> UUID:
        def use_case(at: datetime) -> UUID:
            org = Organisation.register(name=name, kind=kind, code=code, by_user=by_user)
            self.save(org)
            return org.id

        return self._run(use_case)

    def create_project(
        self,
        name: str,
        code: str,
        quartiers: list[dict],
        operations: list[dict],
        actor: Actor,
        settings: dict | None = None,
    ) -> UUID:
        def use_case(at: datetime) -> UUID:
            self._check_kind(
                actor, ("epci", "ville", "mous"), "Un projet est créé par l'EPCI, la ville ou la MOUS."
            )
            clean = code.strip()
            if not clean or len(clean) > 30:
                raise InvalidValue("code", "Le code du projet fait de 1 à 30 caractères.")
            # The id is a function of the code: a second project with the same code collides
            # on it, so codes (used by the exports and the CLI) stay unique without a lookup.
            project_id = uuid5(PROJECT_CODES, clean.upper())
            if self._exists(project_id):
                raise DomainError("project_code_taken", f"Le code de projet « {clean} » est déjà pris.")
            project = Project.create(
                project_id=project_id,
                name=name,
                code=clean,
                pilot_org=actor.org,
                quartiers=quartiers,
                operations=operations,
                settings=settings or {},
                **actor.by,
            )
            self.save(project)
            return project.id

        return self._run(use_case)

    def add_partner(self, project_id: UUID, org_id: UUID, actor: Actor) -> None:
        def use_case(at: datetime) -> None:
            project = self.project(project_id)
            if actor.org != project.pilot_org:
                raise DomainError("not_pilot", "Seul le pilote du projet ajoute des partenaires.")
            org = self.organisation(org_id)
            project.add_partner(org_id, org.kind, **actor.by)
            self.save(project)

        self._run(use_case)

    def add_operations(
        self, project_id: UUID, quartiers: list[dict], operations: list[dict], actor: Actor
    ) -> None:
        def use_case(at: datetime) -> None:
            project = self.project(project_id)
            project.add_operations(quartiers, operations, **actor.by)
            self.save(project)

        self._run(use_case)

    def change_project_settings(self, project_id: UUID, settings: dict, actor: Actor) -> None:
        def use_case(at: datetime) -> None:
            project = self.project(project_id)
            project.change_settings(settings, **actor.by)
            self.save(project)

        self._run(use_case)
