"""Organisations (bailleurs, city, EPCI, Département, réservataires, MOUS, auditors)."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from relogement.events import organisation as facts
from relogement.platform.errors import InvalidValue
from relogement.platform.values import ORGANISATION_KINDS, check_text


class Organisation(Aggregate):
    OrganisationRegistered = facts.OrganisationRegistered

    @classmethod
    def register(cls, name: str, kind: str, code: str, by_user: str) -> Organisation:
        if kind not in ORGANISATION_KINDS:
            raise InvalidValue("kind", f"Type d'organisation inconnu « {kind} ».")
        check_text("name", name, label="nom de l'organisation")
        check_text("code", code, label="code de l'organisation")
        if not name.strip():
            raise InvalidValue("name", "Le nom de l'organisation est obligatoire.")
        # Self-registration: the organisation is its own author.
        return cls(name=name.strip(), kind=kind, code=code.strip(), by_user=by_user, by_org=None)

    @event(OrganisationRegistered)
    def __init__(self, name: str, kind: str, code: str, by_user: str, by_org: UUID | None) -> None:
        self.name = name
        self.kind = kind
        self.code = code
